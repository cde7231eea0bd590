package rank

import (
	"math"
	"math/bits"
)

// Score computes every candidate's features and its score (the ranker's logit). Under the
// popularity policy the score is log-popularity instead (live popularity when the trending
// snapshot has any, else the prior, the other breaking ties), so that baseline is exactly
// "most popular first".
func (rk *Ranking) Score() {
	if !rk.req.Policy.Personalized {
		live := rk.req.Trend != nil && rk.req.Trend.Known > 0
		for k := range rk.cands {
			c := &rk.cands[k]
			prior := rk.ix.logPrior[c.Item]
			if live {
				c.Score = float32(math.Log1p(float64(c.Trend))) + 1e-3*prior
			} else {
				c.Score = prior
			}
		}
		return
	}
	w := &rk.ix.w
	for k := range rk.cands {
		c := &rk.cands[k]
		c.Score = w.Logit(rk.features(c, 0, rk.x[:]))
	}
}

// Features returns the feature vector of item i for the prepared request, as if it were a
// candidate with live popularity trend shown at the 1-based position (0: serving, where
// position is unknown). The trainer builds its examples with it. dst must hold NumFeatures.
func (rk *Ranking) Features(i int32, trend float32, position int, dst []float32) []float32 {
	c := Candidate{Item: i, Anchor: -1, Trend: trend}
	if rk.coocGen[i] == rk.gen {
		c.Cooc, c.Anchor = rk.cooc[i], rk.anchor[i]
	}
	if rk.nextGen[i] == rk.gen {
		c.CoocNext = rk.next[i]
	}
	return rk.features(&c, position, dst)
}

func (rk *Ranking) features(c *Candidate, position int, x []float32) []float32 {
	ix, i := rk.ix, c.Item
	x = x[:NumFeatures]
	clear(x)
	x[FBias] = 1
	if rk.isViewer && ix.hasEmb[i] {
		c.MF = dot(rk.viewer, ix.emb[int(i)*ix.dim:int(i+1)*ix.dim])
		x[FMF] = c.MF
	}
	if rk.isViewer {
		x[FHasViewer] = 1
	}
	x[FCooc] = c.Cooc
	x[FCoocNext] = c.CoocNext
	if c.Trend > 0 {
		x[FTrend] = float32(math.Log1p(float64(c.Trend)))
	}
	x[FPrior] = ix.logPrior[i]
	x[FFresh] = fresh(ix.cat.AddedMS(i), rk.nowMS)
	if len(rk.histMask) > 0 {
		m, shared := ix.cat.GenreMask(i), 0
		for _, h := range rk.histMask {
			if h&m != 0 {
				shared++
			}
		}
		x[FGenre] = float32(shared) / float32(len(rk.histMask))
	}
	if rk.content != 0 && bits.OnesCount64(rk.content&ix.cat.GenreMask(i)) > 0 {
		x[FNextGenre] = 1
	}
	x[FYear] = ix.year[i]
	if position > 0 {
		x[FPosition] = float32(math.Log2(1 + float64(position)))
	}
	return x
}
