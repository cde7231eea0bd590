package stream

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

func memStore(t *testing.T) *featurestore.Store {
	t.Helper()
	cfg := featurestore.DefaultConfig()
	cfg.CacheMB = 4
	s, err := featurestore.OpenMemory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func play(user, item string, at time.Time) *events.RecsAction {
	return &events.RecsAction{
		Header: events.Header{V: events.Version, ID: events.NewID(), Time: at, Service: "player"},
		Kind:   events.ActionPlay, ListID: "list-1", UserID: user, ItemID: item, Position: 1, Model: "m",
	}
}

func start(item string, at time.Time) *events.QoE {
	return &events.QoE{
		Header:    events.Header{V: events.Version, ID: events.NewID(), Time: at, Service: "player"},
		SessionID: "s-" + events.NewID()[:8], ContentID: item, StartupMS: 900, WatchMS: 1000,
	}
}

// record encodes ev as the record at offset of partition 0 of its topic.
func record(t *testing.T, ev events.Event, offset int64) *kgo.Record {
	t.Helper()
	b, err := ev.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Topic: ev.Family().Topic(), Partition: 0, Offset: offset, Value: b, Timestamp: t0.Add(time.Duration(offset) * time.Second)}
}

func TestApplyIsExactlyOnce(t *testing.T) {
	s := memStore(t)
	u, _ := New(s, Config{Brokers: []string{"unused:1"}}, nil)
	ctx := context.Background()
	recs := []*kgo.Record{
		record(t, play("v1", "a", t0), 0),
		record(t, play("v1", "b", t0.Add(time.Minute)), 1),
		record(t, start("a", t0), 0),
		record(t, start("a", t0.Add(time.Hour)), 1),
		record(t, &events.QoE{Header: events.Header{V: 1, ID: events.NewID(), Time: t0, Service: "player"}, SessionID: "s", ContentID: "a", WatchMS: 5}, 2), // not a start
	}
	for round := 0; round < 3; round++ { // the first applies, replays change nothing
		if err := u.Apply(ctx, recs); err != nil {
			t.Fatal(err)
		}
	}
	// A replay mixed with a new record applies only the new one.
	if err := u.Apply(ctx, append(recs[:2:2], record(t, play("v1", "a", t0.Add(2*time.Minute)), 2))); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Get(ctx, featurestore.EntityUser, "v1", featurestore.ViewRecent)
	r := e.Views[0]
	if got := r.Strings("items"); fmt.Sprint(got) != "[a b]" || r.Int("watch_count") != 3 {
		t.Fatalf("recent: items %v, count %d; want [a b] and 3", got, r.Int("watch_count"))
	}
	if r.Int("last_watch_ms") != t0.Add(2*time.Minute).UnixMilli() {
		t.Fatalf("last watch %d", r.Int("last_watch_ms"))
	}
	e, _ = s.Get(ctx, featurestore.EntityItem, "a", featurestore.ViewPopularity)
	p := e.Views[0]
	// Two plays an hour apart, half-life 6 h: 1·2^(-1/6) + 1.
	if p.Int("plays") != 2 || p.Int("as_of_ms") != t0.Add(time.Hour).UnixMilli() || fmt.Sprintf("%.4f", p.Float("score")) != "1.8909" {
		t.Fatalf("popularity: plays %d, as of %d, score %.4f", p.Int("plays"), p.Int("as_of_ms"), p.Float("score"))
	}
	if got := featurestore.Popularity(p, t0.Add(7*time.Hour)); fmt.Sprintf("%.4f", got) != "0.9454" {
		t.Fatalf("decayed popularity %.4f", got)
	}
}

func TestRecentKeepsNewestFirstAndBounded(t *testing.T) {
	s := memStore(t)
	u, _ := New(s, Config{Brokers: []string{"unused:1"}}, nil)
	var recs []*kgo.Record
	for i := 0; i < featurestore.RecentMax+5; i++ {
		recs = append(recs, record(t, play("v", fmt.Sprint("i", i), t0.Add(time.Duration(i)*time.Minute)), int64(i)))
	}
	// A late start of an older item goes behind the newer ones.
	recs = append(recs, record(t, play("v", "late", t0.Add(-time.Hour)), int64(len(recs))))
	if err := u.Apply(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Get(context.Background(), featurestore.EntityUser, "v", featurestore.ViewRecent)
	items := e.Views[0].Strings("items")
	if len(items) != featurestore.RecentMax || items[0] != fmt.Sprint("i", featurestore.RecentMax+4) {
		t.Fatalf("items %v", items)
	}
}

// TestUpdaterEndToEnd produces events to the embedded Kafka; a first updater stores them but
// "crashes" before committing, a second one reads them all again: the features count each
// event once.
func TestUpdaterEndToEnd(t *testing.T) {
	brokers := stacktest.Kafka(t)
	s := memStore(t)
	ctx := context.Background()
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	const n = 200
	for i := 0; i < n; i++ {
		for _, ev := range []events.Event{play("viewer-x", fmt.Sprint("item-", i%7), t0.Add(time.Duration(i)*time.Second)), start("item-hot", t0.Add(time.Duration(i)*time.Second))} {
			b, _ := ev.Append(nil)
			if err := prod.ProduceSync(ctx, &kgo.Record{Topic: ev.Family().Topic(), Key: []byte(ev.Key()), Value: b}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func(commit bool) {
		u, err := New(s, Config{Brokers: brokers, Group: "test-updater"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		u.commit = commit
		replayedBefore := u.replayed.Get()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- u.Run(rctx) }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			e, _ := s.Get(ctx, featurestore.EntityItem, "item-hot", featurestore.ViewPopularity)
			r, _ := s.Get(ctx, featurestore.EntityUser, "viewer-x", featurestore.ViewRecent)
			caughtUp := e.Views[0].Int("plays") >= n && r.Views[0].Int("watch_count") >= n
			// The second run must have read every record again (and skipped it).
			if caughtUp && (!commit || u.replayed.Get()-replayedBefore >= 2*n) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("updater did not catch up: plays %d", e.Views[0].Int("plays"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	run(false) // stores everything, commits nothing: as if it crashed
	run(true)  // reads everything again
	e, _ := s.Get(ctx, featurestore.EntityItem, "item-hot", featurestore.ViewPopularity)
	r, _ := s.Get(ctx, featurestore.EntityUser, "viewer-x", featurestore.ViewRecent)
	if e.Views[0].Int("plays") != n || r.Views[0].Int("watch_count") != n {
		t.Fatalf("after a replay: plays %d, watch_count %d; want %d each", e.Views[0].Int("plays"), r.Views[0].Int("watch_count"), n)
	}
	if got := r.Views[0].Strings("items"); len(got) != 7 || got[0] != fmt.Sprint("item-", (n-1)%7) {
		t.Fatalf("recent items %v", got)
	}
}
