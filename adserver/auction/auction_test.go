package auction_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/prebid/openrtb/v20/openrtb2"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
)

func yes() *bool { t := true; return &t }

func sampleRequest() *auction.Request {
	return &auction.Request{
		ID: "auc-1", TMax: 60 * time.Millisecond, AT: 2, Currency: "USD",
		Pod: auction.Pod{ID: "brk-1", Seq: 0, Duration: 60 * time.Second, MaxAds: 4, MinAd: 5 * time.Second,
			MaxAd: 30 * time.Second, MinCPMPerSec: 0.5, FloorCPM: 2.5, StartDelay: -1, W: 1920, H: 1080},
		Deals:   []auction.Deal{{ID: "deal-1", FloorCPM: 20, Seats: []string{"seat-1"}}},
		Supply:  auction.Supply{App: true, ID: "app-1", Name: "Cuepoint TV", Bundle: "tv.cuepoint", PublisherID: "pub-1", ContentID: "movie-\"42\"", ContentLive: true},
		Device:  auction.Device{UA: "Roku/DVP-12.5", IP: "203.0.113.7", DeviceType: 3},
		User:    auction.User{ID: "viewer-1", Consent: "CP-consent"},
		Regs:    auction.Regs{GDPR: yes(), USPrivacy: "1YNN"},
		SChain:  &auction.SupplyNode{ASI: "cuepoint.example", SID: "pub-1"},
		BAdv:    []string{"blocked.example"},
		TraceID: "tid-1",
	}
}

func TestRequestJSONDecodesAsOpenRTB26(t *testing.T) {
	raw := sampleRequest().AppendJSON(nil)
	var br openrtb2.BidRequest
	if err := json.Unmarshal(raw, &br); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	v := br.Imp[0].Video
	switch {
	case br.ID != "auc-1" || br.TMax != 60 || br.AT != 2 || br.Cur[0] != "USD":
		t.Errorf("request header: %s", raw)
	case v.PodID != "brk-1" || v.PodDur != 60 || v.MaxSeq != 4 || v.MinDuration != 5 || v.MaxDuration != 30 || v.MinCPMPerSec != 0.5:
		t.Errorf("pod: %+v", v)
	case v.StartDelay == nil || *v.StartDelay != -1 || v.Plcmt != 1 || len(v.Protocols) == 0 || v.W == nil || *v.W != 1920:
		t.Errorf("video: %+v", v)
	case br.Imp[0].BidFloor != 2.5 || br.Imp[0].PMP.Deals[0].ID != "deal-1" || br.Imp[0].PMP.Deals[0].BidFloor != 20:
		t.Errorf("floors and deals: %+v", br.Imp[0])
	case br.App == nil || br.App.Bundle != "tv.cuepoint" || br.App.Content.ID != `movie-"42"` || br.App.Publisher.ID != "pub-1":
		t.Errorf("app: %s", raw)
	case br.Device.IP != "203.0.113.7" || br.Device.DeviceType != 3 || br.Device.UA != "Roku/DVP-12.5":
		t.Errorf("device: %+v", br.Device)
	case br.User.ID != "viewer-1" || br.User.Consent != "CP-consent":
		t.Errorf("user: %+v", br.User)
	case br.Regs == nil || br.Regs.GDPR == nil || *br.Regs.GDPR != 1 || br.Regs.USPrivacy != "1YNN":
		t.Errorf("regs: %+v", br.Regs)
	case br.Source.TID != "tid-1" || br.Source.SChain == nil || br.Source.SChain.Nodes[0].ASI != "cuepoint.example":
		t.Errorf("source: %+v", br.Source)
	case len(br.BAdv) != 1:
		t.Errorf("badv: %v", br.BAdv)
	}
	if strings.Contains(string(raw), `\u003c`) {
		t.Error("HTML escaping in the request")
	}

	req := sampleRequest()
	req.Pod.RequiredDurations = []int{15, 30}
	req.Device.IP = "2001:db8::1"
	var br2 openrtb2.BidRequest
	if err := json.Unmarshal(req.AppendJSON(nil), &br2); err != nil {
		t.Fatal(err)
	}
	if v := br2.Imp[0].Video; len(v.RqdDurs) != 2 || v.MinDuration != 0 || br2.Device.IPv6 != "2001:db8::1" || br2.Device.IP != "" {
		t.Errorf("rqddurs/ipv6: %+v %+v", v, br2.Device)
	}
}

func TestParseResponseValidatesBids(t *testing.T) {
	req := sampleRequest()
	body := `{"id":"auc-1","cur":"USD","seatbid":[{"seat":"s","bid":[
	 {"id":"ok","impid":"1","price":12.5,"adm":"<VAST/>","crid":"c1","adomain":["a.example"],"dur":15,"mtype":2},
	 {"id":"nurl","impid":"1","price":3,"nurl":"https://x/win","crid":"c2"},
	 {"id":"badimp","impid":"9","price":3,"adm":"x","crid":"c3"},
	 {"id":"free","impid":"1","price":0,"adm":"x","crid":"c4"},
	 {"id":"nomarkup","impid":"1","price":3,"crid":"c5"},
	 {"id":"nocrid","impid":"1","price":3,"adm":"x"},
	 {"id":"banner","impid":"1","price":3,"adm":"x","crid":"c6","mtype":1},
	 {"id":"deal","impid":"1","price":30,"adm":"x","crid":"c7","dealid":"nope"},
	 {"id":"blocked","impid":"1","price":30,"adm":"x","crid":"c8","adomain":["blocked.example"]}
	]}]}`
	bids, rej, err := auction.ParseResponse("b", []byte(body), req, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(bids) != 2 || bids[0].PriceMicros != 12_500_000 || bids[0].Duration != 15*time.Second || bids[1].NURL == "" {
		t.Fatalf("bids = %+v", bids)
	}
	want := map[string]int{"badimp": 3, "free": 3, "nomarkup": 7, "nocrid": 8, "banner": 204, "deal": 4, "blocked": 205}
	for _, r := range rej {
		if want[r.Bid.ID] != r.Reason {
			t.Errorf("%s: reason %d (%s), want %d", r.Bid.ID, r.Reason, r.Why, want[r.Bid.ID])
		}
		delete(want, r.Bid.ID)
	}
	if len(want) != 0 {
		t.Errorf("not rejected: %v", want)
	}
	for name, body := range map[string]string{"not json": "<html>", "other id": `{"id":"x"}`} {
		if _, _, err := auction.ParseResponse("b", []byte(body), req, nil, nil); !errors.Is(err, auction.ErrInvalidResponse) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, _, err := auction.ParseResponse("b", []byte(`{"id":"auc-1","cur":"EUR","seatbid":[{"bid":[{"id":"e","impid":"1","price":1,"adm":"x","crid":"c"}]}]}`), req, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestClientFanOutDeadlinesAndGzip(t *testing.T) {
	offer := func(id string, price float64) auctiontest.Offer {
		return auctiontest.Offer{CrID: id, ADomain: id + ".example", PriceCPM: price, Dur: 15}
	}
	fast := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{offer("a", 10), offer("b", 8)}, GzipResponses: true})
	zipped := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{offer("c", 9)}})
	// The slow bidder answers long after any deadline of this test (it gives up when the test
	// ends); the deadlines are generous so a loaded machine does not fail the others.
	slow := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{offer("d", 50)}, Delay: time.Hour})
	empty := auctiontest.Start(t, auctiontest.Config{})
	broken := auctiontest.Start(t, auctiontest.Config{Raw: []byte("{not json")})
	failing := auctiontest.Start(t, auctiontest.Config{Status: 500})
	eps := []auction.Endpoint{
		{Name: "fast", URL: fast.URL}, {Name: "zipped", URL: zipped.URL, GzipRequest: true},
		{Name: "empty", URL: empty.URL}, {Name: "broken", URL: broken.URL}, {Name: "failing", URL: failing.URL},
	}
	c, err := auction.NewClient(eps)
	if err != nil {
		t.Fatal(err)
	}
	req := sampleRequest()
	body := req.AppendJSON(nil)
	var res auction.Result
	for round := range 3 { // keep-alive connections are reused across auctions
		res.Reset()
		c.Auction(time.Now().Add(10*time.Second), req, body, &res)
		if len(res.Bids) != 3 {
			t.Fatalf("round %d: %d bids, want 3 (a, b, c): %+v", round, len(res.Bids), res.Outcomes)
		}
	}
	got := map[string]auction.Outcome{}
	for _, o := range res.Outcomes {
		got[o.Bidder] = o
	}
	switch {
	case got["fast"].Bids != 2 || got["fast"].Err != nil:
		t.Errorf("fast: %+v", got["fast"])
	case got["zipped"].Bids != 1 || zipped.GzippedRequests() != 3:
		t.Errorf("zipped: %+v, %d gzipped requests", got["zipped"], zipped.GzippedRequests())
	case got["empty"].Status != 204 || got["empty"].Err != nil:
		t.Errorf("empty: %+v", got["empty"])
	case !errors.Is(got["broken"].Err, auction.ErrInvalidResponse):
		t.Errorf("broken: %+v", got["broken"])
	case got["failing"].Status != 500 || got["failing"].Err == nil:
		t.Errorf("failing: %+v", got["failing"])
	}

	// A bidder that does not answer by the deadline contributes nothing, and the auction
	// returns at the deadline with the bids of the others.
	c2, err := auction.NewClient(append(eps[:1:1], auction.Endpoint{Name: "slow", URL: slow.URL}))
	if err != nil {
		t.Fatal(err)
	}
	res.Reset()
	c2.Auction(time.Now().Add(2*time.Second), req, body, &res)
	if len(res.Bids) != 2 || res.Outcomes[1].Err == nil || res.Outcomes[1].Bids != 0 {
		t.Errorf("with a slow bidder: %d bids, outcomes %+v", len(res.Bids), res.Outcomes)
	}
	if _, err := auction.NewClient([]auction.Endpoint{{Name: "x", URL: "ftp://x"}}); err == nil {
		t.Error("ftp endpoint accepted")
	}
}

func TestMacros(t *testing.T) {
	m := auction.Macros{AuctionID: "a1", BidID: "b1", ImpID: "1", SeatID: "s", PriceMicros: 12_340_000, Currency: "USD", Loss: 102, MinToWinMicros: 5_000_000, MBR: 0.5}
	got := m.Expand("https://x/n?p=${AUCTION_PRICE}&a=${AUCTION_ID}&b=${AUCTION_BID_ID}&c=${AUCTION_CURRENCY}&l=${AUCTION_LOSS}&m=${AUCTION_MIN_TO_WIN}&r=${AUCTION_MBR}&z=${UNKNOWN}&e=${AUCTION_PRICE:B64}&t=${AUCTION_")
	want := "https://x/n?p=12.34&a=a1&b=b1&c=USD&l=102&m=5&r=0.5000&z=${UNKNOWN}&e=MTIuMzQ&t=${AUCTION_"
	if got != want {
		t.Errorf("Expand:\n got %s\nwant %s", got, want)
	}
	s := "https://x/no-macros"
	if m.Expand(s) != s {
		t.Error("changed a URL without macros")
	}
}
