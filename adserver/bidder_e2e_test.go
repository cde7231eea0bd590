package adserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/bidder"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

// startBidder runs the real Cuepoint bidder, seeded with its demo campaigns, on loopback, with
// its configuration changed by the options. The adserver talks to it over HTTP only, as in
// production (these tests are the one place that builds both).
func startBidder(t *testing.T, options ...func(*bidder.Config)) string {
	t.Helper()
	srv := server.New("bidder", "127.0.0.1:0")
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + srv.Addr()
	cfg := bidder.DefaultConfig()
	cfg.PublicURL = base
	cfg.NoticeKey = []byte(strings.Repeat("k", 32))
	cfg.DefaultTmax, cfg.NetworkAllowance = time.Second, time.Millisecond
	for _, o := range options {
		o(&cfg)
	}
	store := bidder.NewMemoryStore()
	if _, err := bidder.Seed(context.Background(), store, "http://cdn.example/creatives"); err != nil {
		t.Fatal(err)
	}
	b, err := bidder.New(cfg, bidder.Deps{Log: logging.Discard, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Mount(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() { cancel(); <-done })
	return base
}

// TestEndToEndWithTheCuepointBidder: a CTV mid-roll decided against the real bidder — its
// OpenRTB 2.6 pod answer, its VAST 4.2 markup, its win notices with the clearing price, and
// its billing notice when the impression beacon lands.
func TestEndToEndWithTheCuepointBidder(t *testing.T) {
	base := startBidder(t)
	cfg := testConfig(auction.Endpoint{Name: "cuepoint", URL: base + "/openrtb2/bid", GzipRequest: true})
	cfg.MinCPMPerSec = 0.1
	e := start(t, cfg)
	doc := e.vast(q("dur", "60", "min", "5", "max", "30", "ps", "4", "uid", "viewer-42", "content", "movie-1", "session", "sess-e2e",
		"ip", "203.0.113.9", "ua", "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 TV Safari/537.36", "pos", "mid"))
	if len(doc.Ads) == 0 {
		t.Fatalf("no ad from the Cuepoint bidder; dropped: %v", e.rec.decisions())
	}
	var total time.Duration
	advertisers := map[string]bool{}
	for _, ad := range doc.Ads {
		in := ad.InLine
		total += in.Creatives[0].Linear.Duration
		if advertisers[in.Advertiser] {
			t.Errorf("advertiser %s twice in the pod", in.Advertiser)
		}
		advertisers[in.Advertiser] = true
		if u := in.Creatives[0].UniversalAdIDs; len(u) == 0 || u[0].Registry != "cuepoint" {
			t.Errorf("UniversalAdId %+v", u)
		}
	}
	if total > 60*time.Second {
		t.Fatalf("pod of %v for a 60 s break", total)
	}
	// The bidder counted our win notices (signed by it, priced by us) and, after the
	// impression beacon, the billing notice.
	waitMetric(t, `cuepoint_bidder_notices_total{kind="win",result="ok"}`, float64(len(doc.Ads)))
	before := metricValue(t, `cuepoint_bidder_notices_total{kind="bill",result="ok"}`)
	if code := e.hit(ours(e.base, impURLs(doc.Ads[0].InLine))); code != 204 {
		t.Fatalf("impression beacon: %d", code)
	}
	waitMetric(t, `cuepoint_bidder_notices_total{kind="bill",result="ok"}`, before+1)
	if imps := e.rec.tracking(events.TrackImpression); len(imps) != 1 || imps[0].Validate() != nil {
		t.Fatalf("impression events %+v", imps)
	}
}

func waitMetric(t *testing.T, name string, want float64) {
	t.Helper()
	end := time.Now().Add(5 * time.Second)
	for metricValue(t, name) < want {
		if time.Now().After(end) {
			t.Fatalf("%s = %v, want ≥ %v", name, metricValue(t, name), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStructuredPodWithTheCuepointBidder: a structured pod (slots 30, 15, 15) decided against
// the real bidder, which answers one bid per slot with slotinpod (each of its campaigns at most
// once per pod; two demo campaigns can buy a CTV break from here, one through a deal): the pod
// has ads of distinct advertisers, in slot order, each no longer than a slot it can fill in that
// order.
func TestStructuredPodWithTheCuepointBidder(t *testing.T) {
	base := startBidder(t)
	cfg := testConfig(auction.Endpoint{Name: "cuepoint", URL: base + "/openrtb2/bid"})
	cfg.Deals = []auction.Deal{{ID: "deal-ctv-premium", FloorCPM: 5}} // the autos campaign buys through it
	e := start(t, cfg)
	doc := e.vast(q("slots", "30,15,15", "uid", "viewer-43", "content", "movie-1", "session", "sess-slots",
		"ip", "203.0.113.9", "ua", "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 TV Safari/537.36", "pos", "pre"))
	if len(doc.Ads) < 2 {
		d := e.rec.decisions()
		t.Fatalf("%d ads from the Cuepoint bidder for three slots: %s; decision %+v", len(doc.Ads), crids(doc), d[len(d)-1])
	}
	slots := []time.Duration{30 * time.Second, 15 * time.Second, 15 * time.Second}
	advertisers := map[string]bool{}
	j := 0
	for i, ad := range doc.Ads {
		in := ad.InLine
		if advertisers[in.Advertiser] {
			t.Errorf("advertiser %s twice in the pod", in.Advertiser)
		}
		advertisers[in.Advertiser] = true
		d := in.Creatives[0].Linear.Duration
		for j < len(slots) && slots[j] < d {
			j++
		}
		if j == len(slots) {
			t.Fatalf("ad %d (%s, %s) fits no slot after the previous ads': not in slot order", i+1, in.Creatives[0].ID, d)
		}
		j++
	}
	t.Logf("structured pod: %v", crids(doc))
}
