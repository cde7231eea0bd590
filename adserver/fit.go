package adserver

import (
	"math/bits"
	"slices"
)

// Pod fitting: choose the ads of a break.
//
// Given candidates, each with a duration, a value (its price, in micros) and the exclusion
// keys it holds (its advertiser domains and categories, its creative), fitPod picks the set
// that maximizes the total value — and, among equally valuable sets, fills the most time —
// such that the durations fit the break, the count fits the pod, and no two ads share an
// exclusion key (competitive separation: never two ads of one advertiser or one category in
// a pod). That is a 0/1 knapsack with a cardinality limit and conflict constraints.
//
// fitPod solves it exactly by depth-first branch and bound: candidates in order of value per
// second, each branch bounded by the lesser of the fractional-knapsack bound on the time left
// and the sum of the best values for the slots left (each ignores a constraint, so each is an
// upper bound). A greedy solution is the first incumbent. Pods are small (a few dozen
// candidates, up to ten slots), so the search visits a few hundred nodes; a node budget
// guarantees the time, returning the best pod found so far if it is ever exhausted.

// exclMask is a set of exclusion keys, one bit each (keys beyond 128 share bits, which can
// only make separation stricter).
type exclMask [2]uint64

func (m exclMask) intersects(o exclMask) bool { return m[0]&o[0] != 0 || m[1]&o[1] != 0 }
func (m exclMask) or(o exclMask) exclMask     { return exclMask{m[0] | o[0], m[1] | o[1]} }

// exclKeys assigns bits to exclusion keys for one decision.
type exclKeys map[string]uint8

func (k exclKeys) mask(keys ...[]string) exclMask {
	var m exclMask
	for _, ks := range keys {
		for _, s := range ks {
			if s == "" {
				continue
			}
			b, ok := k[s]
			if !ok {
				b = uint8(len(k) % 128)
				k[s] = b
			}
			m[b/64] |= 1 << (b % 64)
		}
	}
	return m
}

// fitItem is one candidate for fitting.
type fitItem struct {
	durMS int64
	value int64 // micros; house ads use their duration
	excl  exclMask
}

// fitState is what is already in the pod when fitting more.
type fitState struct {
	usedMS int64
	n      int
	excl   exclMask
}

const (
	maxFitValue   = 10_000_000_000 // $10,000 CPM: anything above is clamped for fitting
	durBits       = 20             // score = value<<20 + duration: value first, then time filled
	fitNodeBudget = 200_000
)

func score(it *fitItem) int64 { return min(it.value, maxFitValue)<<durBits + it.durMS }

type fitter struct {
	items    []fitItem
	order    []int // by score per millisecond, descending
	scores   []int64
	capMS    int64
	maxAds   int
	best     []int
	bestVal  int64
	cur      []int
	nodes    int
	complete bool
}

// fitPod returns the indices (into items) of the best pod that fits on top of st within
// capMS and maxAds, and whether the search was exhaustive.
func fitPod(items []fitItem, capMS int64, maxAds int, st fitState) (chosen []int, exact bool) {
	f := &fitter{items: items, capMS: capMS - st.usedMS, maxAds: maxAds - st.n, complete: true}
	if f.capMS <= 0 || f.maxAds <= 0 {
		return nil, true
	}
	for i := range items {
		if it := &items[i]; it.durMS > 0 && it.durMS <= f.capMS && !it.excl.intersects(st.excl) {
			f.order = append(f.order, i)
		}
	}
	f.scores = make([]int64, len(items))
	for _, i := range f.order {
		f.scores[i] = score(&items[i])
	}
	slices.SortFunc(f.order, func(a, b int) int {
		// density a > density b  ⇔  sa·db > sb·da (128-bit products: no overflow)
		ha, la := bits.Mul64(uint64(f.scores[a]), uint64(items[b].durMS))
		hb, lb := bits.Mul64(uint64(f.scores[b]), uint64(items[a].durMS))
		switch {
		case ha > hb || ha == hb && la > lb:
			return -1
		case ha < hb || ha == hb && la < lb:
			return 1
		}
		return a - b
	})
	f.greedy(st.excl)
	f.search(0, f.capMS, 0, st.excl)
	return f.best, f.complete
}

// greedy sets the first incumbent: take candidates by density while they fit.
func (f *fitter) greedy(excl exclMask) {
	var pick []int
	var val, used int64
	for _, i := range f.order {
		it := &f.items[i]
		if len(pick) < f.maxAds && used+it.durMS <= f.capMS && !it.excl.intersects(excl) {
			pick = append(pick, i)
			val += f.scores[i]
			used += it.durMS
			excl = excl.or(it.excl)
		}
	}
	f.best, f.bestVal = pick, val
}

func (f *fitter) search(k int, capLeft, val int64, excl exclMask) {
	if val > f.bestVal {
		f.bestVal = val
		f.best = append(f.best[:0:0], f.cur...)
	}
	if k == len(f.order) || capLeft <= 0 || len(f.cur) == f.maxAds {
		return
	}
	f.nodes++
	if f.nodes > fitNodeBudget {
		f.complete = false
		return
	}
	if val+f.bound(k, capLeft, f.maxAds-len(f.cur), excl) <= f.bestVal {
		return
	}
	i := f.order[k]
	it := &f.items[i]
	if it.durMS <= capLeft && !it.excl.intersects(excl) {
		f.cur = append(f.cur, i)
		f.search(k+1, capLeft-it.durMS, val+f.scores[i], excl.or(it.excl))
		f.cur = f.cur[:len(f.cur)-1]
	}
	f.search(k+1, capLeft, val, excl)
}

// bound is an upper bound of the score the candidates from position k on can add with
// capLeft milliseconds and slots ads: the lesser of the fractional knapsack (ignoring the
// slot limit) and the best `slots` scores (ignoring time). Candidates that conflict with the
// pod so far are skipped; conflicts among the rest are ignored.
func (f *fitter) bound(k int, capLeft int64, slots int, excl exclMask) int64 {
	var frac, left = int64(0), capLeft
	var top [32]int64
	nTop := 0
	for _, i := range f.order[k:] {
		it := &f.items[i]
		if it.durMS > capLeft || it.excl.intersects(excl) {
			continue
		}
		s := f.scores[i]
		if left > 0 {
			if it.durMS <= left {
				frac += s
				left -= it.durMS
			} else {
				frac += int64(float64(s) * float64(left) / float64(it.durMS))
				left = 0
			}
		}
		// keep the `slots` largest scores
		if nTop < slots && nTop < len(top) {
			top[nTop] = s
			nTop++
		} else if nTop > 0 {
			m := 0
			for j := 1; j < nTop; j++ {
				if top[j] < top[m] {
					m = j
				}
			}
			if s > top[m] {
				top[m] = s
			}
		}
	}
	var sum int64
	for _, s := range top[:nTop] {
		sum += s
	}
	return min(frac+1, sum) // +1: the fraction was rounded down
}
