package adserver_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

func TestBeaconsCountOnceAndRefuseForgeries(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{offer("ad-30", "a.example", 20, 30)}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	doc := e.vast(q("dur", "30", "session", "sess-9", "uid", "viewer-9"))
	in := doc.Ads[0].InLine
	imp := ours(e.base, impURLs(in))

	if code := e.hit(imp); code != 204 {
		t.Fatalf("impression beacon: %d", code)
	}
	if code := e.hit(imp); code != 204 { // a replay is acknowledged…
		t.Fatalf("replayed impression: %d", code)
	}
	imps := e.rec.tracking(events.TrackImpression)
	if len(imps) != 1 { // …and not counted again
		t.Fatalf("%d impression events, want 1", len(imps))
	}
	ev := imps[0]
	if ev.SessionID != "sess-9" || ev.AdID != in.AdServingID || ev.Creative != "ad-30" || ev.Position != 1 || ev.Source != events.SourceClient || ev.Validate() != nil {
		t.Errorf("impression event %+v (%v)", ev, ev.Validate())
	}
	// Revenue: the viewer and the clearing price (floor 1 + 0.01: no rival) from the signed beacon.
	if ev.Viewer != "viewer-9" || ev.PriceMicros != 1_010_000 || ev.Currency != "USD" {
		t.Errorf("impression event viewer %q price %d %q, want viewer-9 1010000 USD", ev.Viewer, ev.PriceMicros, ev.Currency)
	}
	// The billing notice is fired on the impression, with the clearing price.
	if bills := b.WaitNotices("bill", 1, 5*time.Second); len(bills) != 1 || bills[0].Query.Get("price") == "" || bills[0].Query.Get("cur") != "USD" {
		t.Fatalf("billing notices %+v", bills)
	}

	// Tampering: a higher price, another event, no signature.
	forged := []string{
		strings.Replace(imp, "&p=", "&p=9", 1),
		strings.Replace(imp, "/t/impression?", "/t/click?", 1),
		imp[:strings.Index(imp, "&sig=")],
		strings.Replace(imp, "a="+in.AdServingID, "a=someone-else", 1),
	}
	before := metricValue(t, `cuepoint_adserver_beacons_total{result="forged"}`)
	for _, u := range forged {
		if code := e.hit(u); code != 403 {
			t.Errorf("forged beacon %s: %d, want 403", u, code)
		}
	}
	if got := metricValue(t, `cuepoint_adserver_beacons_total{result="forged"}`) - before; got != float64(len(forged)) {
		t.Errorf("forged beacons counted %v, want %d", got, len(forged))
	}
	if n := len(e.rec.tracking(events.TrackImpression)) + len(e.rec.tracking(events.TrackClick)); n != 1 {
		t.Errorf("a forged beacon was counted: %d events", n)
	}
	if bills := b.WaitNotices("bill", 2, 200*time.Millisecond); len(bills) != 1 {
		t.Errorf("%d billing notices after forgeries, want 1", len(bills))
	}

	// Quartiles and errors are counted once each; the error carries the player's code.
	for _, tr := range in.Creatives[0].Linear.Tracking {
		if strings.HasPrefix(tr.URL, e.base) {
			e.hit(tr.URL)
		}
	}
	errURL := strings.Replace(ours(e.base, in.Errors), "%5BERRORCODE%5D", "405", 1)
	e.hit(errURL)
	if got := e.rec.tracking(events.TrackError); len(got) != 1 || got[0].VASTError != 405 {
		t.Errorf("error events %+v", got)
	}
	for _, k := range []events.TrackingKind{events.TrackStart, events.TrackFirstQuartile, events.TrackMidpoint, events.TrackThirdQuartile, events.TrackComplete} {
		if n := len(e.rec.tracking(k)); n != 1 {
			t.Errorf("%s: %d events", k, n)
		}
	}
	if code, _ := e.get("/t/nonsense?a=1"); code != 404 {
		t.Errorf("unknown event: %d", code)
	}
}

// TestServerSideTracking: with sst=1 the VAST holds only Cuepoint's beacons; when one lands,
// the adserver fires the third-party trackers it carries with the viewer's address and agent.
func TestServerSideTracking(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{offer("ad-15", "a.example", 20, 15)}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	doc := e.vast(q("dur", "15", "sst", "1", "ip", "198.51.100.7", "ua", "Roku/DVP-12.5"))
	in := doc.Ads[0].InLine
	if len(in.Impressions) != 1 || len(in.Errors) != 1 {
		t.Fatalf("sst VAST has third-party trackers: %+v %+v", in.Impressions, in.Errors)
	}
	for _, tr := range in.Creatives[0].Linear.Tracking {
		if !strings.HasPrefix(tr.URL, e.base) {
			t.Fatalf("sst VAST has a third-party tracker: %s", tr.URL)
		}
	}
	imp := ours(e.base, impURLs(in))
	if code := e.hit(imp, "X-Device-IP", "198.51.100.7", "X-Device-User-Agent", "Roku/DVP-12.5"); code != 204 {
		t.Fatal(code)
	}
	if got := b.WaitNotices("imp", 1, 5*time.Second); len(got) != 1 {
		t.Fatalf("the bidder's impression tracker was not fired server-side: %+v", got)
	}
	if ev := e.rec.tracking(events.TrackImpression); len(ev) != 1 || ev[0].Source != events.SourceServer {
		t.Fatalf("impression events %+v", ev)
	}
	var complete string
	for _, tr := range in.Creatives[0].Linear.Tracking {
		if tr.Event == "complete" {
			complete = tr.URL
		}
	}
	e.hit(complete, "X-Device-IP", "198.51.100.7")
	if got := b.WaitNotices("event", 1, 5*time.Second); len(got) != 1 || got[0].Query.Get("e") != "complete" {
		t.Fatalf("the bidder's complete tracker: %+v", got)
	}
}

// TestFrequencyCap: after --freq-cap impressions of an advertiser, the viewer's breaks go to
// others.
func TestFrequencyCap(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{offer("big-30", "big.example", 50, 30), offer("small-30", "small.example", 5, 30)}})
	cfg := testConfig(auction.Endpoint{Name: "b", URL: b.URL})
	cfg.FreqCap = 2
	e := start(t, cfg)
	for range 2 {
		doc := e.vast(q("dur", "30", "uid", "v-1"))
		if got := crids(doc); !slices.Equal(got, []string{"big-30"}) {
			t.Fatalf("pod %v", got)
		}
		e.hit(ours(e.base, impURLs(doc.Ads[0].InLine)))
	}
	if got := crids(e.vast(q("dur", "30", "uid", "v-1"))); !slices.Equal(got, []string{"small-30"}) {
		t.Fatalf("capped viewer's pod %v", got)
	}
	if got := crids(e.vast(q("dur", "30", "uid", "v-2"))); !slices.Equal(got, []string{"big-30"}) {
		t.Fatalf("another viewer's pod %v", got)
	}
}

func TestVMAP(t *testing.T) {
	e := start(t, testConfig())
	code, body := e.get("/vmap?dur=3600&mids=600,1800.5&mid=90&uid=v-1&content=film-1")
	s := string(body)
	if code != 200 || strings.Count(s, "<vmap:AdBreak ") != 4 ||
		!strings.Contains(s, `timeOffset="start"`) || !strings.Contains(s, `timeOffset="00:10:00"`) ||
		!strings.Contains(s, `timeOffset="00:30:00.500"`) || !strings.Contains(s, `timeOffset="end"`) ||
		!strings.Contains(s, e.base+"/vast?break=midroll-1&amp;content=film-1&amp;dur=90&amp;pos=mid&amp;uid=v-1") && !strings.Contains(s, e.base+"/vast?break=midroll-1&content=film-1&dur=90&pos=mid&uid=v-1") {
		t.Fatalf("VMAP: %d\n%s", code, s)
	}
	if code, _ := e.get("/vmap?dur=3600&every=1800&pre=0&post=0"); code != 200 {
		t.Fatal(code)
	}
	for _, bad := range []string{"", "dur=x", "dur=100&mids=200", "dur=100&every=5", "dur=100&pre=9999"} {
		if code, _ := e.get("/vmap?" + bad); code != 400 {
			t.Errorf("/vmap?%s: %d, want 400", bad, code)
		}
	}
}

func metricValue(t *testing.T, name string) float64 {
	t.Helper()
	var sb strings.Builder
	metrics.WritePrometheus(&sb)
	for _, line := range strings.Split(sb.String(), "\n") {
		if strings.HasPrefix(line, name+" ") {
			var v float64
			_, _ = fmtSscan(line[len(name)+1:], &v)
			return v
		}
	}
	return 0
}
