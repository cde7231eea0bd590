package adserver_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prebid/openrtb/v20/adcom1"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
	"github.com/cuepoint/cuepoint/adserver/catalog"
)

func slotOffer(imp, crid, domain string, cpm float64, dur int) auctiontest.Offer {
	o := offer(crid, domain, cpm, dur)
	o.ImpID = imp
	return o
}

// TestStructuredPod: slots=30,15,15 is one impression per slot sharing the podid; a bid fills
// only its own slot and only if it fits it; separation holds across slots; the VAST follows
// the slots, not the prices; each slot clears on its own second price.
func TestStructuredPod(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{
		slotOffer("1", "big-30", "a.example", 40, 30),
		slotOffer("1", "alt-30", "b.example", 20, 30),
		slotOffer("1", "short-15", "c.example", 8, 15), // fits slot 1, worth less there
		slotOffer("2", "mid-15", "m.example", 12, 15),
		slotOffer("2", "long-30", "l.example", 99, 30), // longer than slot 2: never plays
		slotOffer("3", "a-15", "a.example", 50, 15),    // same advertiser as big-30
	}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	doc := e.vast(q("slots", "30,15,15", "pos", "pre", "uid", "v-1"))

	// Slot 1 alt-30 (20) + slot 2 mid-15 (12) + slot 3 a-15 (50) = 82 beats big-30 (40) +
	// mid-15, which leaves slot 3 empty (a-15 is the same advertiser).
	if got, want := crids(doc), []string{"alt-30", "mid-15", "a-15"}; !slices.Equal(got, want) {
		t.Fatalf("pod %v, want %v (slot order)", got, want)
	}
	for i, ad := range doc.Ads {
		if ad.Sequence != i+1 {
			t.Errorf("ad %d: sequence %d", i, ad.Sequence)
		}
	}

	req := b.LastRequest()
	if len(req.Imp) != 3 {
		t.Fatalf("%d imps, want one per slot", len(req.Imp))
	}
	for k, imp := range req.Imp {
		v := imp.Video
		wantSlot := []adcom1.SlotPositionInPod{adcom1.SlotPosFirst, adcom1.SlotPosAny, adcom1.SlotPosLast}[k]
		if v.PodID != req.Imp[0].Video.PodID || v.PodID == "" || v.SlotInPod != wantSlot || v.PodSeq != adcom1.PodSeqFirst ||
			v.MaxDuration != []int64{30, 15, 15}[k] {
			t.Errorf("imp %s: podid %q slotinpod %d podseq %d maxduration %d", imp.ID, v.PodID, v.SlotInPod, v.PodSeq, v.MaxDuration)
		}
	}

	// Second price per slot: alt-30 pays its bid (big-30 bid 40 for slot 1); mid-15 and a-15
	// have no rival that could play in their slot (long-30 does not fit slot 2): the floor
	// plus the increment.
	prices := map[string]string{}
	for _, n := range b.WaitNotices("win", 3, 10*time.Second) {
		prices[n.Query.Get("crid")] = n.Query.Get("price")
	}
	if want := map[string]string{"alt-30": "20", "mid-15": "1.01", "a-15": "1.01"}; !maps.Equal(prices, want) {
		t.Errorf("clearing prices %v, want %v", prices, want)
	}
	losses := map[string]string{}
	for _, n := range b.WaitNotices("loss", 3, 10*time.Second) {
		losses[n.Query.Get("crid")] = n.Query.Get("reason")
	}
	if want := map[string]string{"big-30": "102", "short-15": "102", "long-30": "204"}; !maps.Equal(losses, want) {
		t.Errorf("loss reasons %v, want %v", losses, want)
	}
}

// TestStructuredPodLineItems: line items fill the slots the auction left, each in a slot it
// fits, and the pod stays in slot order whatever the source.
func TestStructuredPodLineItems(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{slotOffer("2", "auc-15", "a.example", 20, 15)}})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	e.cat.addLineItem(&catalog.LineItem{ID: "li-house", Name: "Promo", Kind: catalog.KindHouse, ADomain: "cuepoint.example", CreativeID: "cr-house"}, 15*time.Second)
	e.cat.addLineItem(&catalog.LineItem{ID: "li-long", Name: "Too long", Kind: catalog.KindDirect, CPMMicros: 90_000_000, ADomain: "d.example", CreativeID: "cr-long"}, 20*time.Second)
	doc := e.vast(q("slots", "15,15", "dur", "40"))
	if got, want := crids(doc), []string{"cr-house", "auc-15"}; !slices.Equal(got, want) {
		t.Fatalf("pod %v, want %v", got, want)
	}
}

// TestStructuredPodBadParameters: slots are checked like every parameter.
func TestStructuredPodBadParameters(t *testing.T) {
	b := auctiontest.Start(t, auctiontest.Config{})
	e := start(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}))
	for query, want := range map[string]string{
		"slots=15,x":                  `slots: "x"`,
		"slots=15,0":                  `slots: "0"`,
		"slots=30,30&dur=45":          "slots: the slots last 1m0s, longer than dur 45s",
		"slots=15,15,15&ps=2":         "slots: 3 slots, more than ps 2",
		"slots=10,30&min=15":          "slots: slot 1 (10s) accepts no ad length",
		"slots=10,30&durs=15,30":      "slots: slot 1 (10s) accepts no ad length",
		"slots=1,1,1,1,1,1,1,1,1,1,1": "slots: at most 10 slots",
	} {
		code, body := e.get("/vast?" + query)
		if code != 400 || !strings.Contains(string(body), want) {
			t.Errorf("/vast?%s: %d %q, want 400 containing %q", query, code, body, want)
		}
	}
}
