package bidder

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prebid/openrtb/v20/openrtb2"
	"github.com/valyala/fasthttp"
)

// call runs one bid request through HandleBid without a network.
func call(t testing.TB, b *Bidder, body string) (int, *openrtb2.BidResponse, string) {
	t.Helper()
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, nil, nil)
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI("/openrtb2/bid")
	ctx.Request.SetBodyString(body)
	b.HandleBid(&ctx)
	code := ctx.Response.StatusCode()
	if code != 200 {
		return code, nil, string(ctx.Response.Body())
	}
	var r openrtb2.BidResponse
	if err := json.Unmarshal(ctx.Response.Body(), &r); err != nil {
		t.Fatalf("response: %v\n%s", err, ctx.Response.Body())
	}
	return code, &r, ""
}

func videoCampaign(id string, cpm int64, durs ...int64) *Campaign {
	c := &Campaign{ID: id, Advertiser: id, ADomain: []string{id + ".example"}, BaseCPMMicros: cpm,
		DailyBudgetMicros: 1_000_000_000}
	for _, d := range durs {
		c.Creatives = append(c.Creatives, Creative{ID: fmt.Sprintf("%s-%d", id, d), Type: TypeVideo, DurationSec: d,
			MediaFiles: []MediaFile{{URL: "https://cdn.test/" + id + ".mp4", Mime: "video/mp4", W: 1280, H: 720}}})
	}
	return c
}

func bannerCampaign(id string, cpm int64) *Campaign {
	return &Campaign{ID: id, Advertiser: id, ADomain: []string{id + ".example"}, BaseCPMMicros: cpm,
		DailyBudgetMicros: 1_000_000_000, Creatives: []Creative{{ID: id + "-b", Type: TypeBanner, W: 300, H: 250,
			Mime: "image/png", ImageURL: "https://cdn.test/b.png", ClickURL: "https://adv.test/"}}}
}

func bannerReq(extra string) string {
	return `{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250}` + extra + `}]` + `}`
}

func bidsOf(r *openrtb2.BidResponse) []openrtb2.Bid {
	if r == nil {
		return nil
	}
	return allBids(r)
}

func TestBlockLists(t *testing.T) {
	a := bannerCampaign("alpha", 2_000_000)
	a.ADomain, a.Cat, a.Bundle = []string{"shop.alpha.example"}, []string{"IAB7-3"}, "com.alpha.app"
	a.Creatives[0].Attr = []int64{6}
	b := newTestBidder(t, testConfig(), Deps{}, a)
	cases := []struct {
		name, req string
		bid       bool
	}{
		{"no blocks", bannerReq(""), true},
		{"badv parent domain", `{"id":"r","badv":["alpha.example"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`, false},
		{"badv other", `{"id":"r","badv":["beta.example"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`, true},
		{"bcat parent category", `{"id":"r","bcat":["IAB7"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`, false},
		{"bcat sibling", `{"id":"r","bcat":["IAB7-4"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`, true},
		{"bapp", `{"id":"r","bapp":["com.alpha.app"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`, false},
		{"battr", bannerReq(`,"banner":{"w":300,"h":250,"battr":[6]}`), false},
		{"size mismatch", `{"id":"r","imp":[{"id":"1","banner":{"format":[{"w":728,"h":90}]}}]}`, false},
		{"bseat", `{"id":"r","bseat":["cuepoint"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`, false},
	}
	for _, tc := range cases {
		code, r, body := call(t, b, tc.req)
		if got := code == 200 && len(bidsOf(r)) > 0; got != tc.bid {
			t.Errorf("%s: bid=%v (status %d %s), want %v", tc.name, got, code, body, tc.bid)
		}
	}
}

func TestFloorsAndAuctionTypes(t *testing.T) {
	b := newTestBidder(t, testConfig(), Deps{}, bannerCampaign("alpha", 4_000_000))
	price := func(req string) float64 {
		t.Helper()
		code, r, body := call(t, b, req)
		if code != 200 {
			t.Fatalf("%s: status %d %s", req, code, body)
		}
		return bidsOf(r)[0].Price
	}
	// Second price bids the value.
	if p := price(`{"id":"r","at":2,"imp":[{"id":"1","banner":{"w":300,"h":250},"bidfloor":1}]}`); p != 4 {
		t.Errorf("at=2 bid %g, want the value 4", p)
	}
	// First price shades, never under the floor nor over the value.
	p1 := price(`{"id":"r","at":1,"imp":[{"id":"1","banner":{"w":300,"h":250},"bidfloor":1}]}`)
	if p1 >= 4 || p1 < 1 {
		t.Errorf("at=1 bid %g, want shaded within [1, 4)", p1)
	}
	if p := price(`{"id":"r","at":1,"imp":[{"id":"1","banner":{"w":300,"h":250},"bidfloor":3.9}]}`); p < 3.9 || p > 4 {
		t.Errorf("at=1 with floor 3.9: bid %g, want within [3.9, 4]", p)
	}
	// Floors above the value: no bid, in USD and converted from EUR (1.1 USD).
	for _, req := range []string{
		`{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"bidfloor":4.01}]}`,
		`{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"bidfloor":3.7,"bidfloorcur":"EUR"}]}`,
		`{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"bidfloor":1,"bidfloorcur":"XYZ"}]}`,
		`{"id":"r","cur":["JPY"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`,
	} {
		if code, _, _ := call(t, b, req); code != 204 {
			t.Errorf("%s: status %d, want 204", req, code)
		}
	}
	// Response in EUR converts the bid.
	if p := price(`{"id":"r","at":2,"cur":["EUR"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`); p < 3.63 || p > 3.64 {
		t.Errorf("EUR bid %g, want 4/1.1", p)
	}
}

func TestDealsAlongsideOpenMarket(t *testing.T) {
	open := bannerCampaign("open", 3_000_000)
	deal := bannerCampaign("deal", 6_000_000)
	deal.Deals = []string{"D1"}
	b := newTestBidder(t, testConfig(), Deps{}, open, deal)
	code, r, _ := call(t, b, `{"id":"r","at":2,"imp":[{"id":"1","banner":{"w":300,"h":250},"pmp":{"deals":[{"id":"D1","bidfloor":5}]}}]}`)
	if code != 200 || len(bidsOf(r)) != 2 {
		t.Fatalf("want an open and a deal bid, got %d %+v", code, r)
	}
	for _, bd := range bidsOf(r) {
		if (bd.CID == "deal") != (bd.DealID == "D1") {
			t.Errorf("bid %+v: the deal campaign bids with its deal id, the open one without", bd)
		}
	}
	// A private auction takes deal bids only; a deal whose wseat excludes us takes none.
	_, r, _ = call(t, b, `{"id":"r","at":2,"imp":[{"id":"1","banner":{"w":300,"h":250},"pmp":{"private_auction":1,"deals":[{"id":"D1"}]}}]}`)
	if bs := bidsOf(r); len(bs) != 1 || bs[0].DealID != "D1" {
		t.Errorf("private auction: %+v", bs)
	}
	code, _, _ = call(t, b, `{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"pmp":{"private_auction":1,"deals":[{"id":"D1","wseat":["other"]}]}}]}`)
	if code != 204 {
		t.Errorf("deal for another seat: %d, want 204", code)
	}
	// Fixed-price deal (at=3) bids the deal floor.
	_, r, _ = call(t, b, `{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"pmp":{"private_auction":1,"deals":[{"id":"D1","at":3,"bidfloor":5.5}]}}]}`)
	if bs := bidsOf(r); len(bs) != 1 || bs[0].Price != 5.5 {
		t.Errorf("fixed price deal: %+v", bs)
	}
}

func TestVideoFit(t *testing.T) {
	b := newTestBidder(t, testConfig(), Deps{}, videoCampaign("v", 10_000_000, 30))
	for _, tc := range []struct {
		video string
		bid   bool
	}{
		{`{"mimes":["video/mp4"],"maxduration":30,"protocols":[7]}`, true},
		{`{"mimes":["video/webm"],"maxduration":30}`, false},
		{`{"mimes":["video/mp4"],"maxduration":15}`, false},
		{`{"mimes":["video/mp4"],"rqddurs":[15,20]}`, false},
		{`{"mimes":["video/mp4"],"rqddurs":[30]}`, true},
		{`{"mimes":["video/mp4"],"protocols":[2,3]}`, false},
		{`{"mimes":["video/mp4"],"mincpmpersec":0.4}`, false},
		{`{"mimes":["video/mp4"],"mincpmpersec":0.3}`, true},
	} {
		code, _, _ := call(t, b, `{"id":"r","at":2,"imp":[{"id":"1","video":`+tc.video+`}]}`)
		if (code == 200) != tc.bid {
			t.Errorf("video %s: status %d, want bid=%v", tc.video, code, tc.bid)
		}
	}
}

func TestBadRequests(t *testing.T) {
	b := newTestBidder(t, testConfig(), Deps{}, bannerCampaign("a", 1_000_000))
	for _, req := range []string{
		``, `[]`, `{"id":""}`, `{"id":"x","imp":[{"id":"1","banner":{}},{"id":"1","banner":{}}]}`,
		`{"id":"x","imp":[{"id":"1","banner":{},"bidfloor":-1}]}`,
		`{"id":"x","imp":[{"id":"1","video":{"minduration":30,"maxduration":10}}]}`,
		`{"id":"x","imp":[{"id":"1","banner":{}}],"regs":{"ext":"nope"}}`,
		`{"id":"x","site":{},"app":{},"imp":[{"id":"1","banner":{}}]}`,
	} {
		code, _, body := call(t, b, req)
		if code != 400 || !strings.HasPrefix(body, "invalid bid request") {
			t.Errorf("%q: %d %q, want 400 naming the problem", req, code, body)
		}
	}
}

func TestDeadline(t *testing.T) {
	b := newTestBidder(t, testConfig(), Deps{}, bannerCampaign("a", 1_000_000))
	b.slack = 0
	// tmax 10 ms minus the 15 ms network allowance leaves nothing: an immediate 204.
	if code, _, _ := call(t, b, `{"id":"r","tmax":10,"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`); code != 204 {
		t.Errorf("tmax below the allowance: %d, want 204", code)
	}
	if code, _, _ := call(t, b, `{"id":"r","tmax":500,"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`); code != 200 {
		t.Errorf("ample tmax: %d, want 200", code)
	}
	// Overload: with every in-flight slot taken, requests are shed before any work.
	b.admission.inflight.Store(b.admission.limit.Load())
	if code, _, _ := call(t, b, bannerReq("")); code != 204 {
		t.Errorf("overloaded: %d, want 204", code)
	}
	b.admission.inflight.Store(0)
	if got := b.nobidCounter(reasonOverload).Get(); got == 0 {
		t.Error("overload not counted")
	}
	_ = time.Now
}

// TestEarlyStopMatchesExhaustiveScan: the auction's early stop (campaigns visited in
// decreasing value bound) chooses exactly what pricing every candidate chooses.
func TestEarlyStopMatchesExhaustiveScan(t *testing.T) {
	cs := benchCampaigns(3000, 7)
	fast := newTestBidder(t, testConfig(), Deps{}, cs...)
	slow := newTestBidder(t, testConfig(), Deps{}, cs...)
	slow.exhaustive = true
	reqs := []string{
		string(readFixture(t, "ctv_pod.json")),
		webVideoReq, interstitialReq, bannerDealReq,
		`{"id":"r","at":1,"imp":[{"id":"1","banner":{"format":[{"w":300,"h":250},{"w":728,"h":90}]},"bidfloor":3}],"site":{"domain":"x.example","cat":["IAB2"]},"device":{"devicetype":2,"geo":{"country":"USA"}}}`,
		`{"id":"r","at":2,"imp":[{"id":"1","video":{"mimes":["video/mp4"],"maxduration":30},"bidfloor":12}],"app":{"bundle":"a.b"},"device":{"devicetype":3,"os":"Roku","geo":{"country":"CAN"}}}`,
	}
	for i, req := range reqs {
		_, a, _ := call(t, fast, req)
		_, b, _ := call(t, slow, req)
		key := func(r *openrtb2.BidResponse) []string {
			var out []string
			for _, bd := range bidsOf(r) {
				out = append(out, fmt.Sprintf("%s/%s/%s/%s", bd.ImpID, bd.CID, bd.CrID, bd.DealID))
			}
			return out
		}
		if ka, kb := key(a), key(b); strings.Join(ka, " ") != strings.Join(kb, " ") {
			t.Errorf("request %d: early stop chose %v, exhaustive scan %v", i, ka, kb)
		}
	}
}

// slowFeatures ignores its deadline, as a misbehaving dependency might.
type slowFeatures struct{ MemoryViewers }

func (s *slowFeatures) Viewer(ctx context.Context, id string, dst *ViewerFeatures) error {
	time.Sleep(40 * time.Millisecond)
	return nil
}

// TestDeadlineOverrunReleasesBudget: a decision that finishes after the deadline is answered
// with 204, and the budget its bids reserved is released.
func TestDeadlineOverrunReleasesBudget(t *testing.T) {
	sf := &slowFeatures{MemoryViewers: *NewMemoryViewers()}
	b := newTestBidder(t, testConfig(), Deps{Features: sf, Counters: sf}, bannerCampaign("late", 2_000_000))
	b.slack = 0
	code, _, _ := call(t, b, `{"id":"r","tmax":40,"user":{"id":"v"},"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`)
	if code != 204 {
		t.Fatalf("overrun decision: %d, want 204", code)
	}
	if got := b.pacer.Committed("late"); got != 0 {
		t.Errorf("an unsent bid still holds %d micros of budget", got)
	}
}

// TestDaypartInViewerTime: a prime-time campaign bids at 20:00 in the viewer's zone
// (device.geo.utcoffset), not at 20:00 UTC.
func TestDaypartInViewerTime(t *testing.T) {
	c := bannerCampaign("prime", 2_000_000)
	for d := range 7 {
		c.Targeting.Daypart = append(c.Targeting.Daypart, d*24+20) // 20:00–21:00 every day
	}
	clock := time.Date(2026, 11, 23, 4, 30, 0, 0, time.UTC) // a Monday, 04:30 UTC
	b := newTestBidder(t, testConfig(), Deps{Now: func() time.Time { return clock }}, c)
	req := func(offset int) string {
		return fmt.Sprintf(`{"id":"r","device":{"geo":{"utcoffset":%d}},"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`, offset)
	}
	if code, _, _ := call(t, b, req(-480)); code != 200 { // 20:30 the previous evening in UTC−8
		t.Errorf("20:30 local: %d, want a bid", code)
	}
	if code, _, _ := call(t, b, req(0)); code != 204 { // 04:30 UTC
		t.Errorf("04:30 local: %d, want no bid", code)
	}
}

// TestPricedOutStopsAtTheFloor: a floor above every campaign's value is a 204 counted as
// below_floor, the scan stopping at the first campaign that cannot reach it; a floor some
// campaigns reach still gets their bids, and a deal with a lower floor than the imp's still bids.
func TestPricedOutStopsAtTheFloor(t *testing.T) {
	cs := benchCampaigns(2000, 3)
	b := newTestBidder(t, testConfig(), Deps{}, cs...)
	before := b.nobidCounter(reasonFloor).Get()
	req := func(floor int, pmp string) string {
		return fmt.Sprintf(`{"id":"r","at":1,"imp":[{"id":"1","video":{"mimes":["video/mp4"],"maxduration":30},"bidfloor":%d%s}],"app":{"bundle":"a.b"},"device":{"devicetype":3,"geo":{"country":"USA"}}}`, floor, pmp)
	}
	if code, _, _ := call(t, b, req(900, "")); code != 204 {
		t.Fatalf("floor $900: %d, want 204", code)
	}
	if got := b.nobidCounter(reasonFloor).Get() - before; got != 1 {
		t.Errorf("below_floor no-bids: %v, want 1", got)
	}
	if code, _, _ := call(t, b, req(20, "")); code != 200 {
		t.Errorf("floor $20: %d, want a bid", code)
	}
	if code, resp, _ := call(t, b, req(900, `,"pmp":{"deals":[{"id":"deal-ctv-premium","bidfloor":5}]}`)); code != 200 || bidsOf(resp)[0].DealID != "deal-ctv-premium" {
		t.Errorf("deal at $5 under an imp floor of $900: %d, want a deal bid", code)
	}
}
