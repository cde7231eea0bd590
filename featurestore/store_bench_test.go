package featurestore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// benchIDs returns n distinct viewer ids.
func benchIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%06d", prefix, i)
	}
	return ids
}

// putProfiles writes a full user profile (32-float embedding and four scalars) for each id.
func putProfiles(tb testing.TB, s *Store, ids []string) {
	tb.Helper()
	emb := make([]float32, EmbeddingDim)
	for i := range emb {
		emb[i] = float32(i) / 7
	}
	for _, id := range ids {
		if err := s.Put(context.Background(), EntityUser, id, ViewProfile, Fields{
			"embedding": emb, "country": "US", "tenure_days": int64(400), "avg_session_min": 23.5, "ad_tolerance": 0.7,
		}, time.Time{}); err != nil {
			tb.Fatal(err)
		}
	}
}

// reportLatency runs op n times more and reports its p50 and p99 (a benchmark's ns/op is a
// mean, which hides the tail the budget is about).
func reportLatency(b *testing.B, n int, op func()) {
	lat := make([]time.Duration, n)
	for i := range lat {
		t0 := time.Now()
		op()
		lat[i] = time.Since(t0)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[n/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[n*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkBatchGetNearCache500 is the budget "feature batch get, near-cache hit: ≤ 100 µs for
// 500 entities": 500 viewers' profiles, all in the near-cache, read as one BatchGet.
func BenchmarkBatchGetNearCache500(b *testing.B) {
	s, _ := memStore(b)
	ids := benchIDs("viewer", 500)
	putProfiles(b, s, ids)
	ctx := context.Background()
	views := []string{ViewProfile}
	read := func() {
		out, err := s.BatchGet(ctx, EntityUser, ids, views)
		if err != nil || out[499].Status != StatusFound {
			b.Fatalf("%v %v", err, out[499].Status)
		}
	}
	read() // fill the near-cache
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		read()
	}
	b.StopTimer()
	b.ReportMetric(float64(testing.AllocsPerRun(20, read))/500, "allocs/entity")
	reportLatency(b, 2000, read)
}

// BenchmarkBatchGetNearCacheUse adds what a caller does with the answer: one float and the
// embedding of each entity, read into a reused buffer.
func BenchmarkBatchGetNearCacheUse(b *testing.B) {
	s, _ := memStore(b)
	ids := benchIDs("viewer", 500)
	putProfiles(b, s, ids)
	ctx := context.Background()
	views := []string{ViewProfile}
	buf := make([]float32, 0, EmbeddingDim)
	var sink float64
	read := func() {
		out, _ := s.BatchGet(ctx, EntityUser, ids, views)
		for i := range out {
			v := out[i].Views[0]
			sink += v.Float("ad_tolerance")
			buf = v.AppendVector(buf[:0], "embedding")
			sink += float64(buf[0])
		}
	}
	read()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		read()
	}
	b.StopTimer()
	reportLatency(b, 2000, read)
	_ = sink
}

// BenchmarkBatchGetCassandra reads 1, 50 and 500 entities from the real Cassandra on every
// iteration (the view's freshness is 1 ns, so the near-cache never answers).
func BenchmarkBatchGetCassandra(b *testing.B) {
	reg := MustRegistry(EntityType{Name: EntityUser, Views: []*View{{
		Name: ViewProfile, Freshness: time.Nanosecond, Features: Default.byName[EntityUser].byName[ViewProfile].Features,
	}}})
	s := benchCassandraStore(b, reg)
	ids := benchIDs(fmt.Sprintf("bench-%d", time.Now().UnixNano()), 500)
	putProfiles(b, s, ids)
	ctx := context.Background()
	for _, n := range []int{1, 50, 500} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			batch := ids[:n]
			read := func() {
				out, _ := s.BatchGet(ctx, EntityUser, batch, []string{ViewProfile})
				if out[n-1].Status != StatusFound {
					b.Fatalf("status %v", out[n-1].Status)
				}
			}
			for range 20 { // warm the JVM and the prepared statements
				read()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				read()
			}
			b.StopTimer()
			reportLatency(b, max(50, 20000/n), read)
		})
	}
}

func benchCassandraStore(b *testing.B, reg *Registry) *Store {
	b.Helper()
	return cassandraStore(b, func(c *Config) {
		c.Registry = reg
		c.ReadTimeout = time.Second // measure Cassandra, not the deadline
	})
}

// BenchmarkNearCacheFloor500 is the floor under BenchmarkBatchGetNearCache500: the 500
// bigcache look-ups alone (with their two copies each), no decoding, no answer.
func BenchmarkNearCacheFloor500(b *testing.B) {
	s, _ := memStore(b)
	ids := benchIDs("viewer", 500)
	putProfiles(b, s, ids)
	if _, err := s.BatchGet(context.Background(), EntityUser, ids, nil); err != nil {
		b.Fatal(err)
	}
	t := s.reg.byName[EntityUser].index
	read := func() {
		for _, id := range ids {
			if _, ok := s.cache.get(t, id); !ok {
				b.Fatal("miss")
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		read()
	}
	b.StopTimer()
	reportLatency(b, 2000, read)
}
