package rank

import (
	"cmp"
	"slices"
)

// DefaultMaxCandidates is Policy.MaxCandidates when unset; MaxCandidatesLimit caps it.
const (
	DefaultMaxCandidates = 500
	MaxCandidatesLimit   = 10_000
)

// Shares of the candidate budget each source may fill before the others had their turn;
// what they leave is topped up from the viewer's nearest items, then from trending.
const (
	shareContent  = 0.15
	shareCooc     = 0.30
	shareMF       = 0.35
	shareTrending = 0.12
	shareFresh    = 0.08
)

// Candidates gathers up to Policy.MaxCandidates eligible items from the sources, merged and
// deduplicated (an item proposed by several sources is one candidate with several Source
// bits): neighbours of the title being watched, neighbours of recent watches, the viewer's
// nearest items by embedding, trending and fresh titles. Filters apply as items are
// gathered, so the budget is spent on items that can be shown. The popularity policy takes
// trending items only.
func (rk *Ranking) Candidates() []Candidate {
	req := rk.req
	m := req.Policy.MaxCandidates
	if m <= 0 {
		m = DefaultMaxCandidates
	}
	m = min(m, MaxCandidatesLimit)
	if !req.Policy.Personalized {
		rk.fromTrending(m, m)
		return rk.cands
	}
	quota := func(share float64) int { return max(1, int(share*float64(m)+0.5)) }

	// Neighbours of the title being watched.
	if c := req.Content; c >= 0 && int(c) < rk.ix.n {
		ids, _ := rk.ix.neighbors(c)
		q := min(len(rk.cands)+quota(shareContent), m)
		for _, j := range ids {
			if len(rk.cands) >= q {
				break
			}
			rk.add(j, SourceContent)
		}
	}
	// Neighbours of recent watches, strongest first.
	if len(rk.touched) > 0 {
		slices.SortFunc(rk.touched, func(a, b int32) int {
			if c := cmp.Compare(rk.cooc[b], rk.cooc[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		q := min(len(rk.cands)+quota(shareCooc), m)
		for _, j := range rk.touched {
			if len(rk.cands) >= q {
				break
			}
			rk.add(j, SourceCooc)
		}
	}
	// Nearest to the viewer's embedding: the best m, of which a share now (the best of them,
	// moved to the front), the rest as top-up.
	var nearest []scored
	if rk.isViewer {
		nearest = rk.nearest(m)
		selectTop(nearest, quota(shareMF))
		q := min(len(rk.cands)+quota(shareMF), m)
		for len(rk.cands) < q && len(nearest) > 0 {
			rk.add(nearest[0].item, SourceMF)
			nearest = nearest[1:]
		}
	}
	rk.fromTrending(min(len(rk.cands)+quota(shareTrending), m), m)
	rk.fromFresh(min(len(rk.cands)+quota(shareFresh), m))
	// Top up: more of the viewer's nearest, then more trending.
	for len(rk.cands) < m && len(nearest) > 0 {
		rk.add(nearest[0].item, SourceMF)
		nearest = nearest[1:]
	}
	rk.fromTrending(m, m)
	return rk.cands
}

// add makes item i a candidate from source src, or adds src to it if it already is one. It
// reports whether i was new. Ineligible items are skipped.
func (rk *Ranking) add(i int32, src Source) bool {
	if rk.seen[i] == rk.gen {
		rk.cands[rk.slot[i]].Sources |= src
		return false
	}
	if !rk.eligible(i) {
		return false
	}
	rk.seen[i], rk.slot[i] = rk.gen, int32(len(rk.cands))
	c := Candidate{Item: i, Sources: src, Anchor: -1}
	if rk.coocGen[i] == rk.gen {
		c.Cooc, c.Anchor = rk.cooc[i], rk.anchor[i]
	}
	if rk.nextGen[i] == rk.gen {
		c.CoocNext = rk.next[i]
	}
	if t := rk.req.Trend; t != nil && int(i) < len(t.Score) {
		c.Trend = t.Score[i]
	}
	rk.cands = append(rk.cands, c)
	return true
}

// nearest returns the k eligible items with the largest viewer·item score, in no particular
// (but deterministic) order (candidates already gathered included, so that they get the
// SourceMF bit). It scores every item with an embedding and selects the k best in linear
// time: every one of them is scored by the ranker anyway, so none is sorted here.
func (rk *Ranking) nearest(k int) []scored {
	ix, d, v := rk.ix, rk.ix.dim, rk.viewer
	all := rk.all[:0]
	for i := range int32(ix.n) {
		if !ix.hasEmb[i] || rk.seen[i] != rk.gen && !rk.eligible(i) {
			continue
		}
		all = append(all, scored{dot(v, ix.emb[int(i)*d:int(i+1)*d]), i})
	}
	rk.all = all
	return selectTop(all, k)
}

// fromTrending adds trending items (live popularity, else the prior) until the candidates
// number upTo, scanning at most limit items past those already taken.
func (rk *Ranking) fromTrending(upTo, limit int) {
	order := rk.ix.byPrior
	if t := rk.req.Trend; t != nil && len(t.Order) == rk.ix.n {
		order = t.Order
	}
	scanned := 0
	for _, i := range order {
		if len(rk.cands) >= upTo || scanned >= 4*limit {
			return
		}
		scanned++
		rk.add(i, SourceTrending)
	}
}

// fromFresh adds the newest titles until the candidates number upTo.
func (rk *Ranking) fromFresh(upTo int) {
	for k, i := range rk.ix.byAdded {
		if len(rk.cands) >= upTo || k >= 4*upTo {
			return
		}
		rk.add(i, SourceFresh)
	}
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
