package bidder

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// DemoCampaigns returns the demo campaigns `cuepoint dev` seeds: CTV and web video, mobile
// interstitial video, display banners, in the open market and in deals. cdn is the base URL of
// creative assets: <cdn>/<creative id>.mp4 for video, .png for banners.
func DemoCampaigns(cdn string) []*Campaign {
	// One progressive 720p MP4 per video creative, at cdn/<creative id>.mp4: the file cuepoint
	// dev's adserver makes for each demo creative (and registers under the same UniversalAdId).
	video := func(id string, dur int64) Creative {
		return Creative{ID: id, Type: TypeVideo, DurationSec: dur, ClickURL: "https://advertiser.example/landing?c=" + id,
			MediaFiles: []MediaFile{{URL: fmt.Sprintf("%s/%s.mp4", cdn, id), Mime: "video/mp4", W: 1280, H: 720, BitrateKbps: 2500}}}
	}
	banner := func(id string, w, h int64) Creative {
		return Creative{ID: id, Type: TypeBanner, W: w, H: h, Mime: "image/png",
			ImageURL: fmt.Sprintf("%s/%s.png", cdn, id), ClickURL: "https://advertiser.example/landing?c=" + id}
	}
	ctv := Set{In: []string{"3", "7"}} // connected TV, set-top box
	mobile := Set{In: []string{"1", "4", "5"}}
	return []*Campaign{
		{ID: "ctv-streamco-launch", Advertiser: "StreamCo", ADomain: []string{"streamco.example"}, Cat: []string{"IAB1-7"},
			BaseCPMMicros: 22_000_000, MaxCPMMicros: 35_000_000, DailyBudgetMicros: 5_000_000_000, Objective: "completion",
			FreqCap:   &FreqCap{Max: 6, WindowHours: 24},
			Targeting: Targeting{DeviceType: ctv, Country: Set{In: []string{"USA", "CAN"}}},
			Creatives: []Creative{video("streamco-15", 15), video("streamco-30", 30)}},
		{ID: "ctv-autos-premium-deal", Advertiser: "Autos Inc", ADomain: []string{"autos.example"}, Cat: []string{"IAB2"},
			BaseCPMMicros: 30_000_000, DailyBudgetMicros: 3_000_000_000, Objective: "completion",
			Deals:     []string{"deal-ctv-premium"},
			Targeting: Targeting{DeviceType: ctv},
			Creatives: []Creative{video("autos-30", 30), video("autos-15", 15)}},
		{ID: "ctv-snacks-primetime", Advertiser: "Snacks Co", ADomain: []string{"snacks.example"}, Cat: []string{"IAB8"},
			BaseCPMMicros: 18_000_000, DailyBudgetMicros: 2_000_000_000,
			Targeting: Targeting{DeviceType: ctv, Category: Set{NotIn: []string{"IAB7", "IAB11"}}},
			Creatives: []Creative{video("snacks-15", 15), video("snacks-20", 20)}},
		{ID: "web-video-travel", Advertiser: "Travel Ltd", ADomain: []string{"travel.example"}, Cat: []string{"IAB20"},
			BaseCPMMicros: 12_000_000, DailyBudgetMicros: 1_500_000_000, Objective: "completion",
			Targeting: Targeting{DeviceType: Set{In: []string{"2"}}, Domain: Set{NotIn: []string{"blocked-news.example"}}},
			Creatives: []Creative{video("travel-15", 15), video("travel-30", 30)}},
		{ID: "mobile-interstitial-game", Advertiser: "GameStudio", ADomain: []string{"gamestudio.example"}, Cat: []string{"IAB9-30"},
			Bundle:        "com.gamestudio.puzzle",
			BaseCPMMicros: 9_000_000, DailyBudgetMicros: 1_000_000_000, Objective: "completion",
			FreqCap:   &FreqCap{Max: 3, WindowHours: 24},
			Targeting: Targeting{DeviceType: mobile, OS: Set{In: []string{"ios", "android"}}, Plcmt: Set{In: []string{"3"}}},
			Creatives: []Creative{video("game-15", 15), func() Creative {
				c := banner("game-320x480", 320, 480)
				c.Interstitial = true
				return c
			}()}},
		{ID: "display-retail", Advertiser: "Retail Mart", ADomain: []string{"retailmart.example"}, Cat: []string{"IAB22"},
			BaseCPMMicros: 2_500_000, MaxCPMMicros: 6_000_000, DailyBudgetMicros: 800_000_000, Objective: "ctr",
			Creatives: []Creative{banner("retail-300x250", 300, 250), banner("retail-728x90", 728, 90), banner("retail-320x50", 320, 50)}},
		{ID: "display-finance-deal", Advertiser: "Finance Bank", ADomain: []string{"financebank.example"}, Cat: []string{"IAB13"},
			BaseCPMMicros: 8_000_000, DailyBudgetMicros: 600_000_000,
			Deals:     []string{"deal-display-finance"},
			Creatives: []Creative{banner("finance-300x250", 300, 250), banner("finance-300x600", 300, 600)}},
		{ID: "display-sports-audience", Advertiser: "SportsGear", ADomain: []string{"sportsgear.example"}, Cat: []string{"IAB17"},
			BaseCPMMicros: 5_000_000, DailyBudgetMicros: 500_000_000, Objective: "ctr",
			Targeting: Targeting{Segment: Set{In: []string{"sports-fans", "seg-sports"}}},
			Creatives: []Creative{banner("sports-300x250", 300, 250), banner("sports-320x50", 320, 50)}},
	}
}

// Seed stores the demo campaigns that are not in the store yet (an operator's edits win).
func Seed(ctx context.Context, store CampaignStore, cdn string) (added int, err error) {
	for _, c := range DemoCampaigns(cdn) {
		if _, err := store.Get(ctx, c.ID); err == nil {
			continue
		}
		if err := c.Validate(); err != nil {
			return added, fmt.Errorf("demo campaign %s: %w", c.ID, err)
		}
		if err := store.Put(ctx, c); err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}

// SyntheticCampaigns builds n campaigns shaped like a real book of business, for benchmarks and
// load tests (cuepoint bidder --synthetic-campaigns): mostly display and web video with
// scattered geo, device, domain, category and segment targeting, a share of CTV video in the
// open market and in the deal "deal-ctv-premium", some dayparts and frequency caps; base CPMs
// of 1–30 USD; unlimited budgets. The same n and seed give the same campaigns. cdn is the base
// URL of their (nonexistent) media.
func SyntheticCampaigns(n int, seed uint64, cdn string) []*Campaign {
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
			DailyBudgetMicros: 1 << 50}
		t := &c.Targeting
		kind := r.IntN(10)
		switch {
		case kind == 0: // CTV video, open market or deal
			t.DeviceType = Set{In: []string{"3", "7"}}
			c.Objective = "completion"
			for _, d := range []int64{15, 30} {
				c.Creatives = append(c.Creatives, Creative{ID: fmt.Sprintf("%s-v%d", id, d), Type: TypeVideo, DurationSec: d,
					MediaFiles: []MediaFile{{URL: cdn + "/" + id + ".mp4", Mime: "video/mp4", W: 1920, H: 1080, BitrateKbps: 4500}}})
			}
			if r.IntN(4) == 0 {
				c.Deals = []string{"deal-ctv-premium"}
			}
		case kind < 4: // web / mobile video
			t.DeviceType = Set{In: pick([]string{"1", "2", "4", "5"}, 2)}
			c.Creatives = append(c.Creatives, Creative{ID: id + "-v", Type: TypeVideo, DurationSec: []int64{6, 15, 30}[r.IntN(3)],
				MediaFiles: []MediaFile{{URL: cdn + "/" + id + ".mp4", Mime: "video/mp4", W: 1280, H: 720}}})
		default: // display
			c.Objective = "ctr"
			for range 1 + r.IntN(3) {
				s := sizes[r.IntN(len(sizes))]
				c.Creatives = append(c.Creatives, Creative{ID: fmt.Sprintf("%s-%dx%d-%d", id, s[0], s[1], len(c.Creatives)), Type: TypeBanner,
					W: s[0], H: s[1], Mime: "image/png", ImageURL: cdn + "/" + id + ".png", ClickURL: "https://advertiser.example/landing?c=" + id})
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
