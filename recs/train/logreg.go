package train

import (
	"errors"
	"math"

	"github.com/cuepoint/cuepoint/recs/rank"
)

// examples are logged impressions as ranker feature vectors and click labels.
type examples struct {
	x      []float32 // n × rank.NumFeatures
	y      []bool
	clicks int
}

func (e *examples) add(x []float32, clicked bool) {
	e.x = append(e.x, x...)
	e.y = append(e.y, clicked)
	if clicked {
		e.clicks++
	}
}

func (e *examples) len() int { return len(e.y) }

// fitLogistic fits the ranker by L2-regularised logistic regression with Newton's method
// (iteratively reweighted least squares): with a dozen features the Hessian is tiny, so each
// iteration is one pass over the data and one Cholesky solve, it converges in a handful of
// iterations, and it needs neither a learning rate nor shuffling: deterministic. The bias is
// not regularised.
func fitLogistic(ex *examples, reg float64, maxIter int) (rank.Weights, float64, error) {
	const F = rank.NumFeatures
	n := ex.len()
	var w rank.Weights
	if n == 0 || ex.clicks == 0 || ex.clicks == n {
		return w, 0, errors.New("train: the impressions need both clicks and non-clicks to fit the ranker")
	}
	wd := make([]float64, F)
	// Start at the base rate.
	rate := float64(ex.clicks) / float64(n)
	wd[rank.FBias] = math.Log(rate / (1 - rate))
	h, g := make([]float64, F*F), make([]float64, F)
	var loss float64
	for range maxIter {
		clear(h)
		clear(g)
		loss = 0
		for k := range n {
			x := ex.x[k*F : (k+1)*F]
			var z float64
			for f := range F {
				z += wd[f] * float64(x[f])
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if ex.y[k] {
				y = 1
			}
			loss -= y*math.Log(max(p, 1e-15)) + (1-y)*math.Log(max(1-p, 1e-15))
			r, s := p-y, max(p*(1-p), 1e-9)
			for a := range F {
				xa := float64(x[a])
				if xa == 0 {
					continue
				}
				g[a] += r * xa
				row := h[a*F : a*F+a+1]
				for b := range row {
					row[b] += s * xa * float64(x[b])
				}
			}
		}
		for f := range F {
			if f != rank.FBias {
				g[f] += reg * wd[f]
				h[f*F+f] += reg
			} else {
				h[f*F+f] += 1e-9
			}
		}
		if !rank.CholSolve(h, g, F) {
			return w, 0, errors.New("train: the ranker's Hessian is not positive definite")
		}
		var step float64
		for f := range F {
			wd[f] -= g[f]
			step = max(step, math.Abs(g[f]))
		}
		if step < 1e-6 {
			break
		}
	}
	for f := range F {
		w[f] = float32(wd[f])
	}
	return w, loss / float64(n), nil
}

// silent returns the features that are 0 in every example: the data has no evidence about
// them (e.g. the "up next" features when no list was served beside a title), so their
// weights are not learned but taken from rank.DefaultWeights.
func (e *examples) silent() []int {
	const F = rank.NumFeatures
	var seen [F]bool
	for k := range e.len() {
		for f, v := range e.x[k*F : (k+1)*F] {
			if v != 0 {
				seen[f] = true
			}
		}
	}
	var out []int
	for f := range F {
		if !seen[f] && f != rank.FBias && f != rank.FPosition {
			out = append(out, f)
		}
	}
	return out
}
