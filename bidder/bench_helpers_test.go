package bidder

import (
	"fmt"
	"math/rand/v2"
)

// benchCampaigns builds n campaigns shaped like a real book of business: mostly display and
// web video with scattered geo, device, domain, category and segment targeting, a share of CTV
// video in the open market and in deals, some daypart and frequency caps. About one in ten
// is eligible for the CTV pod fixture.
func benchCampaigns(n int, seed uint64) []*Campaign {
	r := rand.New(rand.NewPCG(seed, seed^0x9e37))
	countries := []string{"USA", "CAN", "GBR", "DEU", "FRA", "ESP", "ITA", "BRA", "MEX", "JPN", "AUS", "IND"}
	regions := []string{"CA", "NY", "TX", "FL", "WA", "IL", "ON", "BY"}
	oses := []string{"iOS", "Android", "Roku", "tvOS", "Tizen", "webOS", "Windows", "macOS"}
	cats := []string{"IAB1", "IAB2", "IAB3", "IAB8", "IAB9", "IAB12", "IAB17", "IAB19", "IAB20", "IAB22"}
	sizes := [][2]int64{{300, 250}, {728, 90}, {320, 50}, {300, 600}, {160, 600}, {970, 250}}
	pick := func(vs []string, k int) []string {
		var out []string
		for range k {
			out = appendUnique(out, vs[r.IntN(len(vs))])
		}
		return out
	}
	out := make([]*Campaign, 0, n)
	for i := range n {
		id := fmt.Sprintf("bench-%05d", i)
		c := &Campaign{ID: id, Advertiser: "Adv " + id, ADomain: []string{fmt.Sprintf("adv%d.example", i%2000)},
			Cat: []string{cats[r.IntN(len(cats))]}, BaseCPMMicros: int64(1+r.IntN(30)) * 1_000_000,
			DailyBudgetMicros: 1 << 40}
		t := &c.Targeting
		kind := r.IntN(10)
		switch {
		case kind == 0: // CTV video, open market or deal
			t.DeviceType = Set{In: []string{"3", "7"}}
			c.Objective = "completion"
			for _, d := range []int64{15, 30} {
				c.Creatives = append(c.Creatives, Creative{ID: fmt.Sprintf("%s-v%d", id, d), Type: TypeVideo, DurationSec: d,
					MediaFiles: []MediaFile{{URL: "https://cdn.test/" + id + ".mp4", Mime: "video/mp4", W: 1920, H: 1080, BitrateKbps: 4500}}})
			}
			if r.IntN(4) == 0 {
				c.Deals = []string{"deal-ctv-premium"}
			}
		case kind < 4: // web / mobile video
			t.DeviceType = Set{In: pick([]string{"1", "2", "4", "5"}, 2)}
			c.Creatives = append(c.Creatives, Creative{ID: id + "-v", Type: TypeVideo, DurationSec: []int64{6, 15, 30}[r.IntN(3)],
				MediaFiles: []MediaFile{{URL: "https://cdn.test/" + id + ".mp4", Mime: "video/mp4", W: 1280, H: 720}}})
		default: // display
			c.Objective = "ctr"
			for range 1 + r.IntN(3) {
				s := sizes[r.IntN(len(sizes))]
				c.Creatives = append(c.Creatives, Creative{ID: fmt.Sprintf("%s-%dx%d-%d", id, s[0], s[1], len(c.Creatives)), Type: TypeBanner,
					W: s[0], H: s[1], Mime: "image/png", ImageURL: "https://cdn.test/b.png", ClickURL: "https://adv.test/"})
			}
		}
		if r.IntN(2) == 0 {
			t.Country = Set{In: pick(countries[:4], 1+r.IntN(2))}
		}
		if r.IntN(8) == 0 {
			t.Region = Set{In: pick(regions, 2)}
		}
		if r.IntN(5) == 0 {
			t.OS = Set{In: pick(oses, 2)}
		}
		if r.IntN(6) == 0 {
			t.Category = Set{In: pick(cats, 2)}
		} else if r.IntN(4) == 0 {
			t.Category = Set{NotIn: pick(cats, 2)}
		}
		if r.IntN(10) == 0 {
			t.Domain = Set{NotIn: []string{fmt.Sprintf("site%d.example", r.IntN(500))}}
		}
		if r.IntN(10) == 0 {
			t.Segment = Set{In: []string{[]string{"sports-fans", "drama-bingers", "auto-intenders", "travelers"}[r.IntN(4)]}}
		}
		if r.IntN(10) == 0 {
			for h := 17; h < 23; h++ {
				for d := range 7 {
					t.Daypart = append(t.Daypart, d*24+h)
				}
			}
		}
		if r.IntN(8) == 0 {
			c.FreqCap = &FreqCap{Max: 3 + r.IntN(5), WindowHours: 24}
		}
		out = append(out, c)
	}
	return out
}
