package rank

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
)

// Index is the immutable serving form of one catalogue and one model: every per-item array
// lined up with the catalogue's indexes. Build one per model (re)load with NewIndex and share
// it; requests read it without locks.
type Index struct {
	cat     *catalog.Catalog
	mod     *model.Model // nil: no model yet (untrained defaults)
	version string
	n, dim  int

	emb    []float32 // n×dim item embeddings; zero rows for items the model does not know
	unit   []float32 // n×dim embeddings scaled to unit length (MMR similarity)
	hasEmb []bool

	// Co-occurrence neighbours in catalogue indexes (items missing from the catalogue dropped).
	nbrOff []int32
	nbrIdx []int32
	nbrW   []float32

	prior    []float32 // popularity prior
	logPrior []float32 // log1p(prior), the FPrior feature
	byPrior  []int32   // catalogue indexes, most popular first (then newest)
	byAdded  []int32   // catalogue indexes, newest first
	year     []float32 // the FYear feature

	w Weights

	// Fold-in: VᵀV + reg·I as float64, and the ALS confidence.
	gramReg []float64
	alpha   float64

	pool sync.Pool // *Ranking
}

// NewIndex joins a catalogue and a model (nil when none is trained yet: the ranker then uses
// DefaultWeights, popularity is unknown and no item has an embedding or neighbours).
func NewIndex(cat *catalog.Catalog, m *model.Model) *Index {
	n := cat.Len()
	ix := &Index{cat: cat, mod: m, n: n, version: "untrained", w: DefaultWeights()}
	ix.prior = make([]float32, n)
	ix.logPrior = make([]float32, n)
	ix.year = make([]float32, n)
	ix.nbrOff = make([]int32, n+1)
	for i := range n {
		ix.year[i] = float32(cat.Item(int32(i)).Year-2000) / 25
	}
	if m != nil {
		ix.version = m.Meta.Version
		ix.dim = m.Meta.Dim
		ix.w = WeightsFrom(m)
		ix.join(m)
	}
	for i, p := range ix.prior {
		ix.logPrior[i] = float32(math.Log1p(float64(p)))
	}
	ix.byAdded = make([]int32, n)
	for i := range ix.byAdded {
		ix.byAdded[i] = int32(i)
	}
	slices.SortStableFunc(ix.byAdded, func(a, b int32) int { return cmp.Compare(cat.AddedMS(b), cat.AddedMS(a)) })
	ix.byPrior = slices.Clone(ix.byAdded)
	slices.SortStableFunc(ix.byPrior, func(a, b int32) int { return cmp.Compare(ix.prior[b], ix.prior[a]) })
	ix.pool.New = func() any { return newRanking(ix) }
	return ix
}

// join copies the model's per-item arrays into catalogue order.
func (ix *Index) join(m *model.Model) {
	n, d := ix.n, ix.dim
	toCat := make([]int32, len(m.Items)) // model index → catalogue index, -1 when absent
	fromCat := make([]int32, n)          // catalogue index → model index, -1 when absent
	for i := range fromCat {
		fromCat[i] = -1
	}
	for j, id := range m.Items {
		toCat[j] = -1
		if i, ok := ix.cat.Index(id); ok {
			toCat[j], fromCat[i] = i, int32(j)
		}
	}
	ix.emb = make([]float32, n*d)
	ix.unit = make([]float32, n*d)
	ix.hasEmb = make([]bool, n)
	for j, i := range toCat {
		if i < 0 {
			continue
		}
		e := m.Embedding(j)
		copy(ix.emb[int(i)*d:], e)
		ix.prior[i] = m.Prior[j]
		var norm float64
		for _, v := range e {
			norm += float64(v) * float64(v)
		}
		if norm > 0 {
			ix.hasEmb[i] = true
			s := float32(1 / math.Sqrt(norm))
			for k, v := range e {
				ix.unit[int(i)*d+k] = v * s
			}
		}
	}
	// Neighbours, re-indexed; the model's lists are already best first.
	for i := range n {
		ix.nbrOff[i+1] = ix.nbrOff[i]
		if j := fromCat[i]; j >= 0 {
			ids, ws := m.Neighbors(int(j))
			for k, nb := range ids {
				if c := toCat[nb]; c >= 0 {
					ix.nbrIdx = append(ix.nbrIdx, c)
					ix.nbrW = append(ix.nbrW, ws[k])
				}
			}
			ix.nbrOff[i+1] = int32(len(ix.nbrIdx))
		}
	}
	// Fold-in system matrix.
	ix.gramReg = make([]float64, d*d)
	for k, v := range m.Gram {
		ix.gramReg[k] = float64(v)
	}
	for k := range d {
		ix.gramReg[k*d+k] += m.Meta.Reg
	}
	ix.alpha = m.Meta.Alpha
}

// Catalog returns the catalogue.
func (ix *Index) Catalog() *catalog.Catalog { return ix.cat }

// Model returns the model (nil when untrained).
func (ix *Index) Model() *model.Model { return ix.mod }

// Version is the model's version, "untrained" without one.
func (ix *Index) Version() string { return ix.version }

// Dim is the embedding dimension (0 without a model).
func (ix *Index) Dim() int { return ix.dim }

// Len is the number of catalogue items.
func (ix *Index) Len() int { return ix.n }

// Weights returns the ranker weights in use.
func (ix *Index) Weights() Weights { return ix.w }

// Prior returns item i's popularity prior.
func (ix *Index) Prior(i int32) float32 { return ix.prior[i] }

// Embedding returns item i's embedding (nil without one; shared memory).
func (ix *Index) Embedding(i int32) []float32 {
	if ix.dim == 0 || !ix.hasEmb[i] {
		return nil
	}
	return ix.emb[int(i)*ix.dim : int(i+1)*ix.dim : int(i+1)*ix.dim]
}

// neighbors returns item i's co-occurrence neighbours.
func (ix *Index) neighbors(i int32) ([]int32, []float32) {
	a, b := ix.nbrOff[i], ix.nbrOff[i+1]
	return ix.nbrIdx[a:b], ix.nbrW[a:b]
}
