package recs

import (
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// Service is the analytics "service" of recs' events.
const eventService = "recs"

// observe records a served list: a RecsServed event (its id is the list id that clicks and
// plays refer to; it carries the model, experiment and arm, so the dashboard's CTR by
// position and model needs no join), the exploration bandit's impressions, and the metrics.
// Emitting never blocks.
func (s *Service) observe(list []rank.Result, cat *catalog.Catalog, arm *armPolicy, p params, model, reqID, listID, degraded string, took time.Duration) {
	ev := &events.RecsServed{
		Header:     events.Header{V: events.Version, ID: listID, Time: s.now().UTC().Truncate(time.Millisecond), Service: eventService, RequestID: reqID},
		UserID:     p.user,
		Surface:    p.surface.String(),
		Model:      model,
		Experiment: s.cfg.Experiment,
		Arm:        arm.Name,
		Items:      make([]string, len(list)),
		LatencyUS:  took.Microseconds(),
	}
	var shown [rank.MaxN]int32
	for k, r := range list {
		ev.Items[k] = cat.ID(r.Item)
		shown[k] = r.Item
	}
	if len(list) > 0 { // an empty list (nothing the viewer may see) is not an event
		s.emitter.Emit(ev)
	}
	s.bandit.Shown(shown[:len(list)])
	s.metrics.served(arm.Name, list, p.n, degraded, took)
}
