package rank

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a catalogue of n titles and a hand-made model of dimension dim in which an
// item's embedding points at its genres (plus noise), neighbours share the primary genre,
// and popularity falls with the index (Zipf).
func fixture(n, dim int) (*catalog.Catalog, *model.Model) {
	cat := catalog.Generate(n, 3, t0)
	rng := rand.New(rand.NewPCG(1, 2))
	m := &model.Model{
		Meta: model.Meta{Version: "test-1", Dim: dim, Reg: 0.5, Alpha: 10,
			Features: FeatureNames[:], Created: t0},
		Gram:    make([]float32, dim*dim),
		Weights: DefaultWeights().Slice(),
	}
	byGenre := map[uint8][]int{}
	for i := range n {
		it := cat.Item(int32(i))
		m.Items = append(m.Items, it.ID)
		m.Prior = append(m.Prior, float32(1000/math.Pow(float64(i+1), 0.9)))
		mask := cat.GenreMask(int32(i))
		for k := range dim {
			v := rng.NormFloat64() * 0.05
			if mask&(1<<(k%12)) != 0 {
				v += 0.5
			}
			m.ItemEmb = append(m.ItemEmb, float32(v))
		}
		g := cat.PrimaryGenre(int32(i))
		byGenre[g] = append(byGenre[g], i)
	}
	m.NbrOff = []uint32{0}
	for i := range n {
		peers := byGenre[cat.PrimaryGenre(int32(i))]
		added := 0
		for _, j := range peers {
			if j != i && added < 20 {
				m.NbrIdx = append(m.NbrIdx, uint32(j))
				m.NbrW = append(m.NbrW, float32(1-0.03*float64(added)))
				added++
			}
		}
		m.NbrOff = append(m.NbrOff, uint32(len(m.NbrIdx)))
	}
	for i := range n {
		e := m.ItemEmb[i*dim : (i+1)*dim]
		for r := range dim {
			for c := range dim {
				m.Gram[r*dim+c] += e[r] * e[c]
			}
		}
	}
	if err := m.Validate(); err != nil {
		panic(err)
	}
	return cat, m
}

func baseRequest(cat *catalog.Catalog, n int) Request {
	return Request{N: n, Content: -1, Region: catalog.MustRegion("US"), MaxRating: catalog.MaxRating,
		Now: t0, Seed: 42, Policy: DefaultPolicy()}
}

// history returns the first k eligible (US, any rating) titles of the given primary genre.
func history(cat *catalog.Catalog, genre string, k int) []int32 {
	var h []int32
	for i := range int32(cat.Len()) {
		if cat.Item(i).PrimaryGenre() == genre && cat.Available(i, catalog.MustRegion("US"), t0) {
			h = append(h, i)
			if len(h) == k {
				break
			}
		}
	}
	return h
}
