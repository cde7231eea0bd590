package featurestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// testRegistry has views with short TTL and freshness, for expiry and cache tests.
var testRegistry = MustRegistry(
	EntityType{Name: "thing", Views: []*View{
		{Name: "short", TTL: 2 * time.Second, Freshness: time.Hour, Features: []Feature{{Name: "n", Tag: 1, Kind: Int}}},
		{Name: "fast", Freshness: 50 * time.Millisecond, Features: []Feature{{Name: "n", Tag: 1, Kind: Int, Default: int64(-1)}}},
	}},
)

// sharedKeyspace is one keyspace per test binary on the shared Cassandra, migrated once.
var sharedKeyspace struct {
	once sync.Once
	name string
	err  error
}

// cassandraStore opens a Store on the shared Cassandra in this binary's own keyspace.
func cassandraStore(t testing.TB, tweak ...func(*Config)) *Store {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Cassandra")
	}
	hosts := stacktest.Cassandra(t)
	sharedKeyspace.once.Do(func() {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		sharedKeyspace.name = "featurestore_test_" + hex.EncodeToString(b)
		cfg := DefaultConfig()
		cfg.Hosts, cfg.Keyspace = hosts, sharedKeyspace.name
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, sharedKeyspace.err = Migrate(ctx, cfg, nil)
	})
	if sharedKeyspace.err != nil {
		t.Fatal(sharedKeyspace.err)
	}
	return openTestStore(t, hosts, sharedKeyspace.name, tweak...)
}

func openTestStore(t testing.TB, hosts []string, keyspace string, tweak ...func(*Config)) *Store {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Name = "test"
	cfg.Hosts, cfg.Keyspace, cfg.CacheMB = hosts, keyspace, 8
	// A JVM on a shared CI machine pauses; the tests check behaviour, not latency.
	cfg.QueryTimeout, cfg.ReadTimeout, cfg.WriteTimeout = 2*time.Second, 3*time.Second, 10*time.Second
	for _, f := range tweak {
		f(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var log *slog.Logger
	if os.Getenv("FEATURESTORE_TEST_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := Open(ctx, cfg, log, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func uniqueID(t *testing.T, prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func TestCassandraRoundTrip(t *testing.T) {
	w := cassandraStore(t)
	r := cassandraStore(t) // another process's near-cache: reads come from Cassandra
	ctx := context.Background()
	id := uniqueID(t, "viewer")
	emb := make([]float32, EmbeddingDim)
	for i := range emb {
		emb[i] = float32(i) / 10
	}
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	if err := w.Put(ctx, EntityUser, id, ViewProfile, Fields{"embedding": emb, "country": "SE", "tenure_days": int64(7)}, at); err != nil {
		t.Fatal(err)
	}
	if err := w.Put(ctx, EntityUser, id, ViewRecent, Fields{"items": []string{"a", "b"}, "watch_count": int64(2)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	e, err := r.Get(ctx, EntityUser, id)
	if err != nil {
		t.Fatal(err)
	}
	p, rec := e.View(ViewProfile), e.View(ViewRecent)
	if e.Status != StatusFound || !p.Present() || !rec.Present() {
		t.Fatalf("status %v, profile %v, recent %v", e.Status, p.Present(), rec.Present())
	}
	if got := p.Vector("embedding"); got[31] != 3.1 || p.Str("country") != "SE" || p.Int("tenure_days") != 7 {
		t.Fatalf("profile read back wrong: %v", p.Fields())
	}
	if !p.EventTime().Equal(at) {
		t.Fatalf("event time %v, want %v", p.EventTime(), at)
	}
	if got := rec.Strings("items"); len(got) != 2 || got[1] != "b" {
		t.Fatalf("items %v", got)
	}
	// Deleting one view leaves the other.
	if err := w.Delete(ctx, EntityUser, id, ViewRecent); err != nil {
		t.Fatal(err)
	}
	e, _ = w.Get(ctx, EntityUser, id)
	if !e.View(ViewProfile).Present() || e.View(ViewRecent).Present() {
		t.Fatal("delete removed the wrong view")
	}
}

func TestCassandraTTLExpiry(t *testing.T) {
	s := cassandraStore(t, func(c *Config) { c.Registry = testRegistry })
	fresh := cassandraStore(t, func(c *Config) { c.Registry = testRegistry })
	ctx := context.Background()
	id := uniqueID(t, "ttl")
	if err := s.Put(ctx, "thing", id, "short", Fields{"n": int64(5)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Get(ctx, "thing", id, "short")
	if !e.Views[0].Present() {
		t.Fatal("value absent right after the write")
	}
	// Both the near-cache entry (it stores the expiry) and Cassandra drop it after the TTL.
	deadline := time.Now().Add(30 * time.Second)
	for {
		cached, _ := s.Get(ctx, "thing", id, "short")
		stored, _ := fresh.Get(ctx, "thing", id, "short")
		if !cached.Views[0].Present() && !stored.Views[0].Present() {
			if cached.Status != StatusNotFound {
				t.Fatalf("expired entity status %v", cached.Status)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("value with a 2 s TTL still present: cached %v stored %v", cached.Views[0].Present(), stored.Views[0].Present())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestCassandraBatch1000(t *testing.T) {
	s := cassandraStore(t)
	reader := cassandraStore(t)
	ctx := context.Background()
	prefix := uniqueID(t, "item")
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	// Every 10th item is never written.
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i, id := range ids {
		if i%10 == 9 {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.Put(ctx, EntityItem, id, ViewMeta, Fields{"duration_s": int64(i)}, time.Time{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Reverse order, to see the answer follows the request and not storage.
	rev := make([]string, len(ids))
	for i := range ids {
		rev[i] = ids[len(ids)-1-i]
	}
	for round, st := range []*Store{reader, reader} { // cold from Cassandra, then near-cache
		out, err := st.BatchGet(ctx, EntityItem, rev, []string{ViewMeta})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(rev) {
			t.Fatalf("%d entities for %d ids", len(out), len(rev))
		}
		for k, e := range out {
			i := len(ids) - 1 - k
			want := StatusFound
			if i%10 == 9 {
				want = StatusNotFound
			}
			if e.ID != rev[k] || e.Status != want {
				t.Fatalf("round %d: entity %d = %s %v, want %s %v", round, k, e.ID, e.Status, rev[k], want)
			}
			if want == StatusFound && e.Views[0].Int("duration_s") != int64(i) {
				t.Fatalf("round %d: %s duration %d", round, e.ID, e.Views[0].Int("duration_s"))
			}
		}
	}
}

func TestCassandraCacheSeesUpdate(t *testing.T) {
	a := cassandraStore(t, func(c *Config) { c.Registry = testRegistry })
	b := cassandraStore(t, func(c *Config) { c.Registry = testRegistry })
	ctx := context.Background()
	id := uniqueID(t, "upd")
	get := func(s *Store) int64 {
		e, err := s.Get(ctx, "thing", id, "fast")
		if err != nil {
			t.Fatal(err)
		}
		return e.Views[0].Int("n")
	}
	if got := get(a); got != -1 { // a caches the absence
		t.Fatalf("before any write n=%d, want the default -1", got)
	}
	if err := a.Put(ctx, "thing", id, "fast", Fields{"n": int64(1)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := get(a); got != 1 {
		t.Fatalf("writer sees n=%d after its own write", got)
	}
	if got := get(b); got != 1 {
		t.Fatalf("other store sees n=%d", got)
	}
	if err := a.Put(ctx, "thing", id, "fast", Fields{"n": int64(2)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// b has n=1 cached; it sees 2 once the view's 50 ms freshness has passed.
	deadline := time.Now().Add(30 * time.Second)
	for get(b) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the other store's near-cache never saw the update")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCassandraModifyExact(t *testing.T) {
	a, b := cassandraStore(t), cassandraStore(t)
	ctx := context.Background()
	id := uniqueID(t, "pop")
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for _, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				err := s.Modify(ctx, EntityItem, id, ViewPopularity, func(cur Values) (Update, bool, error) {
					return Update{Fields: Fields{"plays": cur.Int("plays") + 1}}, true, nil
				})
				if err == nil {
					mu.Lock()
					applied++
					mu.Unlock()
				} else if !IsConflict(err) {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	e, _ := cassandraStore(t).Get(ctx, EntityItem, id, ViewPopularity)
	if got := e.Views[0].Int("plays"); got != int64(applied) || applied == 0 {
		t.Fatalf("plays %d after %d applied increments", got, applied)
	}
}
