package adserver_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/adserver/vast"
)

func offer(crid, domain string, cpm float64, dur int, cats ...string) auctiontest.Offer {
	return auctiontest.Offer{CrID: crid, ADomain: domain, PriceCPM: cpm, Dur: dur, Cat: cats}
}

// TestPodFromThreeBidders is the decision path end to end: three OpenRTB bidders, a 60 s
// mid-roll of at most four ads, the best-paying pod that fits with competitive separation,
// and a VAST 4.2 answer with everything SSAI needs.
func TestPodFromThreeBidders(t *testing.T) {
	b1 := auctiontest.Start(t, auctiontest.Config{Seat: "s1", Offers: []auctiontest.Offer{
		offer("cars-30", "autos.example", 30, 30, "IAB2"),
		offer("cars-15", "autos.example", 25, 15, "IAB2"), // same advertiser: at most one of them
	}})
	b2 := auctiontest.Start(t, auctiontest.Config{Seat: "s2", GzipResponses: true, Offers: []auctiontest.Offer{
		offer("snack-15", "snacks.example", 14, 15, "IAB8"),
		offer("soda-15", "soda.example", 13, 15, "IAB8"), // same category as snacks: at most one
		offer("bank-20", "bank.example", 12, 20, "IAB13"),
	}})
	b3 := auctiontest.Start(t, auctiontest.Config{Seat: "s3", Offers: []auctiontest.Offer{
		offer("trip-15", "travel.example", 11, 15, "IAB20"),
		offer("long-45", "long.example", 60, 45, "IAB1"), // longer than max=30
	}})
	e := start(t, testConfig(
		auction.Endpoint{Name: "b1", URL: b1.URL}, auction.Endpoint{Name: "b2", URL: b2.URL, GzipRequest: true}, auction.Endpoint{Name: "b3", URL: b3.URL}))
	doc := e.vast(q("dur", "60", "min", "5", "max", "30", "ps", "4", "uid", "viewer-1", "content", "movie-7",
		"ip", "203.0.113.9", "ua", "Roku/DVP-12.5", "session", "sess-1", "pos", "mid"))

	// Best pod: cars-30 (30) + snack-15 (14) + trip-15 (11) = $55 in 60 s, beating
	// cars-15 + snack + bank + ... (cars-15 and cars-30 exclude each other; snack and soda too).
	got := crids(doc)
	if want := []string{"cars-30", "snack-15", "trip-15"}; !slices.Equal(got, want) {
		t.Fatalf("pod = %v, want %v", got, want)
	}
	seen := map[string]bool{}
	for i, ad := range doc.Ads {
		in := ad.InLine
		if ad.Sequence != i+1 {
			t.Errorf("ad %d: sequence %d", i, ad.Sequence)
		}
		if in.AdServingID == "" || seen[in.AdServingID] {
			t.Errorf("ad %d: AdServingId %q is not distinct", i, in.AdServingID)
		}
		seen[in.AdServingID] = true
		cr := in.Creatives[0]
		if len(cr.UniversalAdIDs) == 0 || cr.UniversalAdIDs[0].Value != cr.ID {
			t.Errorf("ad %d: UniversalAdId %+v", i, cr.UniversalAdIDs)
		}
		if ours(e.base, impURLs(in)) == "" || ours(e.base, in.Errors) == "" || !strings.Contains(ours(e.base, in.Errors), "code=%5BERRORCODE%5D") {
			t.Errorf("ad %d: impression/error beacons missing: %+v %+v", i, in.Impressions, in.Errors)
		}
		lin := cr.Linear
		events := map[string]bool{}
		for _, tr := range lin.Tracking {
			if strings.HasPrefix(tr.URL, e.base) {
				events[tr.Event] = true
			}
		}
		for _, ev := range []string{"start", "firstQuartile", "midpoint", "thirdQuartile", "complete", "pause", "resume"} {
			if !events[ev] {
				t.Errorf("ad %d: no %s beacon", i, ev)
			}
		}
		if events["skip"] {
			t.Errorf("ad %d: a skip beacon on a non-skippable ad", i)
		}
		if lin.ClickThrough == "" || ours(e.base, lin.ClickTracking) == "" {
			t.Errorf("ad %d: clicks %q %v", i, lin.ClickThrough, lin.ClickTracking)
		}
		var hls, mp4 int
		for _, m := range lin.MediaFiles {
			switch m.Type {
			case "application/x-mpegURL":
				hls++
			case "video/mp4":
				mp4++
			}
		}
		if hls < 2 || mp4 != 1 || len(lin.Mezzanines) != 1 {
			t.Errorf("ad %d: media files %+v, mezzanines %+v", i, lin.MediaFiles, lin.Mezzanines)
		}
		// The bidder's own trackers are passed on (no sst).
		if len(in.Impressions) < 2 || len(lin.Tracking) < 12 {
			t.Errorf("ad %d: third-party trackers missing", i)
		}
	}
	// The bid request carried the pod and the viewer.
	br := b1.LastRequest()
	v := br.Imp[0].Video
	if v.PodDur != 60 || v.MaxSeq != 4 || v.MinDuration != 5 || v.MaxDuration != 30 || v.PodID == "" ||
		br.Device.IP != "203.0.113.9" || br.Device.DeviceType != 3 || br.User.ID != "viewer-1" || br.App.Content.ID != "movie-7" || br.TMax <= 0 {
		t.Errorf("bid request: %+v %+v", v, br)
	}
	if b2.GzippedRequests() != 1 {
		t.Errorf("b2 got %d gzipped requests", b2.GzippedRequests())
	}
	// Notices: a win for each winner, with the clearing price; losses for the others.
	wins := append(append(b1.WaitNotices("win", 1, 5*time.Second), b2.WaitNotices("win", 1, 5*time.Second)...), b3.WaitNotices("win", 1, 5*time.Second)...)
	if len(wins) != 3 {
		t.Fatalf("win notices: %+v", wins)
	}
	for _, w := range wins {
		if p := w.Query.Get("price"); p == "" || strings.Contains(p, "AUCTION") {
			t.Errorf("win notice without a price: %v", w.Query)
		}
	}
	losses := append(b1.WaitNotices("loss", 1, 5*time.Second), b2.WaitNotices("loss", 2, 5*time.Second)...)
	losses = append(losses, b3.WaitNotices("loss", 1, 5*time.Second)...)
	reasons := map[string]string{}
	for _, l := range losses {
		reasons[l.Query.Get("crid")] = l.Query.Get("reason")
	}
	if reasons["cars-15"] != "102" || reasons["soda-15"] != "102" || reasons["bank-20"] != "102" || reasons["long-45"] != "204" {
		t.Errorf("loss reasons: %v", reasons)
	}
	if ds := e.rec.decisions(); len(ds) != 1 || ds[0].FilledMS != 60000 || ds[0].Bids != 7 || ds[0].Validate() != nil {
		t.Errorf("decision event: %+v", ds)
	}
}

func impURLs(in *vast.InLine) []string {
	var out []string
	for _, i := range in.Impressions {
		out = append(out, i.URL)
	}
	return out
}

// TestSecondPriceAndFloors: each winner pays the best losing price per second for its length
// (or its floor), plus a cent, never more than it bid; bids under the floor lose (reason 100).
func TestSecondPriceAndFloors(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{
		offer("a-30", "a.example", 30, 30), // wins: 30 s × best loser's $0.5/s = $15 + 0.01
		offer("b-30", "b.example", 15, 30), // loses: 0.5 $/s
		offer("c-30", "c.example", 0.5, 30),
	}})
	cfg := testConfig(auction.Endpoint{Name: "b", URL: b.URL})
	cfg.FloorCPM = 2
	e := start(t, cfg)
	doc := e.vast(q("dur", "30", "ps", "1"))
	if got := crids(doc); !slices.Equal(got, []string{"a-30"}) {
		t.Fatalf("pod %v", got)
	}
	wins := b.WaitNotices("win", 1, 5*time.Second)
	if len(wins) != 1 || wins[0].Query.Get("price") != "15.01" {
		t.Fatalf("win notice %+v, want price 15.01", wins)
	}
	losses := b.WaitNotices("loss", 2, 5*time.Second)
	reasons := map[string]string{}
	for _, l := range losses {
		reasons[l.Query.Get("crid")] = l.Query.Get("reason")
	}
	if reasons["b-30"] != "102" || reasons["c-30"] != "100" {
		t.Errorf("loss reasons %v", reasons)
	}

	// First price: the winner pays its bid.
	cfg.AuctionType = 1
	e1 := start(t, cfg)
	e1.vast(q("dur", "30", "ps", "1"))
	if wins := b.WaitNotices("win", 2, 5*time.Second); len(wins) != 2 || wins[1].Query.Get("price") != "30" {
		t.Fatalf("first price win notices %+v", wins)
	}
}

// TestUnconditionedAdsAreLeftOut: an ad whose media is not conditioned yet is not in the pod;
// its error URL gets 407 (mezzanine being processed), its loss notice 201, and the next best
// ad takes its place.
func TestUnconditionedAdsAreLeftOut(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{
		offer("fresh-30", "fresh.example", 50, 30),
		offer("ready-30", "ready.example", 20, 30),
	}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	e.cat.pending["fresh-30"] = true
	doc := e.vast(q("dur", "30"))
	if got := crids(doc); !slices.Equal(got, []string{"ready-30"}) {
		t.Fatalf("pod %v", got)
	}
	errs := b.WaitNotices("error", 1, 5*time.Second)
	if len(errs) != 1 || errs[0].Query.Get("code") != "407" {
		t.Fatalf("error notices %+v", errs)
	}
	if l := b.WaitNotices("loss", 1, 5*time.Second); len(l) != 1 || l[0].Query.Get("reason") != "201" || l[0].Query.Get("crid") != "fresh-30" {
		t.Fatalf("loss notices %+v", l)
	}
	asked := false
	for _, r := range e.cat.asked {
		asked = asked || r.UniversalAdID.Value == "fresh-30" && r.Mezzanine.URL != "" && r.Duration == 30*time.Second
	}
	if !asked {
		t.Fatal("the catalog was not asked for the unconditioned creative")
	}
}

// TestEmptyAndBadRequests: nothing to play is the empty VAST; bad parameters are 400 with the
// reason.
func TestEmptyAndBadRequests(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	code, body := e.get("/vast?dur=30")
	if code != 200 || !strings.Contains(string(body), `<VAST xmlns="http://www.iab.com/VAST" version="4.2"/>`) {
		t.Fatalf("empty answer: %d %s", code, body)
	}
	e.docs["empty"] = body
	for query, want := range map[string]string{
		"":                     "dur: required",
		"dur=abc":              "dur: \"abc\" is not a number",
		"dur=0":                "dur: 0s is outside",
		"dur=30&min=20&max=10": "min: min 20s is above max 10s",
		"dur=30&ps=0":          "ps: \"0\": want 1..10",
		"dur=30&pos=middle":    "pos: \"middle\"",
		"dur=30&ip=1.2.3":      "ip: \"1.2.3\" is not an IP address",
		"dur=30&uid=a%20b":     "uid: \"a b\"",
		"dur=30&durs=15,x":     "durs: \"x\"",
		"dur=30&sst=yes":       "sst: \"yes\"",
		"dur=30&session=" + strings.Repeat("s", 200): "session: longer than 128",
	} {
		code, body := e.get("/vast?" + query)
		if code != 400 || !strings.Contains(string(body), want) {
			t.Errorf("/vast?%s: %d %q, want 400 containing %q", query, code, body, want)
		}
	}
}

// TestLineItemsFillWhatTheAuctionLeft: direct line items by CPM after the auction, then house
// ads, keeping separation.
func TestLineItemsFillWhatTheAuctionLeft(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{offer("auc-30", "a.example", 20, 30)}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	e.cat.addLineItem(&catalog.LineItem{ID: "li-direct", Name: "Direct", Kind: catalog.KindDirect, CPMMicros: 9_000_000, ADomain: "d.example", CreativeID: "cr-direct"}, 15*time.Second)
	e.cat.addLineItem(&catalog.LineItem{ID: "li-direct-a", Name: "Same advertiser", Kind: catalog.KindDirect, CPMMicros: 50_000_000, ADomain: "a.example", CreativeID: "cr-a"}, 15*time.Second)
	e.cat.addLineItem(&catalog.LineItem{ID: "li-house", Name: "Promo", Kind: catalog.KindHouse, ADomain: "cuepoint.example", CreativeID: "cr-house"}, 15*time.Second)
	e.cat.addLineItem(&catalog.LineItem{ID: "li-paused", Name: "Paused", Kind: catalog.KindDirect, CPMMicros: 90_000_000, ADomain: "p.example", CreativeID: "cr-p", Paused: true}, 15*time.Second)
	doc := e.vast(q("dur", "60", "ps", "4"))
	if got := crids(doc); !slices.Equal(got, []string{"auc-30", "cr-direct", "cr-house"}) {
		t.Fatalf("pod %v", got)
	}
}

// TestRequiredDurations: with durs, only ads of those lengths are taken.
func TestRequiredDurations(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{
		offer("x-20", "x.example", 40, 20), offer("y-15", "y.example", 10, 15), offer("z-15", "z.example", 9, 15),
	}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	doc := e.vast(q("dur", "30", "durs", "15,30"))
	if got := crids(doc); !slices.Equal(got, []string{"y-15", "z-15"}) {
		t.Fatalf("pod %v", got)
	}
	if v := b.LastRequest().Imp[0].Video; !slices.Equal(v.RqdDurs, []int64{15, 30}) {
		t.Fatalf("rqddurs %v", v.RqdDurs)
	}
}

// TestBidWithoutDurIsMeasuredFromItsMarkup: a bid without dur is resolved before fitting.
func TestBidWithoutDurIsMeasuredFromItsMarkup(t *testing.T) {
	o := offer("nodur-20", "n.example", 30, 20)
	o.NoDur = true
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{o, offer("k-15", "k.example", 10, 15)}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	doc := e.vast(q("dur", "35"))
	if got := crids(doc); !slices.Equal(got, []string{"nodur-20", "k-15"}) {
		t.Fatalf("pod %v", got)
	}
	if d := doc.Ads[0].InLine.Creatives[0].Linear.Duration; d != 20*time.Second {
		t.Fatalf("duration %v", d)
	}
}
