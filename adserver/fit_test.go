package adserver

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteFit tries every subset.
func bruteFit(items []fitItem, capMS int64, maxAds int, st fitState) int64 {
	best := int64(0)
	for mask := 0; mask < 1<<len(items); mask++ {
		var used, val int64
		n := 0
		excl := st.excl
		ok := true
		for i := range items {
			if mask&(1<<i) == 0 {
				continue
			}
			it := &items[i]
			if it.excl.intersects(excl) {
				ok = false
				break
			}
			excl = excl.or(it.excl)
			used += it.durMS
			val += score(it)
			n++
		}
		if ok && used+st.usedMS <= capMS && n+st.n <= maxAds && val > best {
			best = val
		}
	}
	return best
}

func TestFitPodIsOptimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	durs := []int64{5000, 10000, 15000, 15000, 20000, 30000, 30000, 45000, 60000}
	for round := range 400 {
		n := 1 + r.IntN(13)
		keys := exclKeys{}
		items := make([]fitItem, n)
		for i := range items {
			doms := []string{string(rune('a' + r.IntN(6)))}
			cats := []string{string(rune('A' + r.IntN(8)))}
			if r.IntN(4) == 0 {
				cats = nil
			}
			items[i] = fitItem{durMS: durs[r.IntN(len(durs))], value: int64(1+r.IntN(40)) * 500_000, excl: keys.mask(doms, cats)}
		}
		capMS := int64(15000 * (1 + r.IntN(8)))
		maxAds := 1 + r.IntN(6)
		st := fitState{}
		if r.IntN(3) == 0 {
			st = fitState{usedMS: 15000, n: 1, excl: keys.mask([]string{"a"})}
		}
		chosen, exact := fitPod(items, capMS, maxAds, st)
		var got, used int64
		excl := st.excl
		for _, i := range chosen {
			if items[i].excl.intersects(excl) {
				t.Fatalf("round %d: separation violated by %d in %v", round, i, chosen)
			}
			excl = excl.or(items[i].excl)
			got += score(&items[i])
			used += items[i].durMS
		}
		if used+st.usedMS > capMS || len(chosen)+st.n > maxAds {
			t.Fatalf("round %d: pod %v does not fit (%d ms, cap %d; %d ads, max %d)", round, chosen, used, capMS, len(chosen), maxAds)
		}
		if want := bruteFit(items, capMS, maxAds, st); got != want || !exact {
			t.Fatalf("round %d: score %d, optimum %d (exact %v)\nitems %+v cap %d max %d", round, got, want, exact, items, capMS, maxAds)
		}
	}
}

func TestFitPodPrefersValueThenFill(t *testing.T) {
	k := exclKeys{}
	items := []fitItem{
		{durMS: 30000, value: 20_000_000, excl: k.mask([]string{"a.example"})}, // $20 for 30 s
		{durMS: 15000, value: 12_000_000, excl: k.mask([]string{"b.example"})}, // two 15 s ads
		{durMS: 15000, value: 11_000_000, excl: k.mask([]string{"c.example"})}, // together $23
		{durMS: 15000, value: 15_000_000, excl: k.mask([]string{"b.example"})}, // b again: excluded with b
	}
	chosen, _ := fitPod(items, 30000, 4, fitState{})
	slices.Sort(chosen)
	if !slices.Equal(chosen, []int{2, 3}) { // 11 + 15 = $26 beats 12 + 11 and 20
		t.Fatalf("chose %v", chosen)
	}
	// Equal value: the pod that fills more time wins.
	items = []fitItem{{durMS: 15000, value: 10_000_000}, {durMS: 30000, value: 10_000_000}}
	if chosen, _ := fitPod(items, 30000, 1, fitState{}); len(chosen) != 1 || chosen[0] != 1 {
		t.Fatalf("equal value: chose %v, want the longer ad", chosen)
	}
}
