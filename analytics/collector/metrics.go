package collector

import (
	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Reasons an event is rejected, beyond the events.Reason values of a failed Decode. They label
// cuepoint_collector_events_rejected_total.
const (
	reasonMalformed  = "malformed"   // the element is not {"family": …, "event": {…}}
	reasonNotAllowed = "not_allowed" // the sender may not post this family
	reasonClockSkew  = "clock_skew"  // the event's time is ahead of the server's clock
	reasonTooOld     = "too_old"     // the event's time is older than the collector accepts
)

// Reasons a whole request is refused, beyond the AuthError reasons. They label
// cuepoint_collector_requests_refused_total.
const (
	refusedMissingCredentials = "missing_credentials"
	refusedMalformedBody      = "malformed_body"
	refusedTooLarge           = "too_large"
	refusedOverloaded         = "overloaded"
)

var (
	eventReasons = []string{
		string(events.ReasonTooLarge), string(events.ReasonSyntax), string(events.ReasonVersion),
		string(events.ReasonUnknownFamily), string(events.ReasonUnknownType), string(events.ReasonInvalid),
		reasonMalformed, reasonNotAllowed, reasonClockSkew, reasonTooOld,
	}
	requestReasons = []string{
		refusedMissingCredentials, "unknown_sender", "bad_signature", "stale_signature", "bad_token",
		"expired_token", "origin_mismatch", refusedMalformedBody, refusedTooLarge, refusedOverloaded,
	}
)

// collectorMetrics are the collector's series, created when it is mounted on a server (whose
// name is the service label).
//
//	cuepoint_collector_events_accepted_total{service,family}   emitted to Kafka
//	cuepoint_collector_events_duplicate_total{service,family}  already accepted recently: not emitted again
//	cuepoint_collector_events_rejected_total{service,reason}   rejected, with the reason sent back
//	cuepoint_collector_requests_refused_total{service,reason}  whole requests refused (auth, body, overload)
type collectorMetrics struct {
	accepted   map[events.Family]*vm.Counter
	duplicates map[events.Family]*vm.Counter
	rejected   map[string]*vm.Counter
	refused    map[string]*vm.Counter
}

func newCollectorMetrics(service string) *collectorMetrics {
	m := &collectorMetrics{
		accepted:   map[events.Family]*vm.Counter{},
		duplicates: map[events.Family]*vm.Counter{},
		rejected:   map[string]*vm.Counter{},
		refused:    map[string]*vm.Counter{},
	}
	s := `{service="` + service + `",`
	for _, f := range events.Families {
		m.accepted[f] = metrics.Counter(`cuepoint_collector_events_accepted_total` + s + `family="` + string(f) + `"}`)
		m.duplicates[f] = metrics.Counter(`cuepoint_collector_events_duplicate_total` + s + `family="` + string(f) + `"}`)
	}
	for _, r := range eventReasons {
		m.rejected[r] = metrics.Counter(`cuepoint_collector_events_rejected_total` + s + `reason="` + r + `"}`)
	}
	for _, r := range requestReasons {
		m.refused[r] = metrics.Counter(`cuepoint_collector_requests_refused_total` + s + `reason="` + r + `"}`)
	}
	return m
}

func (m *collectorMetrics) reject(reason string) {
	if c := m.rejected[reason]; c != nil {
		c.Inc()
	}
}

func (m *collectorMetrics) refuse(reason string) {
	if c := m.refused[reason]; c != nil {
		c.Inc()
	}
}
