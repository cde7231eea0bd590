package train

import (
	"cmp"
	"math"
	"slices"
)

// neighbors are item-to-item co-occurrence lists in CSR form, best first.
type neighbors struct {
	off []uint32
	idx []uint32
	w   []float32
}

// cooccurrence counts, for every pair of items, the viewers who played both within window
// consecutive plays of each other, scores a pair by cosine similarity of the items' viewer
// sets (count / √(plays_i · plays_j)), and keeps each item's k best neighbours seen together
// at least minCount times. Cost: O(plays · window) pair updates.
func cooccurrence(evs []event, nu, ni, window, k, minCount int) *neighbors {
	byUser := make([][]int32, nu) // each viewer's played items, in time order, no repeats
	seen := map[uint64]struct{}{}
	plays := make([]float64, ni)
	for _, e := range evs {
		if !e.play {
			continue
		}
		key := uint64(e.u)<<32 | uint64(e.i)
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		byUser[e.u] = append(byUser[e.u], e.i)
		plays[e.i]++
	}
	pairs := map[uint64]uint32{}
	for _, items := range byUser {
		for a := range items {
			for b := a + 1; b < len(items) && b <= a+window; b++ {
				i, j := items[a], items[b]
				if i > j {
					i, j = j, i
				}
				pairs[uint64(i)<<32|uint64(j)]++
			}
		}
	}
	type nb struct {
		j int32
		s float32
	}
	lists := make([][]nb, ni)
	for key, c := range pairs {
		if int(c) < minCount {
			continue
		}
		i, j := int32(key>>32), int32(uint32(key))
		s := float32(float64(c) / math.Sqrt(plays[i]*plays[j]))
		lists[i] = append(lists[i], nb{j, s})
		lists[j] = append(lists[j], nb{i, s})
	}
	out := &neighbors{off: make([]uint32, ni+1)}
	for i, l := range lists {
		slices.SortFunc(l, func(a, b nb) int { return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(a.j, b.j)) })
		for _, n := range l[:min(k, len(l))] {
			out.idx = append(out.idx, uint32(n.j))
			out.w = append(out.w, n.s)
		}
		out.off[i+1] = uint32(len(out.idx))
	}
	return out
}
