package train

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// The systems evaluated offline.
const (
	SystemPopularity = "popularity" // most played before the cutoff (decayed), the baseline
	SystemALS        = "als"        // viewer·item embedding scores alone
	SystemModel      = "model"      // the serving ranker: candidates, features, logistic regression
	SystemModelMMR   = "model+mmr"  // the ranker with the default diversity re-ranking and genre cap
)

// evaluate measures each system on the viewers who played something before the cutoff and
// something new after it: each system ranks the titles available at the cutoff, minus what
// the viewer already played, and the list is scored against the new plays (metrics.go).
func evaluate(ctx context.Context, in *interactions, cat *catalog.Catalog, m *model.Model, ft *fitted, cutoff time.Time, cfg Config, progress Progress) ([]model.Eval, int, int) {
	cut := cutoff.UnixMilli()
	history := make([][]int32, len(in.users)) // newest first, no repeats
	seen := make([]map[int32]struct{}, len(in.users))
	relevant := make([]map[int32]struct{}, len(in.users))
	for _, e := range in.events {
		if !e.play {
			continue
		}
		if seen[e.u] == nil {
			seen[e.u] = map[int32]struct{}{}
		}
		if e.t < cut {
			if _, dup := seen[e.u][e.i]; !dup {
				history[e.u] = append(history[e.u], e.i)
			}
			seen[e.u][e.i] = struct{}{}
			continue
		}
		if _, old := seen[e.u][e.i]; old || len(history[e.u]) == 0 {
			continue
		}
		if relevant[e.u] == nil {
			relevant[e.u] = map[int32]struct{}{}
		}
		relevant[e.u][e.i] = struct{}{}
	}
	var users []int
	for u := range in.users {
		if len(relevant[u]) > 0 {
			slices.Reverse(history[u])
			users = append(users, u)
		}
	}
	if len(users) > cfg.MaxEvalUsers { // a deterministic sample by viewer id
		slices.SortFunc(users, func(a, b int) int { return cmp.Compare(hashID(in.users[a]), hashID(in.users[b])) })
		users = users[:cfg.MaxEvalUsers]
		slices.Sort(users)
	}
	nRel := 0
	for _, u := range users {
		nRel += len(relevant[u])
	}

	systems := []string{SystemPopularity, SystemALS, SystemModel, SystemModelMMR}
	maxK := slices.Max(cfg.Ks)
	ix := rank.NewIndex(cat, m)
	// scores[u][system][metric×k]
	type row [4][]float64
	scores := make([]row, len(users))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	chunk := (len(users) + cfg.Workers - 1) / max(cfg.Workers, 1)
	for w := range cfg.Workers {
		lo, hi := w*chunk, min(len(users), (w+1)*chunk)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := lo; n < hi; n++ {
				if ctx.Err() != nil {
					return
				}
				u := users[n]
				for s, system := range systems {
					list := rankFor(system, ix, ft, u, history[u], cutoff, maxK)
					scores[n][s] = make([]float64, 0, 3*len(cfg.Ks))
					for _, k := range cfg.Ks {
						r, nd, ap := ranked(list, relevant[u], k)
						scores[n][s] = append(scores[n][s], r, nd, ap)
					}
				}
				mu.Lock()
				if done++; done%256 == 0 {
					progress("evaluate", done, len(users))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	progress("evaluate", len(users), len(users))

	out := make([]model.Eval, len(systems))
	for s, system := range systems {
		out[s] = model.Eval{System: system, Users: len(users), Metrics: map[string]float64{}}
		for j, k := range cfg.Ks {
			var r, nd, ap float64
			for n := range users { // in viewer order: the sums do not depend on scheduling
				r += scores[n][s][3*j]
				nd += scores[n][s][3*j+1]
				ap += scores[n][s][3*j+2]
			}
			div := float64(max(len(users), 1))
			out[s].Metrics[fmt.Sprintf("%s@%d", MetricRecall, k)] = r / div
			out[s].Metrics[fmt.Sprintf("%s@%d", MetricNDCG, k)] = nd / div
			out[s].Metrics[fmt.Sprintf("%s@%d", MetricMAP, k)] = ap / div
		}
	}
	return out, len(users), nRel
}

// rankFor is system's top-k list for viewer u.
func rankFor(system string, ix *rank.Index, ft *fitted, u int, history []int32, now time.Time, k int) []int32 {
	req := rank.Request{N: k, Content: -1, History: history, Region: catalog.AnyRegion,
		MaxRating: catalog.MaxRating, Now: now, Seed: uint64(u)}
	switch system {
	case SystemALS:
		return alsTop(ix, ft.f.user(u), history, now, k)
	case SystemPopularity:
		req.Policy = rank.Policy{MaxCandidates: 4 * k}
	case SystemModel:
		req.Policy = rank.Policy{Personalized: true, MaxCandidates: rank.DefaultMaxCandidates, Lambda: 1}
		req.Viewer = viewerOf(ft, u)
	case SystemModelMMR:
		req.Policy = rank.DefaultPolicy()
		req.Policy.ExploreShare = 0
		req.Viewer = viewerOf(ft, u)
	}
	res := ix.Rank(&req, nil)
	list := make([]int32, len(res))
	for n, r := range res {
		list[n] = r.Item
	}
	return list
}

func viewerOf(ft *fitted, u int) []float32 {
	if x := ft.f.user(u); nonZero(x) {
		return x
	}
	return nil
}

// alsTop ranks every available title the viewer has not played by viewer·item alone.
func alsTop(ix *rank.Index, x []float32, history []int32, now time.Time, k int) []int32 {
	played := map[int32]bool{}
	for _, h := range history {
		played[h] = true
	}
	type sc struct {
		i int32
		s float32
	}
	var all []sc
	cat := ix.Catalog()
	for i := range int32(ix.Len()) {
		e := ix.Embedding(i)
		if e == nil || played[i] || !cat.Available(i, catalog.AnyRegion, now) {
			continue
		}
		var s float32
		for d := range e {
			s += x[d] * e[d]
		}
		all = append(all, sc{i, s})
	}
	slices.SortFunc(all, func(a, b sc) int { return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(a.i, b.i)) })
	out := make([]int32, 0, k)
	for _, a := range all[:min(k, len(all))] {
		out = append(out, a.i)
	}
	return out
}

func hashID(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
