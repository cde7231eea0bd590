package rank

import (
	"cmp"
	"math"
	"slices"
)

// exploreWindow is how far below the cut exploration looks for items to try (besides fresh
// candidates, which it always considers); maxExplorePool bounds the items sampled.
const (
	exploreWindow  = 48
	maxExplorePool = 96
)

// Arrange turns the scored candidates into the list of req.N items (fewer only when fewer
// are eligible), in this order of precedence:
//
//  1. promotions: editorial pins, at their positions, when eligible;
//  2. exploration: round(N × ExploreShare) slots spread over the list, filled by Thompson
//     sampling (b) among the items ranked just below the cut and the fresh candidates;
//  3. MMR: every other slot, top to bottom, takes the candidate maximising
//     λ·p(click) − (1−λ)·max similarity to the items already placed, skipping a primary genre
//     that has its GenreCap share of the list;
//  4. fill: if candidates ran out, the most popular eligible titles, then (last resort before
//     an empty list) titles the viewer already watched. Rights and maturity are never relaxed.
//
// b may be nil (no exploration).
func (rk *Ranking) Arrange(b *Bandit) []Result {
	req := rk.req
	n := min(max(req.N, 1), MaxN)
	rk.sortByScore()
	rk.out = slices.Grow(rk.out[:0], n)[:n]
	for k := range rk.out {
		rk.out[k] = Result{Item: -1, Anchor: -1}
	}
	rk.genreN, rk.nPlaced = [64]int{}, 0

	for _, p := range req.Policy.Promotions {
		pos := p.Position - 1
		if pos < 0 || pos >= n || rk.out[pos].Item >= 0 || p.Item < 0 || int(p.Item) >= rk.ix.n ||
			rk.placed[p.Item] == rk.gen || !rk.eligible(p.Item) {
			continue
		}
		var score float32
		if rk.seen[p.Item] == rk.gen {
			score = Sigmoid(rk.cands[rk.slot[p.Item]].Score)
		}
		rk.place(pos, Result{Item: p.Item, Score: score, Reason: ReasonPromoted, Anchor: -1})
	}
	if e := int(math.Round(float64(n) * req.Policy.ExploreShare)); e > 0 && b != nil && req.Policy.Personalized {
		rk.explore(min(e, n), n, b)
	}
	rk.mmr(n)
	rk.fill(n)

	out := rk.out[:0]
	for _, r := range rk.out[:n] {
		if r.Item >= 0 {
			out = append(out, r)
		}
	}
	rk.out = out
	return out
}

// sortByScore orders candidate indexes by score, best first, ties by item index.
func (rk *Ranking) sortByScore() {
	rk.order = rk.order[:0]
	for k := range rk.cands {
		rk.order = append(rk.order, int32(k))
	}
	slices.SortFunc(rk.order, func(a, b int32) int {
		ca, cb := &rk.cands[a], &rk.cands[b]
		if c := cmp.Compare(cb.Score, ca.Score); c != 0 {
			return c
		}
		return cmp.Compare(ca.Item, cb.Item)
	})
}

func (rk *Ranking) place(pos int, r Result) {
	rk.out[pos] = r
	rk.placed[r.Item] = rk.gen
	rk.genreN[rk.ix.cat.PrimaryGenre(r.Item)]++
	rk.nPlaced++
}

// freeFrom returns the first free position at or after pos, or -1.
func (rk *Ranking) freeFrom(pos, n int) int {
	for ; pos < n; pos++ {
		if rk.out[pos].Item < 0 {
			return pos
		}
	}
	return -1
}

// explore fills e slots, spread evenly, by Thompson sampling.
func (rk *Ranking) explore(e, n int, b *Bandit) {
	type arm struct {
		k     int32 // candidate index
		theta float64
	}
	var pool [maxExplorePool]arm
	np := 0
	for r, k := range rk.order {
		if r < n {
			continue // the list's own items are not explored
		}
		c := &rk.cands[k]
		if r >= n+exploreWindow && c.Sources&SourceFresh == 0 {
			continue
		}
		pool[np] = arm{k, b.Sample(c.Item, rk.rng)}
		if np++; np == maxExplorePool {
			break
		}
	}
	for j := range e {
		pos := rk.freeFrom((j+1)*n/(e+1), n)
		if pos < 0 {
			return
		}
		best := -1
		for a := range np {
			if rk.placed[rk.cands[pool[a].k].Item] == rk.gen {
				continue
			}
			if best < 0 || pool[a].theta > pool[best].theta {
				best = a
			}
		}
		if best < 0 {
			return
		}
		c := &rk.cands[pool[best].k]
		rk.place(pos, Result{Item: c.Item, Score: Sigmoid(c.Score), Reason: ReasonExplore, Anchor: -1})
	}
}

// fill places, in the free slots, the candidates MMR did not reach,
// then popular eligible titles, then (if the list is still empty) titles already watched.
func (rk *Ranking) fill(n int) {
	pos := rk.freeFrom(0, n)
	for _, k := range rk.order {
		if pos < 0 {
			return
		}
		c := &rk.cands[k]
		if rk.placed[c.Item] != rk.gen {
			rk.place(pos, rk.result(c))
			pos = rk.freeFrom(pos+1, n)
		}
	}
	order := rk.ix.byPrior
	if t := rk.req.Trend; t != nil && len(t.Order) == rk.ix.n {
		order = t.Order
	}
	for _, i := range order {
		if pos < 0 {
			return
		}
		if rk.placed[i] != rk.gen && rk.eligible(i) {
			rk.place(pos, Result{Item: i, Reason: ReasonPopular, Anchor: -1})
			pos = rk.freeFrom(pos+1, n)
		}
	}
	if rk.nPlaced > 0 { // never re-recommend what was watched unless the list would be empty
		return
	}
	for _, i := range order {
		if pos < 0 {
			return
		}
		if rk.placed[i] != rk.gen && rk.allowed(i) {
			rk.place(pos, Result{Item: i, Reason: ReasonPopular, Anchor: -1})
			pos = rk.freeFrom(pos+1, n)
		}
	}
}

// result is the list entry for candidate c, with the reason its strongest signal gives.
func (rk *Ranking) result(c *Candidate) Result {
	r := Result{Item: c.Item, Score: Sigmoid(c.Score), Anchor: -1}
	if !rk.req.Policy.Personalized {
		r.Reason = ReasonPopular
		return r
	}
	w := &rk.ix.w
	hist, next, taste := w[FCooc]*c.Cooc, w[FCoocNext]*c.CoocNext, w[FMF]*c.MF
	switch {
	case next > 0 && next >= hist && next >= taste:
		r.Reason, r.Anchor = ReasonSimilar, rk.req.Content
	case hist > 0 && hist >= taste && c.Anchor >= 0:
		r.Reason, r.Anchor = ReasonSimilar, c.Anchor
	case taste > 0 && rk.isViewer:
		r.Reason = ReasonForYou
	case c.Sources&SourceFresh != 0 && fresh(rk.ix.cat.AddedMS(c.Item), rk.nowMS) > 0.5:
		r.Reason = ReasonNew
	case c.Trend > 0:
		r.Reason = ReasonTrending
	default:
		r.Reason = ReasonPopular
	}
	return r
}
