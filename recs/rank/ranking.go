package rank

import "math/rand/v2"

// Ranking is one request's work in progress and the scratch memory it needs: per-item arrays
// as long as the catalogue, reset in O(1) with a generation stamp, so a request allocates
// nothing once its Ranking has warmed up. Get one from Index.Acquire, run the stages in
// order, and Release it:
//
//	rk := ix.Acquire()
//	defer rk.Release()
//	rk.Prepare(&req)          // exclusions, viewer vector, co-occurrence with the history
//	cands := rk.Candidates()  // sources merged, deduplicated and filtered
//	…                         // optionally refresh cands[i].Trend from the featurestore
//	rk.Score()                // features and the ranker
//	list := rk.Arrange(b)     // promotions, exploration, MMR, genre cap, fill
//
// A Ranking is not safe for concurrent use; results are valid until Release.
type Ranking struct {
	ix  *Index
	req *Request
	gen uint32

	excl    []uint32 // excl[i] == gen: watched or being watched
	seen    []uint32 // seen[i] == gen: a candidate, at cands[slot[i]]
	slot    []int32
	placed  []uint32 // placed[i] == gen: in the list being arranged
	coocGen []uint32 // coocGen[i] == gen: cooc[i], anchor[i] and best[i] are set
	cooc    []float32
	anchor  []int32
	best    []float32 // the anchor's contribution
	nextGen []uint32  // nextGen[i] == gen: next[i] is set
	next    []float32

	touched  []int32 // items with a co-occurrence score, in first-touch order
	viewer   []float32
	isViewer bool
	histMask []uint64
	content  uint64 // genre mask of the title being watched; 0: none
	nowMS    int64

	cands   []Candidate
	heap    topK
	all     []scored
	order   []int32 // candidate indexes by score
	out     []Result
	maxSim  []float32
	rel     []float32
	genreN  [64]int
	nPlaced int
	rng     *rand.Rand
	pcg     *rand.PCG
	x       [NumFeatures]float32

	foldA, foldB []float64
}

func newRanking(ix *Index) *Ranking {
	n := ix.n
	pcg := rand.NewPCG(0, 0)
	return &Ranking{
		ix:      ix,
		excl:    make([]uint32, n),
		seen:    make([]uint32, n),
		slot:    make([]int32, n),
		placed:  make([]uint32, n),
		coocGen: make([]uint32, n),
		cooc:    make([]float32, n),
		anchor:  make([]int32, n),
		best:    make([]float32, n),
		nextGen: make([]uint32, n),
		next:    make([]float32, n),
		viewer:  make([]float32, ix.dim),
		foldA:   make([]float64, ix.dim*ix.dim),
		foldB:   make([]float64, ix.dim),
		pcg:     pcg,
		rng:     rand.New(pcg),
	}
}

// Acquire returns a Ranking for this index from its pool.
func (ix *Index) Acquire() *Ranking { return ix.pool.Get().(*Ranking) }

// Release returns the Ranking to its index's pool; its results are invalid afterwards.
func (rk *Ranking) Release() {
	rk.req = nil
	rk.ix.pool.Put(rk)
}

// Index returns the index the Ranking works on.
func (rk *Ranking) Index() *Index { return rk.ix }

// Prepare starts a ranking for req: it marks what must not be recommended, settles the
// viewer's embedding (req.Viewer, or folded in from the history), and accumulates the
// co-occurrence of every catalogue item with the history and the title being watched.
func (rk *Ranking) Prepare(req *Request) {
	rk.req = req
	rk.gen++
	if rk.gen == 0 { // wrapped: stale stamps could now match, clear them once
		for _, a := range [][]uint32{rk.excl, rk.seen, rk.placed, rk.coocGen, rk.nextGen} {
			clear(a)
		}
		rk.gen = 1
	}
	gen, ix := rk.gen, rk.ix
	rk.cands, rk.touched, rk.out = rk.cands[:0], rk.touched[:0], rk.out[:0]
	rk.histMask = rk.histMask[:0]
	rk.nowMS = req.Now.UnixMilli()
	rk.pcg.Seed(req.Seed, req.Seed^0x9e3779b97f4a7c15)

	for _, h := range req.History {
		if h >= 0 && int(h) < ix.n {
			rk.excl[h] = gen
			rk.histMask = append(rk.histMask, ix.cat.GenreMask(h))
		}
	}
	rk.content = 0
	if c := req.Content; c >= 0 && int(c) < ix.n {
		rk.excl[c] = gen
		rk.content = ix.cat.GenreMask(c)
	}

	rk.isViewer = false
	if req.Policy.Personalized && ix.dim > 0 {
		if len(req.Viewer) == ix.dim {
			copy(rk.viewer, req.Viewer)
			rk.isViewer = true
			if f := min(req.Fresh, len(req.History)); f > 0 {
				rk.update(req.History[:f], req.History[f:])
			}
		} else if len(req.History) > 0 {
			rk.isViewer = rk.foldIn(req.History)
		}
	}
	if !req.Policy.Personalized {
		return
	}
	// Co-occurrence with the history: recent watches count more (×0.85 per step back).
	decay := float32(1)
	for _, h := range req.History {
		if h < 0 || int(h) >= ix.n {
			continue
		}
		ids, ws := ix.neighbors(h)
		for k, j := range ids {
			v := decay * ws[k]
			if rk.coocGen[j] != gen {
				rk.coocGen[j], rk.cooc[j], rk.anchor[j], rk.best[j] = gen, 0, h, 0
				rk.touched = append(rk.touched, j)
			}
			rk.cooc[j] += v
			if v > rk.best[j] {
				rk.anchor[j], rk.best[j] = h, v
			}
		}
		decay *= 0.85
	}
	if c := req.Content; c >= 0 && int(c) < ix.n {
		ids, ws := ix.neighbors(c)
		for k, j := range ids {
			rk.nextGen[j], rk.next[j] = gen, ws[k]
		}
	}
}

// eligible reports whether item i may be recommended: not watched or being watched, rated
// within the viewer's limit, licensed in the viewer's region now.
func (rk *Ranking) eligible(i int32) bool {
	return rk.excl[i] != rk.gen && rk.ix.cat.Allowed(i, rk.req.Region, rk.req.MaxRating, rk.nowMS)
}

// allowed is eligible without the history exclusion: the last resort before an empty list.
func (rk *Ranking) allowed(i int32) bool {
	return i != rk.req.Content && rk.ix.cat.Allowed(i, rk.req.Region, rk.req.MaxRating, rk.nowMS)
}

// HasViewer reports whether the ranking has a viewer embedding (given, or folded in).
func (rk *Ranking) HasViewer() bool { return rk.isViewer }

// Viewer returns the viewer embedding in use (nil without one; valid until Release).
func (rk *Ranking) Viewer() []float32 {
	if !rk.isViewer {
		return nil
	}
	return rk.viewer
}

// Rank runs every stage for req and returns a copy of the list: the convenient form for
// tests and the trainer's evaluation. b may be nil (no exploration).
func (ix *Index) Rank(req *Request, b *Bandit) []Result {
	rk := ix.Acquire()
	defer rk.Release()
	rk.Prepare(req)
	rk.Candidates()
	rk.Score()
	return append([]Result(nil), rk.Arrange(b)...)
}
