package rank

import (
	"cmp"
	"slices"
	"time"
)

// Trending is a snapshot of live popularity (decayed recent plays) for every catalogue
// item, and the catalogue ordered by it. A service refreshes it in the background and hands
// the current one to every request; it is immutable.
type Trending struct {
	// Score is each item's live popularity (0: none known).
	Score []float32
	// Order is every item, most popular first: items with a live score by it, the rest by the
	// model's prior, then newest first.
	Order []int32
	AsOf  time.Time
	// Known is the number of items with a live score.
	Known int
}

// NewTrending builds a snapshot from live popularity aligned with ix's catalogue (nil or
// shorter: unknown). The live slice is kept, not copied.
func NewTrending(ix *Index, live []float32, asOf time.Time) *Trending {
	t := &Trending{Score: live, AsOf: asOf, Order: slices.Clone(ix.byPrior)}
	if len(live) != ix.n {
		t.Score = make([]float32, ix.n)
		copy(t.Score, live)
	}
	for _, s := range t.Score {
		if s > 0 {
			t.Known++
		}
	}
	// byPrior is prior-then-newest; a stable sort by live score keeps that order among ties.
	slices.SortStableFunc(t.Order, func(a, b int32) int { return cmp.Compare(t.Score[b], t.Score[a]) })
	return t
}
