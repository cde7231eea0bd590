package rank

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
)

// Bandit keeps per-item click statistics for exploration by Thompson sampling. Impressions
// are position-debiased: an item shown at 1-based position p counts as 1/log2(p+1) of an
// examined impression (the chance a viewer looks that far, DCG's discount), so an item shown
// low in lists is not blamed for the viewer not scrolling. Each item's click-through rate has
// the posterior Beta(A0 + clicks, B0 + examined − clicks); exploration samples from it.
//
// Counters are atomic: many requests update and sample concurrently without locks. They are
// the process's own (see docs/recs.md on sharing them across instances).
type Bandit struct {
	shown  []atomic.Uint64 // examined impressions × 1000
	clicks []atomic.Uint32
	// A0 and B0 are the prior's pseudo-clicks and pseudo-non-clicks (defaults 1 and 19: a
	// 5% click-through rate with the weight of 20 impressions).
	A0, B0 float64
}

// NewBandit returns a Bandit for n catalogue items.
func NewBandit(n int) *Bandit {
	return &Bandit{shown: make([]atomic.Uint64, n), clicks: make([]atomic.Uint32, n), A0: 1, B0: 19}
}

// examined[p] is the examination weight of 1-based position p, ×1000.
var examined = func() [MaxN + 1]uint64 {
	var e [MaxN + 1]uint64
	for p := 1; p <= MaxN; p++ {
		e[p] = uint64(1000 / math.Log2(float64(p)+1))
	}
	return e
}()

// Shown records a list shown, items in order.
func (b *Bandit) Shown(items []int32) {
	for k, i := range items {
		if i >= 0 && int(i) < len(b.shown) && k < MaxN {
			b.shown[i].Add(examined[k+1])
		}
	}
}

// Clicked records a click on item i.
func (b *Bandit) Clicked(i int32) {
	if i >= 0 && int(i) < len(b.clicks) {
		b.clicks[i].Add(1)
	}
}

// Stats returns item i's examined impressions and clicks.
func (b *Bandit) Stats(i int32) (examined float64, clicks uint32) {
	if i < 0 || int(i) >= len(b.shown) {
		return 0, 0
	}
	return float64(b.shown[i].Load()) / 1000, b.clicks[i].Load()
}

// Sample draws item i's click-through rate from its posterior.
func (b *Bandit) Sample(i int32, rng *rand.Rand) float64 {
	shown, clicks := b.Stats(i)
	c := float64(clicks)
	return betaSample(rng, b.A0+c, b.B0+math.Max(0, shown-c))
}

// betaSample draws from Beta(a, b) (a, b ≥ 1) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b).
func betaSample(rng *rand.Rand, a, b float64) float64 {
	x := gammaSample(rng, a)
	y := gammaSample(rng, b)
	return x / (x + y)
}

// gammaSample draws from Gamma(shape, 1) for shape ≥ 1 (Marsaglia and Tsang, 2000).
func gammaSample(rng *rand.Rand, shape float64) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
