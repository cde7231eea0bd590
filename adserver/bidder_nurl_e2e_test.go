package adserver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/bidder"
)

// TestEndToEndNURLServedVAST: the real Cuepoint bidder answering video bids without adm
// (--video-markup nurl): the adserver's auction client resolves each ad by fetching its nurl,
// which is the win notice, counted once per ad by the bidder and never fired a second time.
func TestEndToEndNURLServedVAST(t *testing.T) {
	base := startBidder(t, func(c *bidder.Config) { c.VideoMarkup = bidder.MarkupInNURL })

	winsOK := metricValue(t, `cuepoint_bidder_notices_total{kind="win",result="ok"}`)
	winsReplay := metricValue(t, `cuepoint_bidder_notices_total{kind="win",result="replay"}`)
	cfg := testConfig(auction.Endpoint{Name: "cuepoint", URL: base + "/openrtb2/bid"})
	cfg.MinCPMPerSec = 0.1
	e := start(t, cfg)
	doc := e.vast(q("dur", "60", "min", "5", "max", "30", "ps", "4", "uid", "viewer-43", "content", "movie-1", "session", "sess-nurl",
		"ip", "203.0.113.9", "ua", "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 TV Safari/537.36", "pos", "mid"))
	if len(doc.Ads) == 0 {
		t.Fatalf("no ad resolved from the bidder's nurl-served VAST; dropped: %v", e.rec.decisions())
	}
	for _, ad := range doc.Ads {
		found := false
		for _, u := range impURLs(ad.InLine) {
			found = found || strings.HasPrefix(u, base+"/v1/notice/imp?t=")
		}
		if !found {
			t.Errorf("ad %s lacks the bidder's impression URL: the markup did not come from the nurl", ad.ID)
		}
	}
	waitMetric(t, `cuepoint_bidder_notices_total{kind="win",result="ok"}`, winsOK+float64(len(doc.Ads)))
	time.Sleep(200 * time.Millisecond) // a second win notice, if any were fired, would land by now
	if got := metricValue(t, `cuepoint_bidder_notices_total{kind="win",result="ok"}`) - winsOK; got != float64(len(doc.Ads)) {
		t.Errorf("%v wins counted for %d ads", got, len(doc.Ads))
	}
	if got := metricValue(t, `cuepoint_bidder_notices_total{kind="win",result="replay"}`) - winsReplay; got != 0 {
		t.Errorf("the adserver fired %v win notices again after fetching the markup from them", got)
	}
}
