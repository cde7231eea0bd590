package rank

import (
	"math"
	"math/bits"
)

// mmr fills the free slots top to bottom by maximal marginal relevance (Carbonell and
// Goldstein, 1998) over the best-scored candidates: each slot takes the candidate maximising
//
//	λ·p(click) − (1−λ)·max_{placed j} sim(c, j)
//
// where sim is the cosine of item embeddings (clamped at 0), or the Jaccard overlap of genres
// for items without one. A primary genre that already has its GenreCap share of the list is
// skipped while another candidate remains. Cost O(N·P·d) for P = max(3N, 60) candidates
// considered; λ = 1 (or 0, unset) skips the similarities and is plain ranking by score.
func (rk *Ranking) mmr(n int) {
	lambda := float32(rk.req.Policy.Lambda)
	if lambda <= 0 || lambda > 1 {
		lambda = 1
	}
	p := min(len(rk.order), max(3*n, 60))
	pool := rk.order[:p]
	rk.rel = rk.rel[:0]
	rk.maxSim = rk.maxSim[:0]
	for _, k := range pool {
		rk.rel = append(rk.rel, Sigmoid(rk.cands[k].Score))
		rk.maxSim = append(rk.maxSim, 0)
	}
	if lambda < 1 { // similarity to what promotions and exploration placed
		for _, r := range rk.out[:n] {
			if r.Item >= 0 {
				rk.updateSim(pool, r.Item)
			}
		}
	}
	capN := n
	if g := rk.req.Policy.GenreCap; g > 0 {
		capN = max(1, int(math.Ceil(g*float64(n))))
	}
	for pos := rk.freeFrom(0, n); pos >= 0; pos = rk.freeFrom(pos+1, n) {
		best, fallback := -1, -1
		var bestV, fallbackV float32
		for a, k := range pool {
			c := &rk.cands[k]
			if rk.placed[c.Item] == rk.gen {
				continue
			}
			v := lambda*rk.rel[a] - (1-lambda)*rk.maxSim[a]
			if rk.genreN[rk.ix.cat.PrimaryGenre(c.Item)] >= capN {
				if fallback < 0 || v > fallbackV {
					fallback, fallbackV = a, v
				}
				continue
			}
			if best < 0 || v > bestV {
				best, bestV = a, v
			}
		}
		if best < 0 {
			best = fallback
		}
		if best < 0 {
			return
		}
		c := &rk.cands[pool[best]]
		rk.place(pos, rk.result(c))
		if lambda < 1 {
			rk.updateSim(pool, c.Item)
		}
	}
}

// updateSim raises each pool candidate's maximum similarity with item i.
func (rk *Ranking) updateSim(pool []int32, i int32) {
	for a, k := range pool {
		if s := rk.sim(rk.cands[k].Item, i); s > rk.maxSim[a] {
			rk.maxSim[a] = s
		}
	}
}

// sim is the similarity of two items in [0, 1].
func (rk *Ranking) sim(i, j int32) float32 {
	ix := rk.ix
	if ix.dim > 0 && ix.hasEmb[i] && ix.hasEmb[j] {
		d := ix.dim
		return max(0, dot(ix.unit[int(i)*d:int(i+1)*d], ix.unit[int(j)*d:int(j+1)*d]))
	}
	a, b := ix.cat.GenreMask(i), ix.cat.GenreMask(j)
	if u := bits.OnesCount64(a | b); u > 0 {
		return float32(bits.OnesCount64(a&b)) / float32(u)
	}
	return 0
}
