package rank

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/cuepoint/cuepoint/recs/catalog"
)

func TestCandidatesAreMergedDeduplicatedAndFiltered(t *testing.T) {
	cat, m := fixture(2000, 16)
	ix := NewIndex(cat, m)
	req := baseRequest(cat, 20)
	req.History = history(cat, "drama", 5)
	req.Content = history(cat, "comedy", 1)[0]
	req.Region = catalog.MustRegion("DE")
	req.MaxRating = catalog.RatingPG13
	req.Policy.MaxCandidates = 300
	req.Trend = NewTrending(ix, nil, t0)

	rk := ix.Acquire()
	defer rk.Release()
	rk.Prepare(&req)
	cands := rk.Candidates()
	if len(cands) != 300 {
		t.Fatalf("%d candidates, want the budget of 300", len(cands))
	}
	seen := map[int32]bool{}
	var sources Source
	multi := 0
	for _, c := range cands {
		if seen[c.Item] {
			t.Fatalf("item %s is a candidate twice", cat.ID(c.Item))
		}
		seen[c.Item] = true
		sources |= c.Sources
		if c.Sources&(c.Sources-1) != 0 {
			multi++
		}
		it := cat.Item(c.Item)
		if it.Rating > catalog.RatingPG13 {
			t.Errorf("%s rated %s passed the PG-13 filter", it.ID, it.Rating)
		}
		if !cat.Available(c.Item, req.Region, t0) {
			t.Errorf("%s is not licensed in DE or not available now", it.ID)
		}
		if c.Item == req.Content {
			t.Errorf("the title being watched is a candidate")
		}
		for _, h := range req.History {
			if c.Item == h {
				t.Errorf("watched title %s is a candidate", it.ID)
			}
		}
	}
	want := SourceContent | SourceCooc | SourceMF | SourceTrending | SourceFresh
	if sources&want != want {
		t.Errorf("sources %05b, want all of %05b", sources, want)
	}
	if multi == 0 {
		t.Error("no candidate came from two sources: merging lost the extra source bits")
	}
	// The filters hold on the final list too, whatever the stages do.
	rk.Score()
	for _, r := range rk.Arrange(NewBandit(cat.Len())) {
		if it := cat.Item(r.Item); it.Rating > catalog.RatingPG13 || !cat.Available(r.Item, req.Region, t0) {
			t.Errorf("%s in the list breaks a filter", it.ID)
		}
	}
}

func TestListIsNDistinctItemsRankedForTheViewer(t *testing.T) {
	cat, m := fixture(2000, 16)
	ix := NewIndex(cat, m)
	req := baseRequest(cat, 20)
	req.History = history(cat, "kids", 8)
	req.Policy.ExploreShare = 0
	list := ix.Rank(&req, nil)
	if len(list) != 20 {
		t.Fatalf("%d items", len(list))
	}
	kids := 0
	seen := map[int32]bool{}
	for _, r := range list {
		if seen[r.Item] {
			t.Fatalf("%s twice", cat.ID(r.Item))
		}
		seen[r.Item] = true
		if cat.GenreMask(r.Item)&cat.GenreMask(req.History[0]) != 0 {
			kids++
		}
	}
	if kids < 8 {
		t.Errorf("only %d of 20 items share a genre with a kids-only history", kids)
	}
	if list[0].Reason != ReasonSimilar && list[0].Reason != ReasonForYou {
		t.Errorf("top item's reason is %s", list[0].Reason)
	}
}

func TestRankingIsDeterministicPerSeed(t *testing.T) {
	cat, m := fixture(1500, 16)
	ix := NewIndex(cat, m)
	b := NewBandit(cat.Len())
	req := baseRequest(cat, 30)
	req.History = history(cat, "thriller", 6)
	first := ix.Rank(&req, b)
	for range 5 {
		if again := ix.Rank(&req, b); !reflect.DeepEqual(first, again) {
			t.Fatal("same request and seed, different lists")
		}
	}
	differs := false
	for s := uint64(1); s < 20 && !differs; s++ {
		r2 := req
		r2.Seed = s
		differs = !reflect.DeepEqual(first, ix.Rank(&r2, b))
	}
	if !differs {
		t.Fatal("no seed changed the exploration slots")
	}
	// A fresh index over the same inputs ranks identically (no hidden state).
	if again := NewIndex(cat, m).Rank(&req, b); !reflect.DeepEqual(first, again) {
		t.Fatal("a rebuilt index ranks differently")
	}
}

func TestMMRTradesRelevanceForDiversity(t *testing.T) {
	cat, m := fixture(2000, 16)
	ix := NewIndex(cat, m)
	req := baseRequest(cat, 20)
	req.History = history(cat, "sci-fi", 10)
	req.Policy.ExploreShare, req.Policy.GenreCap = 0, 0

	avgSim := func(lambda float64) (float64, []Result) {
		r := req
		r.Policy.Lambda = lambda
		rk := ix.Acquire()
		defer rk.Release()
		rk.Prepare(&r)
		rk.Candidates()
		rk.Score()
		list := append([]Result(nil), rk.Arrange(nil)...)
		var s float64
		pairs := 0
		for a := range list {
			for b := a + 1; b < len(list); b++ {
				s += float64(rk.sim(list[a].Item, list[b].Item))
				pairs++
			}
		}
		return s / float64(pairs), list
	}
	relevance, byScore := avgSim(1)
	diverse, mmr := avgSim(0.3)
	if !(diverse < relevance) {
		t.Fatalf("MMR λ=0.3 average similarity %.3f, not below pure relevance %.3f", diverse, relevance)
	}
	if byScore[0].Item != mmr[0].Item {
		t.Fatal("MMR changed the first item (nothing is placed before it to be diverse from)")
	}
	for k := 1; k < len(byScore); k++ {
		if byScore[k].Score > byScore[k-1].Score {
			t.Fatalf("λ=1 is not ordered by score at %d", k)
		}
	}
}

func TestExplorationShareAndThompsonSampling(t *testing.T) {
	cat, m := fixture(2000, 16)
	ix := NewIndex(cat, m)
	b := NewBandit(cat.Len())
	req := baseRequest(cat, 20)
	req.History = history(cat, "drama", 5)
	req.Policy.ExploreShare = 0.15 // round(3) slots of 20

	rk := ix.Acquire()
	rk.Prepare(&req)
	rk.Candidates()
	rk.Score()
	rk.sortByScore()
	top := map[int32]bool{}
	for _, k := range rk.order[:20] {
		top[rk.cands[k].Item] = true
	}
	rk.Release()

	explored := map[int32]int{}
	lists := 400
	for s := range uint64(lists) {
		req.Seed = s
		list := ix.Rank(&req, b)
		n := 0
		for _, r := range list {
			if r.Reason == ReasonExplore {
				n++
				explored[r.Item]++
				if top[r.Item] {
					t.Fatalf("exploration slot holds %s, already in the top 20", cat.ID(r.Item))
				}
			}
		}
		if n != 3 {
			t.Fatalf("seed %d: %d exploration slots, want 3 (15%% of 20)", s, n)
		}
	}
	if len(explored) < 10 {
		t.Fatalf("uniform prior explored only %d distinct items", len(explored))
	}
	// Give one item a strong click record and others a poor one: Thompson sampling favours it.
	var star, dud int32 = -1, -1
	for i := range explored {
		if star < 0 || i < star {
			star = i
		}
	}
	for i := range explored {
		if i != star && (dud < 0 || i < dud) {
			dud = i
		}
	}
	for range 200 {
		b.Shown([]int32{star})
		b.Clicked(star)
		b.Shown([]int32{dud})
	}
	got := map[int32]int{}
	for s := range uint64(lists) {
		req.Seed = 10_000 + s
		for _, r := range ix.Rank(&req, b) {
			if r.Reason == ReasonExplore {
				got[r.Item]++
			}
		}
	}
	if got[star] < lists*9/10 || got[dud] > lists/20 {
		t.Fatalf("high-CTR item explored in %d of %d lists, low-CTR one in %d", got[star], lists, got[dud])
	}
}

func TestGenreCapAndPromotions(t *testing.T) {
	cat, m := fixture(2000, 16)
	ix := NewIndex(cat, m)
	req := baseRequest(cat, 20)
	req.History = history(cat, "comedy", 10)
	req.Policy.ExploreShare = 0
	req.Policy.GenreCap = 0.3
	promo := history(cat, "news", 1)[0]
	req.Policy.Promotions = []Promotion{{Item: promo, Position: 2}, {Item: req.History[0], Position: 1}}
	list := ix.Rank(&req, nil)
	if list[1].Item != promo || list[1].Reason != ReasonPromoted {
		t.Fatalf("position 2 is %s (%s), want the promoted %s", cat.ID(list[1].Item), list[1].Reason, cat.ID(promo))
	}
	if list[0].Reason == ReasonPromoted {
		t.Fatal("a watched title was promoted")
	}
	count := map[uint8]int{}
	for _, r := range list {
		count[cat.PrimaryGenre(r.Item)]++
	}
	for g, n := range count {
		if n > 6 {
			t.Errorf("genre %s has %d of 20 slots, over the 30%% cap", cat.Genres()[g], n)
		}
	}
}

func TestNeverEmptyWhileTheCatalogHasEligibleItems(t *testing.T) {
	cat, m := fixture(300, 8)
	for _, tc := range []struct {
		name string
		ix   *Index
		mod  func(*Request)
	}{
		{"no model, no trending", NewIndex(cat, nil), func(*Request) {}},
		{"cold viewer", NewIndex(cat, m), func(*Request) {}},
		{"popularity policy", NewIndex(cat, m), func(r *Request) { r.Policy = Policy{} }},
		{"tiny candidate budget", NewIndex(cat, m), func(r *Request) { r.Policy.MaxCandidates = 1 }},
		{"everything watched", NewIndex(cat, m), func(r *Request) {
			for i := range int32(cat.Len()) {
				r.History = append(r.History, i)
			}
		}},
	} {
		req := baseRequest(cat, 25)
		tc.mod(&req)
		list := tc.ix.Rank(&req, NewBandit(cat.Len()))
		if len(list) != 25 {
			t.Errorf("%s: %d items, want 25", tc.name, len(list))
		}
	}
	// Only rights and maturity can empty a list: a region with no licensed title and a
	// rating below everything.
	strict := []catalog.Item{{ID: "a", Title: "A", Genres: []string{"drama"}, Year: 2020, Rating: catalog.RatingR,
		Colors: []string{"#000000"}, Regions: []string{"FR"}, Added: t0.Add(-1e9)}}
	c2, _ := catalog.New(strict)
	req := baseRequest(c2, 5)
	if list := NewIndex(c2, nil).Rank(&req, nil); len(list) != 0 {
		t.Fatalf("a title unlicensed in the US was served: %v", list)
	}
}

func TestColdStartIsPopularFreshAndDiverse(t *testing.T) {
	cat, m := fixture(2000, 16)
	ix := NewIndex(cat, m)
	req := baseRequest(cat, 20)
	req.Trend = NewTrending(ix, nil, t0)
	list := ix.Rank(&req, NewBandit(cat.Len()))
	genres := map[uint8]bool{}
	for _, r := range list {
		genres[cat.PrimaryGenre(r.Item)] = true
		if r.Reason == ReasonForYou || r.Reason == ReasonSimilar {
			t.Errorf("cold viewer got a personal reason %s", r.Reason)
		}
	}
	if len(genres) < 5 {
		t.Errorf("cold-start list spans %d primary genres", len(genres))
	}
}

func TestFoldInMatchesTheALSUserStep(t *testing.T) {
	cat, m := fixture(500, 8)
	ix := NewIndex(cat, m)
	hist := history(cat, "kids", 6)
	rk := ix.Acquire()
	defer rk.Release()
	req := baseRequest(cat, 10)
	req.History = hist
	rk.Prepare(&req)
	if !rk.HasViewer() {
		t.Fatal("no viewer folded in from a history with embeddings")
	}
	// Check the normal equations directly: (G + reg I + α Σ v vᵀ) x = (1+α) Σ v.
	d := ix.dim
	x := rk.Viewer()
	for r := range d {
		var lhs, rhs float64
		for c := range d {
			a := float64(m.Gram[r*d+c])
			if r == c {
				a += m.Meta.Reg
			}
			for _, h := range hist {
				e := ix.Embedding(h)
				a += m.Meta.Alpha * float64(e[r]) * float64(e[c])
			}
			lhs += a * float64(x[c])
		}
		for _, h := range hist {
			rhs += (1 + m.Meta.Alpha) * float64(ix.Embedding(h)[r])
		}
		if math.Abs(lhs-rhs) > 1e-3*math.Max(1, math.Abs(rhs)) {
			t.Fatalf("row %d: %g ≠ %g", r, lhs, rhs)
		}
	}
}

func TestCholSolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{1, 2, 7, 32} {
		m := make([]float64, d*d)
		for k := range m {
			m[k] = rng.NormFloat64()
		}
		a := make([]float64, d*d) // MᵀM + I: positive definite
		for r := range d {
			for c := range d {
				for k := range d {
					a[r*d+c] += m[k*d+r] * m[k*d+c]
				}
			}
			a[r*d+r]++
		}
		orig := append([]float64(nil), a...)
		b := make([]float64, d)
		for k := range b {
			b[k] = rng.NormFloat64()
		}
		want := append([]float64(nil), b...)
		if !CholSolve(a, b, d) {
			t.Fatalf("d=%d: not positive definite", d)
		}
		for r := range d {
			var s float64
			for c := range d {
				s += orig[r*d+c] * b[c]
			}
			if math.Abs(s-want[r]) > 1e-9 {
				t.Fatalf("d=%d row %d: residual %g", d, r, s-want[r])
			}
		}
	}
	if CholSolve([]float64{-1}, []float64{1}, 1) {
		t.Fatal("a negative definite system was solved")
	}
}

func TestSelectTop(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 200 {
		n := rng.IntN(300)
		xs := make([]scored, n)
		for i := range xs {
			xs[i] = scored{float32(rng.IntN(20)), int32(i)} // many ties
		}
		k := rng.IntN(n + 2)
		want := append([]scored(nil), xs...)
		var h topK
		h.reset(k)
		for _, x := range want {
			h.push(x)
		}
		heapTop := h.sorted()
		got := selectTop(xs, k)
		gotSet := map[scored]bool{}
		for _, x := range got {
			gotSet[x] = true
		}
		if len(got) != len(heapTop) {
			t.Fatalf("trial %d: %d selected, heap kept %d", trial, len(got), len(heapTop))
		}
		for _, x := range heapTop {
			if !gotSet[x] {
				t.Fatalf("trial %d (n=%d k=%d): %v is among the best but not selected", trial, n, k, x)
			}
		}
	}
}

func TestUpdateMovesTheViewerTowardWhatTheyJustWatched(t *testing.T) {
	cat, m := fixture(800, 16)
	ix := NewIndex(cat, m)
	drama, kids := history(cat, "drama", 12), history(cat, "kids", 3)
	rk := ix.Acquire()
	defer rk.Release()
	// The stored embedding: folded in from a drama-only history.
	req := baseRequest(cat, 10)
	req.History = drama
	rk.Prepare(&req)
	stored := append([]float32(nil), rk.Viewer()...)
	kidsScore := func(v []float32) float32 {
		var s float32
		for _, k := range history(cat, "kids", 30)[3:] { // other kids titles
			s += dot(v, ix.Embedding(k))
		}
		return s
	}
	// Three kids titles watched since: the updated embedding likes kids titles more.
	req.Viewer, req.History, req.Fresh = stored, append(append([]int32(nil), kids...), drama...), len(kids)
	rk.Prepare(&req)
	if after, before := kidsScore(rk.Viewer()), kidsScore(stored); !(after > before) {
		t.Fatalf("kids affinity %.3f after three kids plays, %.3f before", after, before)
	}
	// The update is exact when the stored embedding was fit on the rest of the history: the
	// same as folding in everything.
	updated := append([]float32(nil), rk.Viewer()...)
	req.Viewer, req.Fresh = nil, 0
	rk.Prepare(&req)
	for k, v := range rk.Viewer() {
		if math.Abs(float64(v-updated[k])) > 1e-4 {
			t.Fatalf("dimension %d: updated %.5f, folded in from scratch %.5f", k, updated[k], v)
		}
	}
	req.Viewer = stored
	// With nothing fresh the stored embedding is used as is.
	req.Fresh = 0
	rk.Prepare(&req)
	for k, v := range rk.Viewer() {
		if v != stored[k] {
			t.Fatal("an embedding with no fresh plays was changed")
		}
	}
}
