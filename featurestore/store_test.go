package featurestore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// memStore returns a Store on the memory backend, with the backend for fault injection.
func memStore(t testing.TB, tweak ...func(*Config)) (*Store, *memBackend) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.CacheMB = 8
	for _, f := range tweak {
		f(&cfg)
	}
	be := newMemBackend()
	s, err := newStore(cfg, be, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, be
}

func TestPutGetRoundTrip(t *testing.T) {
	s, _ := memStore(t)
	ctx := context.Background()
	emb := make([]float32, EmbeddingDim)
	emb[3] = 0.25
	err := s.Put(ctx, EntityUser, "u1", ViewProfile, Fields{
		"embedding": emb, "country": "DE", "tenure_days": int64(42), "avg_session_min": 31.5,
	}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Get(ctx, EntityUser, "u1", ViewProfile, ViewRecent)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != StatusFound {
		t.Fatalf("status %v", e.Status)
	}
	p, r := e.Views[0], e.Views[1]
	if !p.Present() || r.Present() {
		t.Fatalf("present: profile %v recent %v", p.Present(), r.Present())
	}
	if got := p.Str("country"); got != "DE" {
		t.Errorf("country %q", got)
	}
	if got := p.Int("tenure_days"); got != 42 {
		t.Errorf("tenure %d", got)
	}
	if got := p.Float("avg_session_min"); got != 31.5 {
		t.Errorf("avg %v", got)
	}
	if got := p.Float("ad_tolerance"); got != 0.5 {
		t.Errorf("default ad_tolerance %v, want 0.5", got)
	}
	if got := p.Vector("embedding"); len(got) != EmbeddingDim || got[3] != 0.25 {
		t.Errorf("embedding %v", got)
	}
	if got := r.Int("watch_count"); got != 0 {
		t.Errorf("absent view int %d", got)
	}
	if p.EventTime().IsZero() {
		t.Error("no event time")
	}
}

func TestBatchGetOrderAndStatus(t *testing.T) {
	s, _ := memStore(t)
	ctx := context.Background()
	for i := 0; i < 10; i += 2 {
		if err := s.Put(ctx, EntityItem, fmt.Sprint("i", i), ViewMeta, Fields{"genre": fmt.Sprint("g", i)}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	ids := []string{"i9", "i8", "i7", "i6", "i5", "i4", "i3", "i2", "i1", "i0"}
	for round := 0; round < 2; round++ { // cold, then from the near-cache
		out, err := s.BatchGet(ctx, EntityItem, ids, []string{ViewMeta})
		if err != nil {
			t.Fatal(err)
		}
		for k, e := range out {
			if e.ID != ids[k] {
				t.Fatalf("round %d: entity %d is %q, want %q", round, k, e.ID, ids[k])
			}
			var n int
			fmt.Sscanf(e.ID, "i%d", &n)
			want := StatusNotFound
			if n%2 == 0 {
				want = StatusFound
				if g := e.Views[0].Str("genre"); g != fmt.Sprint("g", n) {
					t.Errorf("%s genre %q", e.ID, g)
				}
			}
			if e.Status != want {
				t.Errorf("round %d: %s status %v, want %v", round, e.ID, e.Status, want)
			}
		}
	}
}

func TestCacheSeesOwnWrites(t *testing.T) {
	s, _ := memStore(t)
	ctx := context.Background()
	get := func() float64 {
		e, err := s.Get(ctx, EntityCampaign, "c1", ViewStats)
		if err != nil {
			t.Fatal(err)
		}
		return e.Views[0].Float("ctr")
	}
	if got := get(); got != 0.002 { // negative entry cached
		t.Fatalf("default ctr %v", got)
	}
	if err := s.Put(ctx, EntityCampaign, "c1", ViewStats, Fields{"ctr": 0.01}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != 0.01 {
		t.Fatalf("after put ctr %v", got)
	}
	if err := s.Delete(ctx, EntityCampaign, "c1", ViewStats); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != 0.002 {
		t.Fatalf("after delete ctr %v", got)
	}
}

func TestLastWriteWinsByEventTime(t *testing.T) {
	s, _ := memStore(t)
	ctx := context.Background()
	t1 := time.Now().Add(-time.Hour)
	if err := s.Put(ctx, EntityDevice, "d1", ViewProfile, Fields{"os": "new"}, t1); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, EntityDevice, "d1", ViewProfile, Fields{"os": "old"}, t1.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Get(ctx, EntityDevice, "d1")
	if got := e.Views[0].Str("os"); got != "new" {
		t.Fatalf("os %q: an older event overwrote a newer one", got)
	}
}

func TestRequestErrors(t *testing.T) {
	s, _ := memStore(t, func(c *Config) { c.MaxBatch = 3 })
	ctx := context.Background()
	cases := []struct {
		name string
		err  error
	}{
		{"unknown type", func() error { _, err := s.Get(ctx, "planet", "p"); return err }()},
		{"unknown view", func() error { _, err := s.Get(ctx, EntityUser, "u", "nope"); return err }()},
		{"duplicate view", func() error { _, err := s.Get(ctx, EntityUser, "u", ViewProfile, ViewProfile); return err }()},
		{"empty id", func() error { _, err := s.Get(ctx, EntityUser, ""); return err }()},
		{"oversized batch", func() error { _, err := s.BatchGet(ctx, EntityUser, []string{"a", "b", "c", "d"}, nil); return err }()},
		{"wrong type", s.Put(ctx, EntityUser, "u", ViewProfile, Fields{"country": 3}, time.Time{})},
		{"unknown feature", s.Put(ctx, EntityUser, "u", ViewProfile, Fields{"shoe_size": 3}, time.Time{})},
		{"short vector", s.Put(ctx, EntityUser, "u", ViewProfile, Fields{"embedding": []float32{1}}, time.Time{})},
		{"future", s.Put(ctx, EntityUser, "u", ViewProfile, Fields{"country": "FR"}, time.Now().Add(time.Hour))},
	}
	for _, c := range cases {
		if !IsRequestError(c.err) {
			t.Errorf("%s: got %v, want a RequestError", c.name, c.err)
		}
	}
}

// TestDegradesWithinDeadline: with the backend hanging, reads answer by the caller's deadline
// from the stale cache or with defaults. (The deadline is asserted through statuses, never
// through elapsed wall-clock time.)
func TestDegradesWithinDeadline(t *testing.T) {
	s, be := memStore(t, func(c *Config) { c.ReadTimeout = 20 * time.Millisecond })
	ctx := context.Background()
	if err := s.Put(ctx, EntityCampaign, "known", ViewStats, Fields{"ctr": 0.05}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, EntityCampaign, "known"); err != nil { // cache it
		t.Fatal(err)
	}
	// Age the cached entry past freshness.
	entry, _ := s.cache.get(s.reg.byName[EntityCampaign].index, "known")
	old := time.Now().Add(-2 * time.Minute).UnixMicro()
	aged := append([]byte(nil), entry...)
	putUint64(aged[1:], uint64(old))
	s.cache.set(s.reg.byName[EntityCampaign].index, "known", aged)

	be.setFault(time.Hour, nil) // hangs until the read's own deadline
	cctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	out, err := s.BatchGet(cctx, EntityCampaign, []string{"known", "unknown"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Status != StatusStale || out[0].Views[0].Float("ctr") != 0.05 {
		t.Errorf("known: %v ctr %v, want stale 0.05", out[0].Status, out[0].Views[0].Float("ctr"))
	}
	if out[1].Status != StatusDefault || out[1].Views[0].Float("ctr") != 0.002 {
		t.Errorf("unknown: %v ctr %v, want default 0.002", out[1].Status, out[1].Views[0].Float("ctr"))
	}
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	s, be := memStore(t, func(c *Config) {
		c.BreakerFailures = 3
		c.BreakerCooldown = 10 * time.Millisecond
	})
	ctx := context.Background()
	be.setFault(0, errors.New("connection refused"))
	for i := 0; i < 3; i++ {
		e, _ := s.Get(ctx, EntityUser, fmt.Sprint("u", i))
		if e.Status != StatusDefault {
			t.Fatalf("status %v, want default", e.Status)
		}
	}
	if !s.breaker.open() {
		t.Fatal("breaker did not open after 3 failures")
	}
	be.mu.Lock()
	readsBefore := be.reads
	be.mu.Unlock()
	if e, _ := s.Get(ctx, EntityUser, "u9"); e.Status != StatusDefault {
		t.Fatalf("status %v with the breaker open", e.Status)
	}
	be.setFault(0, nil)
	// Once the cooldown passed, one read probes and closes the breaker.
	deadline := time.Now().Add(10 * time.Second)
	for s.breaker.open() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		_, _ = s.Get(ctx, EntityUser, "probe")
	}
	if s.breaker.open() {
		t.Fatal("breaker did not close after the backend recovered")
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.reads <= readsBefore {
		t.Fatal("no probe reached the backend")
	}
}

func TestConcurrentMissesCollapse(t *testing.T) {
	s, be := memStore(t)
	be.setFault(20*time.Millisecond, nil)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Get(context.Background(), EntityItem, "hot"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.reads >= 20 {
		t.Fatalf("%d backend reads for 20 concurrent misses of one entity", be.reads)
	}
}

func TestModifyIsExactUnderConcurrency(t *testing.T) {
	s, _ := memStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				err := s.Modify(ctx, EntityItem, "pop", ViewPopularity, func(cur Values) (Update, bool, error) {
					return Update{Fields: Fields{"plays": cur.Int("plays") + 1}}, true, nil
				})
				switch {
				case err == nil:
					mu.Lock()
					applied++
					mu.Unlock()
				case !errors.Is(err, ErrConflict): // exhausted retries are reported, never lost
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	e, _ := s.Get(ctx, EntityItem, "pop", ViewPopularity)
	if got := e.Views[0].Int("plays"); got != int64(applied) || applied == 0 {
		t.Fatalf("plays %d after %d applied increments", got, applied)
	}
}

func putUint64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}
