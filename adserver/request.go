package adserver

import (
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
)

// buildRequest fills r, the bid request for break br: a dynamic pod of the break's length,
// its ad bounds and size, the floors and deals, and the viewer's device, user, content and
// regulations. tmax is the time until the auction's deadline.
func (a *AdServer) buildRequest(br *BreakRequest, id string, tmax time.Duration, r *auction.Request) *auction.Request {
	c := &a.cfg
	*r = auction.Request{
		ID: id, TMax: max(tmax, time.Millisecond), AT: c.AuctionType, Currency: c.Currency,
		Deals: c.Deals, Supply: c.Supply, SChain: c.SChain, BCat: c.BlockedCats, BAdv: c.BlockedDomains,
		TraceID: br.RequestID,
	}
	if r.TraceID == "" {
		r.TraceID = id
	}
	r.Pod = auction.Pod{
		ID: br.ID, Duration: br.Duration, MaxAds: br.PodSize, MinAd: br.MinAd, MaxAd: br.MaxAd,
		RequiredDurations: br.RequiredDurations, MinCPMPerSec: c.MinCPMPerSec, FloorCPM: c.FloorCPM,
	}
	if r.Pod.MaxAd == 0 {
		r.Pod.MaxAd = br.Duration
	}
	if len(br.Slots) > 0 {
		r.Pod.Slots = r.Pod.Slots[:0]
		for _, d := range br.Slots {
			r.Pod.Slots = append(r.Pod.Slots, auction.Slot{Duration: d, FloorCPM: a.slotFloorCPM(d)})
		}
	}
	switch br.Position {
	case PositionPre:
		r.Pod.Seq, r.Pod.StartDelay = 1, 0
	case PositionPost:
		r.Pod.Seq, r.Pod.StartDelay = -1, -2
	default:
		r.Pod.Seq, r.Pod.StartDelay = 0, -1
	}
	r.Supply.ContentID, r.Supply.ContentLive = br.Content, br.Live
	r.Device = auction.Device{UA: br.UA, IP: br.IP, DeviceType: deviceType(br.UA), IFA: br.IFA, LMT: br.LMT}
	r.User = auction.User{ID: br.Viewer, Consent: br.Consent}
	r.Regs = auction.Regs{COPPA: br.COPPA, GDPR: br.GDPR, USPrivacy: br.USPrivacy}
	return r
}

// slotFloorCPM is the floor of a structured pod's slot of length d: the slot's time is sold
// whole, so its floor is the per-second floor for all of it, at least the flat floor —
// whatever the length of the ad that fills it.
func (a *AdServer) slotFloorCPM(d time.Duration) float64 {
	return max(a.cfg.FloorCPM, a.cfg.MinCPMPerSec*d.Seconds())
}

// deviceType guesses the AdCOM device type from a user agent: 3 connected TV for smart TV
// platforms, 7 set-top box for streaming sticks and boxes, 4 phone and 5 tablet for mobile
// browsers, 2 personal computer otherwise; 0 when there is no user agent.
func deviceType(ua string) int {
	if ua == "" {
		return 0
	}
	u := strings.ToLower(ua)
	for _, m := range []string{"smart-tv", "smarttv", "tizen", "web0s", "webos", "netcast", "hbbtv", "bravia", "vizio", "roku"} {
		if strings.Contains(u, m) {
			return 3
		}
	}
	for _, m := range []string{"; aft", "apple tv", "appletv", "crkey", "chromecast", "android tv", "shield", "fire tv", "playstation", "xbox"} {
		if strings.Contains(u, m) {
			return 7
		}
	}
	if strings.Contains(u, "ipad") || strings.Contains(u, "tablet") {
		return 5
	}
	if strings.Contains(u, "mobile") || strings.Contains(u, "iphone") || strings.Contains(u, "android") {
		return 4
	}
	return 2
}
