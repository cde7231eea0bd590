package bidder

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// vocab is the value space of each dimension in the random tests: small enough that campaigns
// and requests collide often, so both matches and exclusions are exercised.
var vocab = [numDims][]string{
	dimCountry:    {"usa", "can", "gbr", "deu", "fra"},
	dimRegion:     {"ca", "ny", "tx", "on", "by"},
	dimMetro:      {"501", "803", "602"},
	dimDeviceType: {"1", "2", "3", "4", "5", "7"},
	dimOS:         {"ios", "android", "tvos", "roku", "tizen"},
	dimBundle:     {"com.a", "com.b", "com.c", "com.d"},
	dimDomain:     {"a.example", "b.example", "news.a.example", "c.example"},
	dimPublisher:  {"p1", "p2", "p3", "p4"},
	dimCategory:   {"iab1", "iab1-2", "iab2", "iab17", "iab19"},
	dimSegment:    {"s1", "s2", "s3", "s4", "s5", "s6"},
	dimHour:       hourNames[:10],
	dimMedia:      {TypeBanner, TypeVideo},
	dimDeal:       {openMarket, "d1", "d2", "d3"},
	dimPlcmt:      {"1", "2", "3", "4"},
}

func pick(r *rand.Rand, vs []string, n int) []string {
	var out []string
	for range n {
		out = appendUnique(out, vs[r.IntN(len(vs))])
	}
	return out
}

// randomCampaign builds a campaign whose compiled targeting is set directly per dimension.
func randomCampaign(r *rand.Rand, i int) *Campaign {
	c := &Campaign{ID: fmt.Sprintf("c%05d", i)}
	// Creative types and deals drive the media and deal dimensions.
	switch r.IntN(3) {
	case 0:
		c.Creatives = []Creative{{ID: "b", Type: TypeBanner}}
	case 1:
		c.Creatives = []Creative{{ID: "v", Type: TypeVideo}}
	default:
		c.Creatives = []Creative{{ID: "b", Type: TypeBanner}, {ID: "v", Type: TypeVideo}}
	}
	if r.IntN(4) == 0 {
		c.Deals = pick(r, vocab[dimDeal][1:], 1+r.IntN(2))
	}
	t := &c.Targeting
	sets := []*Set{&t.Country, &t.Region, &t.Metro, &t.DeviceType, &t.OS, &t.Bundle, &t.Domain, &t.Publisher, &t.Category, &t.Segment, nil, nil, nil, &t.Plcmt}
	for d, s := range sets {
		if s == nil {
			continue
		}
		switch r.IntN(6) {
		case 0:
			s.In = pick(r, vocab[d], 1+r.IntN(3))
		case 1:
			s.NotIn = pick(r, vocab[d], 1+r.IntN(2))
		case 2:
			s.In = pick(r, vocab[d], 1+r.IntN(3))
			s.NotIn = pick(r, vocab[d], 1)
		}
	}
	if r.IntN(5) == 0 {
		for range 1 + r.IntN(4) {
			t.Daypart = append(t.Daypart, r.IntN(10))
		}
	}
	return c
}

func randomAssignment(r *rand.Rand, a *assignment) {
	a.reset()
	for d := range numDims {
		if d == dimHour {
			a.vals[d] = append(a.vals[d], vocab[d][r.IntN(len(vocab[d]))])
			continue
		}
		for _, v := range pick(r, vocab[d], r.IntN(3)) {
			a.vals[d] = append(a.vals[d], v)
		}
	}
}

// TestIndexMatchesBruteForce holds the index against the definition of targeting, one
// campaign at a time, over 10k random campaigns and many random requests.
func TestIndexMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var cs []*Campaign
	for i := range 10_000 {
		cs = append(cs, randomCampaign(r, i))
	}
	ix := NewIndex(cs)
	if ix.Len() != len(cs) {
		t.Fatalf("indexed %d of %d", ix.Len(), len(cs))
	}
	var a assignment
	total := 0
	for q := range 200 {
		randomAssignment(r, &a)
		got := ix.matchIDs(&a)
		var want []string
		for _, e := range ix.entries {
			if e.cp.matches(&a, allDims) {
				want = append(want, e.c.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("request %d %v: index matched %d campaigns, brute force %d\nfirst index-only: %v\nfirst brute-only: %v",
				q, a.vals, len(got), len(want), diff(got, want), diff(want, got))
		}
		total += len(got)
	}
	if total == 0 {
		t.Fatal("no request matched any campaign: the test exercises nothing")
	}
	t.Logf("200 requests, %d matches in total", total)
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
			if len(out) == 5 {
				break
			}
		}
	}
	return out
}

func TestTargetingSemantics(t *testing.T) {
	c := &Campaign{ID: "x", Creatives: []Creative{{ID: "v", Type: TypeVideo}}, Targeting: Targeting{
		Domain:   Set{In: []string{"Example.com"}},
		Category: Set{NotIn: []string{"IAB7"}},
		Country:  Set{In: []string{"usa"}},
		Daypart:  []int{20},
	}}
	ix := NewIndex([]*Campaign{c})
	build := func(domain, cat, country string, hour int) *assignment {
		a := &assignment{}
		a.addDomain(dimDomain, domain)
		a.addCategory(cat)
		a.add(dimCountry, country)
		a.vals[dimHour] = append(a.vals[dimHour], hourNames[hour])
		a.vals[dimMedia] = append(a.vals[dimMedia], TypeVideo)
		a.vals[dimDeal] = append(a.vals[dimDeal], openMarket)
		return a
	}
	cases := []struct {
		name                 string
		domain, cat, country string
		hour                 int
		want                 bool
	}{
		{"subdomain matches its parent", "www.news.EXAMPLE.com", "IAB1", "USA", 20, true},
		{"other domain", "example.org", "IAB1", "USA", 20, false},
		{"excluded parent category", "example.com", "IAB7-3", "USA", 20, false},
		{"country case-insensitive", "example.com", "", "usa", 20, true},
		{"missing required country", "example.com", "", "", 20, false},
		{"outside daypart", "example.com", "", "USA", 21, false},
	}
	for _, tc := range cases {
		got := len(ix.matchIDs(build(tc.domain, tc.cat, tc.country, tc.hour))) == 1
		if got != tc.want {
			t.Errorf("%s: matched=%v, want %v", tc.name, got, tc.want)
		}
	}
}
