package stream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// impression is an impression beacon of campaign's ad played to viewer, as the adserver emits
// it: its id is the event's identity, shared by copies of it.
func impression(id, viewer, campaign string, at time.Time) *events.AdTracking {
	return &events.AdTracking{
		Header: events.Header{V: events.Version, ID: id, Time: at, Service: "adserver"},
		Kind:   events.TrackImpression, SessionID: "s-" + viewer, Creative: "cr-1", Campaign: campaign,
		Source: events.SourceServer, Viewer: viewer,
	}
}

// onPartition encodes ev as the record at offset of partition p.
func onPartition(t *testing.T, ev events.Event, p int32, offset int64) *kgo.Record {
	r := record(t, ev, offset)
	r.Partition = p
	return r
}

func impressionsOf(t *testing.T, s *featurestore.Store, viewer, campaign string) featurestore.Values {
	t.Helper()
	e, err := s.Get(context.Background(), featurestore.EntityViewerCampaign, featurestore.ViewerCampaignID(viewer, campaign), featurestore.ViewImpressions)
	if err != nil {
		t.Fatal(err)
	}
	return e.Views[0]
}

// TestImpressionsExactlyOnce: impressions from two partitions, replayed batches and copies of
// one event at other offsets count once each; the windows count what they cover.
func TestImpressionsExactlyOnce(t *testing.T) {
	s := memStore(t)
	u, _ := New(s, Config{Brokers: []string{"unused:1"}}, nil)
	ctx := context.Background()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	recs := []*kgo.Record{
		onPartition(t, impression("e1", "v1", "c1", at(-3*time.Hour)), 0, 0),
		onPartition(t, impression("e2", "v1", "c1", at(-30*time.Minute)), 0, 1),
		onPartition(t, impression("e3", "v1", "c1", at(-5*time.Minute)), 1, 0),
		onPartition(t, impression("e4", "v1", "c1", at(0)), 1, 1),
		onPartition(t, impression("e2", "v1", "c1", at(-30*time.Minute)), 1, 2), // a copy of e2
		onPartition(t, impression("e5", "v1", "c2", at(0)), 0, 2),               // another campaign
		onPartition(t, impression("e6", "v1", "c1", at(-9*24*time.Hour)), 0, 3), // older than a week
	}
	start := impression("e7", "v1", "c1", at(0))
	start.Kind = events.TrackStart
	anon := impression("e8", "", "c1", at(0))
	recs = append(recs, onPartition(t, start, 0, 4), onPartition(t, anon, 0, 5))
	for round := range 3 { // the first applies; replays change nothing
		if err := u.Apply(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if round == 0 && u.applied.Get() == 0 {
			t.Fatal("nothing applied")
		}
	}
	// A later poll: a new impression and yet another copy of e3 (new offset).
	if err := u.Apply(ctx, []*kgo.Record{
		onPartition(t, impression("e3", "v1", "c1", at(-5*time.Minute)), 0, 6),
		onPartition(t, impression("e9", "v1", "c1", at(30*time.Second)), 1, 3),
	}); err != nil {
		t.Fatal(err)
	}

	v := impressionsOf(t, s, "v1", "c1")
	now := at(time.Minute)
	for _, c := range []struct {
		window time.Duration
		want   int64
	}{
		{time.Minute, 0}, {2 * time.Minute, 2}, {10 * time.Minute, 3}, {time.Hour, 4},
		{2 * time.Hour, 4}, {4 * time.Hour, 5}, {7 * 24 * time.Hour, 5}, {30 * 24 * time.Hour, 5},
	} {
		if got := featurestore.Impressions(v, now, c.window); got != c.want {
			t.Errorf("impressions in the last %v: %d, want %d", c.window, got, c.want)
		}
	}
	if v.Int("total") != 6 || v.Int("last_impression_ms") != at(30*time.Second).UnixMilli() {
		t.Errorf("total %d (want 6: e1 e2 e3 e4 e6 e9), last %d", v.Int("total"), v.Int("last_impression_ms"))
	}
	if got := featurestore.Impressions(impressionsOf(t, s, "v1", "c2"), now, time.Hour); got != 1 {
		t.Errorf("campaign c2: %d impressions, want 1", got)
	}
	if got := featurestore.Impressions(impressionsOf(t, s, "v1", "nope"), now, time.Hour); got != 0 {
		t.Errorf("no impressions: %d", got)
	}
}

// TestImpressionsWindowsShift: buckets move with time, per minute and per hour.
func TestImpressionsWindowsShift(t *testing.T) {
	s := memStore(t)
	u, _ := New(s, Config{Brokers: []string{"unused:1"}}, nil)
	var recs []*kgo.Record
	for i := range 200 { // one impression every 10 minutes for 2000 minutes
		at := t0.Add(time.Duration(i) * 10 * time.Minute)
		r := record(t, impression(fmt.Sprint("e", i), "v", "c", at), int64(i))
		r.Timestamp = at
		recs = append(recs, r)
	}
	if err := u.Apply(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	v := impressionsOf(t, s, "v", "c")
	last := t0.Add(1990 * time.Minute)
	if got := featurestore.Impressions(v, last, time.Hour); got != 6 {
		t.Errorf("last hour: %d, want 6", got)
	}
	if got := featurestore.Impressions(v, last.Add(2*time.Hour), time.Hour); got != 0 {
		t.Errorf("an hour later: %d, want 0", got)
	}
	// The current hour and the 23 before it: hours 9…33 after t0 minus the first; t0 is on the hour.
	var want int64
	for i := range 200 {
		at := t0.Add(time.Duration(i) * 10 * time.Minute)
		if at.Unix()/3600 > last.Unix()/3600-24 {
			want++
		}
	}
	if got := featurestore.Impressions(v, last, 24*time.Hour); got != want {
		t.Errorf("last 24 h: %d, want %d", got, want)
	}
	if v.Int("total") != 200 || len(v.Strings("event_ids")) != featurestore.ImpressionIDs {
		t.Errorf("total %d, %d ids kept", v.Int("total"), len(v.Strings("event_ids")))
	}
}

// TestImpressionsEndToEnd: the real Kafka and the real Cassandra. N impression events (and a
// copy of some, as two adserver instances emit them) go through the topic; a first updater
// stores them and "crashes" before committing, a second reads them all again: every counter
// is exactly its number of events.
func TestImpressionsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Kafka and Cassandra")
	}
	brokers := stacktest.Kafka(t)
	s := cassandraStore(t)
	ctx := context.Background()
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.AllowAutoTopicCreation(), kgo.DefaultProduceTopic(events.FamilyAds.Topic()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	const viewers, campaigns, perPair = 5, 3, 12 // N = 180 impressions
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := 0
	for v := range viewers {
		for c := range campaigns {
			for i := range perPair {
				ev := impression(events.NewID(), fmt.Sprint("viewer-", v), fmt.Sprint("camp-", c), now.Add(-time.Duration(i)*7*time.Minute))
				copies := 1 + i%3/2 // every third event twice, as two instances would emit it
				b, _ := ev.Append(nil)
				for k := range copies {
					// Keyed by the session; a copy under another key may land on another partition.
					key := ev.Key() + strings.Repeat("-copy", k)
					if err := prod.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: b}).FirstErr(); err != nil {
						t.Fatal(err)
					}
				}
				n++
			}
		}
	}
	check := func(when string) bool {
		for v := range viewers {
			for c := range campaigns {
				iv := impressionsOf(t, s, fmt.Sprint("viewer-", v), fmt.Sprint("camp-", c))
				if iv.Int("total") != perPair {
					return false
				}
				// perPair impressions 7 minutes apart: 9 in the last hour (0…56 min ago), all in 24 h.
				if got := featurestore.Impressions(iv, now, time.Hour); got != 9 {
					t.Fatalf("%s: viewer-%d camp-%d: %d in the last hour, want 9", when, v, c, got)
				}
				if got := featurestore.Impressions(iv, now, 24*time.Hour); got != perPair {
					t.Fatalf("%s: viewer-%d camp-%d: %d in 24 h, want %d", when, v, c, got, perPair)
				}
			}
		}
		return true
	}
	run := func(commit bool) {
		u, err := New(s, Config{Brokers: brokers, Group: "test-impressions"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		u.commit = commit
		seen := func() int64 { return int64(u.applied.Get() + u.replayed.Get()) }
		before := seen()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- u.Run(rctx) }()
		deadline := time.Now().Add(60 * time.Second)
		for !check("catching up") || (commit && seen()-before < int64(n)) {
			if time.Now().After(deadline) {
				t.Fatalf("updater did not catch up (%d records seen)", seen()-before)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	run(false) // stores everything, commits nothing: as if it crashed
	run(true)  // reads everything again
	for v := range viewers {
		for c := range campaigns {
			iv := impressionsOf(t, s, fmt.Sprint("viewer-", v), fmt.Sprint("camp-", c))
			if iv.Int("total") != perPair {
				t.Fatalf("after the replay: viewer-%d camp-%d total %d, want %d", v, c, iv.Int("total"), perPair)
			}
		}
	}
	if !check("after the replay") {
		t.Fatal("counters changed")
	}
}

// cassandraStore opens a Store on a keyspace of the test's own in the test Cassandra.
func cassandraStore(t *testing.T) *featurestore.Store {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	cfg := featurestore.DefaultConfig()
	cfg.Name = "stream-test"
	cfg.Hosts, cfg.Keyspace, cfg.CacheMB = stacktest.Cassandra(t), "stream_test_"+hex.EncodeToString(b), 8
	// A JVM on a shared CI machine pauses; the test checks counts, not latency.
	cfg.QueryTimeout, cfg.ReadTimeout, cfg.WriteTimeout = 2*time.Second, 3*time.Second, 10*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := featurestore.Open(ctx, cfg, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestImpressionFromTheFuture: an impression stamped a year ahead of its record counts at the
// record's time instead of wiping the buckets.
func TestImpressionFromTheFuture(t *testing.T) {
	s := memStore(t)
	u, _ := New(s, Config{Brokers: []string{"unused:1"}}, nil)
	recs := []*kgo.Record{
		record(t, impression("e1", "v", "c", t0), 0),
		record(t, impression("e2", "v", "c", t0.AddDate(1, 0, 0)), 1), // record time t0+1s
	}
	if err := u.Apply(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	v := impressionsOf(t, s, "v", "c")
	if got := featurestore.Impressions(v, t0.Add(time.Minute), time.Hour); got != 2 || v.Int("last_impression_ms") != t0.Add(time.Second).UnixMilli() {
		t.Fatalf("%d impressions in the hour, last %d: want 2, at the record's time", got, v.Int("last_impression_ms"))
	}
}
