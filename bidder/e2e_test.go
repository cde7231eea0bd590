package bidder

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cuepoint/cuepoint/analytics/events"
)

const (
	webVideoReq = `{"id":"web-1","at":2,"tmax":120,
"imp":[{"id":"1","video":{"mimes":["video/mp4"],"minduration":5,"maxduration":30,"protocols":[2,3,7],"w":640,"h":360,"plcmt":2},"bidfloor":1.5}],
"site":{"domain":"www.recipes.example","page":"https://www.recipes.example/pasta","cat":["IAB8"],"publisher":{"id":"pub-recipes"}},
"device":{"devicetype":2,"os":"Windows","ua":"Mozilla/5.0","geo":{"country":"USA"}},"user":{"id":"u-web-1"}}`

	interstitialReq = `{"id":"mob-1","at":1,"tmax":200,
"imp":[{"id":"1","instl":1,"video":{"mimes":["video/mp4"],"minduration":5,"maxduration":30,"protocols":[7,13],"w":320,"h":480,"plcmt":3},"bidfloor":2},
       {"id":"2","instl":1,"banner":{"format":[{"w":320,"h":480}]},"bidfloor":1}],
"app":{"bundle":"com.news.reader","publisher":{"id":"pub-news"},"cat":["IAB12"]},
"device":{"devicetype":4,"os":"iOS","ifa":"0A1B2C3D-0000-4000-8000-000000000001","geo":{"country":"GBR"}}}`

	bannerDealReq = `{"id":"ban-1","at":1,"tmax":150,"cur":["EUR"],
"imp":[{"id":"top","banner":{"format":[{"w":728,"h":90}]},"bidfloor":0.5,"bidfloorcur":"EUR"},
       {"id":"mpu","banner":{"w":300,"h":250},"bidfloor":0.8,"bidfloorcur":"EUR","pmp":{"private_auction":0,"deals":[{"id":"deal-display-finance","bidfloor":4,"bidfloorcur":"EUR"}]}}],
"site":{"domain":"news.example","cat":["IAB12"],"publisher":{"id":"pub-newsco"}},
"device":{"devicetype":2,"geo":{"country":"DEU"}},"user":{"id":"u-ban-1"}}`

	dynamicPodReq = `{"id":"dyn-1","at":2,"tmax":300,
"imp":[{"id":"pod","video":{"mimes":["video/mp4"],"protocols":[7,13],"plcmt":1,"podid":"break-1","poddur":60,"maxseq":3,"rqddurs":[15,30],"mincpmpersec":0.2},"bidfloor":1}],
"app":{"bundle":"com.tv.app","publisher":{"id":"pub-tv"},"cat":["IAB1"]},
"device":{"devicetype":3,"os":"tvOS","geo":{"country":"USA"}},"user":{"id":"viewer-dyn"}}`

	// 2.5 locations: GDPR in regs.ext without consent; segments must then be ignored.
	gdpr25Req = `{"id":"gdpr-1","at":2,"tmax":150,
"imp":[{"id":"1","banner":{"format":[{"w":320,"h":50}]}}],
"site":{"domain":"sport.example","publisher":{"id":"pub-sport"}},
"device":{"devicetype":4,"os":"Android","geo":{"country":"FRA"}},
"user":{"id":"u-eu","data":[{"segment":[{"id":"sports-fans"}]}],"ext":{"eids":[{"source":"id5-sync.com","uids":[{"id":"x"}]}]}},
"regs":{"ext":{"gdpr":1}},"source":{"ext":{"schain":{"complete":1,"ver":"1.0","nodes":[{"asi":"ssp.example","sid":"1","hp":1}]}}}}`
)

// TestEndToEnd drives the bidder over HTTP with OpenRTB requests of several shapes, checks the
// auction rules visible in the responses, validates every VAST adm against the IAB XSD, and
// follows the notices.
func TestEndToEnd(t *testing.T) {
	rec := &recorder{}
	b := newTestBidder(t, testConfig(), Deps{Emitter: rec}, DemoCampaigns("https://cdn.test/creatives")...)
	base := serve(t, b, "")
	bidURL := base + "/openrtb2/bid"

	type check func(t *testing.T, r httpResult)
	cases := []struct {
		name string
		body string
		gz   bool
		want int
		fn   check
	}{
		{"ctv structured pod, gzip", string(readFixture(t, "ctv_pod.json")), true, 200, func(t *testing.T, r httpResult) {
			if r.header.Get("Content-Encoding") != "gzip" {
				t.Error("response not gzipped though the request accepted gzip")
			}
			bids := allBids(decodeResponse(t, r.body))
			if len(bids) < 3 {
				t.Fatalf("pod of 3 slots got %d bids", len(bids))
			}
			seen := map[string]string{}
			var deal bool
			for _, bd := range bids {
				if bd.Dur != 15 && bd.Dur != 30 {
					t.Errorf("bid %s dur %d not in rqddurs [15 30]", bd.ID, bd.Dur)
				}
				if bd.MType != 2 || bd.CrID == "" || bd.CID == "" || len(bd.ADomain) == 0 {
					t.Errorf("bid %s lacks mtype/crid/cid/adomain: %+v", bd.ID, bd)
				}
				if bd.DealID == "" {
					if imp, dup := seen[bd.CID]; dup && imp != bd.ImpID {
						t.Errorf("campaign %s bid twice in one pod (imps %s and %s)", bd.CID, imp, bd.ImpID)
					}
					seen[bd.CID] = bd.ImpID
					if bd.Price < 8.5 {
						t.Errorf("open bid %g under the 8.5 floor", bd.Price)
					}
				} else {
					deal = true
					if bd.DealID != "deal-ctv-premium" || bd.Price < 20 || bd.ImpID != "2" {
						t.Errorf("deal bid %+v: want deal-ctv-premium on imp 2 at ≥ 20", bd)
					}
				}
				if bd.ImpID == "1" && bd.SlotInPod != 1 || bd.ImpID == "3" && bd.SlotInPod != -1 {
					t.Errorf("imp %s: slotinpod %d not echoed", bd.ImpID, bd.SlotInPod)
				}
				if bd.NURL == "" || bd.BURL == "" || bd.LURL == "" {
					t.Errorf("bid %s lacks notice URLs", bd.ID)
				}
			}
			if !deal {
				t.Error("no deal bid alongside the open market on imp 2")
			}
		}},
		{"dynamic pod", dynamicPodReq, false, 200, func(t *testing.T, r httpResult) {
			bids := allBids(decodeResponse(t, r.body))
			var total int64
			cids := map[string]bool{}
			for _, bd := range bids {
				total += bd.Dur
				if cids[bd.CID] {
					t.Errorf("campaign %s twice in the pod", bd.CID)
				}
				cids[bd.CID] = true
				if bd.Price < 0.2*float64(bd.Dur) {
					t.Errorf("bid %g for %ds is under mincpmpersec", bd.Price, bd.Dur)
				}
			}
			if len(bids) < 2 || len(bids) > 3 || total > 60 {
				t.Errorf("dynamic pod: %d bids, %d s; want 2..3 bids within 60 s", len(bids), total)
			}
		}},
		{"web video", webVideoReq, false, 200, func(t *testing.T, r httpResult) {
			bids := allBids(decodeResponse(t, r.body))
			if len(bids) != 1 || bids[0].CID != "web-video-travel" {
				t.Errorf("want one web video bid from web-video-travel, got %+v", bids)
			}
		}},
		{"mobile interstitial video and banner", interstitialReq, false, 200, func(t *testing.T, r httpResult) {
			bids := allBids(decodeResponse(t, r.body))
			imps := map[string]bool{}
			for _, bd := range bids {
				imps[bd.ImpID] = true
				if bd.CID != "mobile-interstitial-game" {
					t.Errorf("unexpected campaign %s", bd.CID)
				}
			}
			if !imps["1"] || !imps["2"] {
				t.Errorf("want bids on both interstitial imps, got %v", imps)
			}
		}},
		{"display banners with a deal, EUR", bannerDealReq, false, 200, func(t *testing.T, r httpResult) {
			resp := decodeResponse(t, r.body)
			if resp.Cur != "EUR" {
				t.Errorf("cur %q, want EUR", resp.Cur)
			}
			var deal, top bool
			for _, bd := range allBids(resp) {
				deal = deal || bd.DealID == "deal-display-finance" && bd.ImpID == "mpu" && bd.Price >= 4
				top = top || bd.ImpID == "top" && bd.W == 728 && bd.H == 90 && bd.MType == 1
				if !strings.Contains(bd.AdM, "<img") {
					t.Errorf("banner adm without markup: %q", bd.AdM)
				}
			}
			if !deal || !top {
				t.Errorf("want a 728x90 open bid and a finance deal bid ≥ 4 EUR: %s", r.body)
			}
		}},
		{"2.5 GDPR without consent: contextual only", gdpr25Req, false, 200, func(t *testing.T, r httpResult) {
			for _, bd := range allBids(decodeResponse(t, r.body)) {
				if bd.CID == "display-sports-audience" {
					t.Error("segment-targeted campaign bid on a GDPR request without consent")
				}
			}
		}},
		{"malformed JSON", `{"id":"x","imp":[`, false, 400, nil},
		{"no imp", `{"id":"x","imp":[]}`, false, 400, nil},
		{"imp without a format", `{"id":"x","imp":[{"id":"1"}]}`, false, 400, nil},
		{"no matching campaign", `{"id":"x","imp":[{"id":"1","banner":{"w":1,"h":1}}]}`, false, 204, nil},
		{"blocked seat", `{"id":"x","wseat":["someone-else"],"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`, false, 204, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, bidURL, []byte(tc.body), tc.gz)
			if r.code != tc.want {
				t.Fatalf("status %d, want %d: %s", r.code, tc.want, r.body)
			}
			if r.header.Get("X-Openrtb-Version") != "2.6" {
				t.Error("missing x-openrtb-version: 2.6")
			}
			if r.code == 400 && !strings.Contains(string(r.body), "invalid bid request") {
				t.Errorf("400 body does not say what was wrong: %q", r.body)
			}
			if r.code != 200 {
				return
			}
			for _, bd := range allBids(decodeResponse(t, r.body)) {
				if bd.MType == 2 {
					validateVAST(t, bd.AdM)
				}
			}
			if tc.fn != nil {
				tc.fn(t, r)
			}
		})
	}

	// Notices: win with a clear price, its replay, a tampered token, a loss.
	r := post(t, bidURL, []byte(webVideoReq), false)
	bd := allBids(decodeResponse(t, r.body))[0]
	before := b.pacer.Committed(bd.CID)
	subst := func(u, price string) string {
		u = strings.ReplaceAll(u, "${AUCTION_PRICE}", price)
		u = strings.ReplaceAll(u, "${AUCTION_ID}", "web-1")
		u = strings.ReplaceAll(u, "${AUCTION_CURRENCY}", "USD")
		return strings.Replace(u, "http://bidder.test", base, 1)
	}
	if code, _ := get(t, subst(bd.NURL, "1.80")); code != 200 {
		t.Fatalf("win notice: %d", code)
	}
	afterWin := b.pacer.Committed(bd.CID)
	// The reservation (our price / 1000) was replaced by the clearing price 1.80 CPM = 1800 micros.
	reserved := int64(bd.Price*1e6+999) / 1000
	if got := afterWin - before; got != 1800-reserved {
		t.Errorf("win moved committed by %d, want %d (clearing 1800 − reserved %d)", got, 1800-reserved, reserved)
	}
	if code, _ := get(t, subst(bd.BURL, "1.80")); code != 200 {
		t.Fatalf("bill notice: %d", code)
	}
	if code, _ := get(t, subst(bd.NURL, "1.80")); code != 200 {
		t.Fatalf("replayed win: %d", code)
	}
	if b.pacer.Committed(bd.CID) != afterWin {
		t.Error("a bill notice or a replay counted spend twice")
	}
	tampered := strings.Replace(subst(bd.NURL, "1.80"), "?t=", "?t=A", 1)
	if code, _ := get(t, tampered); code != 403 {
		t.Errorf("tampered token: %d, want 403", code)
	}
	wrongAuction := strings.Replace(subst(bd.NURL, "1.80"), "a=web-1", "a=other", 1)
	if code, _ := get(t, wrongAuction); code != 403 {
		t.Errorf("foreign auction id: %d, want 403", code)
	}
	u, _ := url.Parse(bd.LURL)
	if !strings.Contains(u.RawQuery, "l=${AUCTION_LOSS}") {
		t.Errorf("lurl lacks ${AUCTION_LOSS}: %s", bd.LURL)
	}

	// Events: every request, bid, no-bid and notice was emitted.
	for _, fam := range []events.Family{events.FamilyBids, events.FamilyWins} {
		if rec.count(func(e events.Event) bool { return e.Family() == fam }) == 0 {
			t.Errorf("no %s events emitted", fam)
		}
	}
	// Each event validates against the analytics schema and survives its own wire encoding.
	kinds := map[string]int{}
	rec.count(func(e events.Event) bool {
		te := e.(events.Typed)
		if err := te.Validate(); err != nil {
			t.Errorf("%T does not validate: %v", e, err)
		}
		wire, err := e.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := events.Decode(e.Family(), wire); err != nil {
			t.Errorf("%s does not decode: %v", wire, err)
		}
		switch ev := e.(type) {
		case *events.BidRequest:
			if len(ev.Bids) > 0 {
				kinds["bids"]++
			} else if ev.Reason != "" {
				kinds["nobid"]++
			}
		case *events.Notice:
			kinds[string(ev.Kind)]++
		}
		return true
	})
	for _, k := range []string{"bids", "nobid", "win", "billing"} {
		if kinds[k] == 0 {
			t.Errorf("no %s events: %v", k, kinds)
		}
	}
	_ = slices.Contains[[]string]
}
