package collector

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// The collector stamps every event it accepts with the time it received it, replacing a
// received time the client made up; the client's own time is kept.
func TestReceivedIsStampedByTheCollector(t *testing.T) {
	s := newStack(t)
	g := gen(3)
	honest := g.Next(events.FamilyAds)
	forged := g.Next(events.FamilyPlayback)
	forged.EventHeader().Received = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	before := time.Now().UTC().Truncate(time.Millisecond)
	a := s.signed(t, "web-player", playerSecret, batch(t, honest, forged))
	after := time.Now().UTC()
	if a.status != http.StatusOK || a.resp.Accepted != 2 {
		t.Fatalf("%d %+v %q, want both accepted", a.status, a.resp, a.err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...),
		kgo.ConsumeTopics(events.FamilyAds.Topic(), events.FamilyPlayback.Topic()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	got := map[string]events.Typed{}
	for len(got) < 2 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			ev, err := events.Decode(events.Family(strings.TrimPrefix(r.Topic, "cuepoint.")), r.Value)
			if err != nil {
				t.Fatalf("record does not decode: %v", err)
			}
			got[ev.(events.Typed).EventHeader().ID] = ev.(events.Typed)
		})
	}
	for _, sent := range []events.Typed{honest, forged} {
		ev := got[sent.EventHeader().ID]
		if ev == nil {
			t.Fatalf("event %s not in Kafka", sent.EventHeader().ID)
		}
		h := ev.EventHeader()
		if h.Received.Before(before) || h.Received.After(after) {
			t.Errorf("%s: received %v, want the collector's clock in [%v, %v]", ev.Type(), h.Received, before, after)
		}
		if !h.Time.Equal(sent.EventHeader().Time) {
			t.Errorf("%s: time %v changed from the client's %v", ev.Type(), h.Time, sent.EventHeader().Time)
		}
	}
}
