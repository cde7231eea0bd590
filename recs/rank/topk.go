package rank

// topK keeps the k best (score, item) pairs seen, as a min-heap on score with ties broken
// toward the lower item index, so the selection is deterministic.
type topK struct {
	k     int
	items []scored
}

type scored struct {
	score float32
	item  int32
}

// worse reports whether a ranks below b.
func worse(a, b scored) bool {
	return a.score < b.score || a.score == b.score && a.item > b.item
}

func (h *topK) reset(k int) { h.k, h.items = k, h.items[:0] }

// full reports whether k pairs are held; min is then the worst of them.
func (h *topK) full() bool { return len(h.items) >= h.k }

func (h *topK) min() scored { return h.items[0] }

// push offers a pair.
func (h *topK) push(s scored) {
	if h.k <= 0 {
		return
	}
	if len(h.items) < h.k {
		h.items = append(h.items, s)
		h.up(len(h.items) - 1)
		return
	}
	if worse(s, h.items[0]) || s == h.items[0] {
		return
	}
	h.items[0] = s
	h.down(0)
}

func (h *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h.items[i], h.items[p]) {
			return
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *topK) down(i int) {
	n := len(h.items)
	for {
		l, m := 2*i+1, i
		if l < n && worse(h.items[l], h.items[m]) {
			m = l
		}
		if r := l + 1; r < n && worse(h.items[r], h.items[m]) {
			m = r
		}
		if m == i {
			return
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
}

// sorted empties the heap into its slice, best first, and returns it.
func (h *topK) sorted() []scored {
	n := len(h.items)
	for end := n - 1; end > 0; end-- {
		h.items[0], h.items[end] = h.items[end], h.items[0]
		h.items = h.items[:end]
		h.down(0)
	}
	return h.items[:n]
}

// selectTop reorders xs so that its first k elements are the k best (in no particular
// order) and returns them: Hoare's quickselect with a median-of-three pivot, O(len(xs))
// expected, deterministic.
func selectTop(xs []scored, k int) []scored {
	if k >= len(xs) {
		return xs
	}
	if k <= 0 {
		return xs[:0]
	}
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		// Median of three, moved to xs[mid].
		if worse(xs[lo], xs[mid]) {
			xs[lo], xs[mid] = xs[mid], xs[lo]
		}
		if worse(xs[mid], xs[hi]) {
			xs[mid], xs[hi] = xs[hi], xs[mid]
			if worse(xs[lo], xs[mid]) {
				xs[lo], xs[mid] = xs[mid], xs[lo]
			}
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j { // best first: "better than pivot" goes left
			for worse(pivot, xs[i]) {
				i++
			}
			for worse(xs[j], pivot) {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return xs[:k]
		}
	}
	return xs[:k]
}
