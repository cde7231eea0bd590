package sink

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// Malformed events go to the dead-letter topic with the reason and their source, are
// counted, and do not hold back the good events around them.
func TestDeadLetters(t *testing.T) {
	e := newEnv(t, stacktest.ClickHouse(t))
	good := generate(events.FamilyWins, 1000, 1)
	oversized := `{"v":1,"type":"win","pad":"` + strings.Repeat("x", events.MaxSize) + `"}`
	bad := map[string]events.Reason{
		`not json`: events.ReasonSyntax,
		`{"v":2,"type":"win","id":"a","time":"2025-01-01T00:00:00Z","service":"bidder"}`:   events.ReasonVersion,
		`{"v":1,"type":"click","id":"a","time":"2025-01-01T00:00:00Z","service":"bidder"}`: events.ReasonUnknownType,
		`{"v":1,"type":"win","id":"a","time":"2025-01-01T00:00:00Z","service":"bidder"}`:   events.ReasonInvalid,
		oversized: events.ReasonTooLarge,
	}
	topic := e.topic(events.FamilyWins)
	var recs []*kgo.Record
	i := 0
	for v := range bad {
		// Interleave: good events before and after every bad one, on the same partition.
		for _, ev := range good[i*100 : (i+1)*100] {
			b, _ := ev.Append(nil)
			recs = append(recs, &kgo.Record{Topic: topic, Key: []byte("k"), Value: b})
		}
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte("k"), Value: []byte(v)})
		i++
	}
	for _, ev := range good[i*100:] {
		b, _ := ev.Append(nil)
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte("k"), Value: b})
	}
	e.produceRecords(recs...)

	r := e.start(e.config(), hooks{})
	e.expectExactly(events.FamilyWins, uint64(len(good)))

	// Read the dead letters back.
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.ConsumeTopics(e.prefix+events.DeadLetterTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := map[string]map[string]string{}
	for len(got) < len(bad) {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("reading dead letters (%d of %d): %v", len(got), len(bad), err)
		}
		fs.EachRecord(func(rec *kgo.Record) {
			h := map[string]string{}
			for _, kv := range rec.Headers {
				h[kv.Key] = string(kv.Value)
			}
			got[string(rec.Value)] = h
		})
	}
	for v, reason := range bad {
		h, ok := got[v]
		if !ok {
			t.Errorf("no dead letter for %.40q", v)
			continue
		}
		if h[HeaderReason] != string(reason) || h[HeaderSourceTopic] != topic || h[HeaderError] == "" || len(h[HeaderError]) > maxErrorHeader {
			t.Errorf("dead letter %.40q: headers %v, want reason %s", v, h, reason)
		}
		if _, err := strconv.ParseInt(h[HeaderSourceOffset], 10, 64); err != nil {
			t.Errorf("dead letter %.40q: source offset %q", v, h[HeaderSourceOffset])
		}
		if _, err := time.Parse(time.RFC3339Nano, h[HeaderSourceTime]); err != nil {
			t.Errorf("dead letter %.40q: source time %q", v, h[HeaderSourceTime])
		}
		if n := r.s.m.topics[topic].dead[reason].Get(); n != 1 {
			t.Errorf("dead letters counted with reason %s: %d, want 1", reason, n)
		}
	}
}
