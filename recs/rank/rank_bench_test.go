package rank

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkRank is one request's ranking work for a viewer with an embedding and 20 recent
// watches over a 5000-title catalogue at d = 32: candidates from every source, features and
// the ranker for each, MMR and exploration for a list of 20. (The server adds request
// parsing, the featurestore reads and the response; see recs' BenchmarkServe.)
func BenchmarkRank(b *testing.B) {
	cat, m := fixture(5000, 32)
	ix := NewIndex(cat, m)
	bandit := NewBandit(cat.Len())
	live := make([]float32, cat.Len())
	for i := range live {
		live[i] = float32(i % 97)
	}
	trend := NewTrending(ix, live, t0)
	viewer := make([]float32, 32)
	rng := rand.New(rand.NewPCG(1, 1))
	for k := range viewer {
		viewer[k] = float32(rng.NormFloat64() * 0.3)
	}
	hist := history(cat, "drama", 20)
	for _, cands := range []int{500, 1000} {
		for _, tc := range []struct {
			name string
			mod  func(*Request)
		}{
			{"viewer", func(*Request) {}},
			{"foldin", func(r *Request) { r.Viewer = nil }},
			{"cold", func(r *Request) { r.Viewer, r.History = nil, nil }},
		} {
			b.Run(fmt.Sprintf("candidates=%d/%s", cands, tc.name), func(b *testing.B) {
				req := baseRequest(cat, 20)
				req.Viewer, req.History, req.Trend = viewer, hist, trend
				req.Policy.MaxCandidates = cands
				tc.mod(&req)
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					req.Seed = uint64(i)
					rk := ix.Acquire()
					rk.Prepare(&req)
					rk.Candidates()
					rk.Score()
					rk.Arrange(bandit)
					rk.Release()
				}
			})
		}
	}
}
