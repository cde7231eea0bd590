package bidder

import (
	"slices"
	"strconv"

	"github.com/prebid/openrtb/v20/adcom1"
	"github.com/prebid/openrtb/v20/openrtb2"
)

// The auction rules, per impression, for the campaigns the index returned:
//
//   - Block lists: bcat, badv and bapp remove campaigns in the index; battr removes creatives.
//   - Format: a banner creative fits one of banner.format (or banner w×h) exactly; a video
//     creative needs a mime of video.mimes, a duration within min/maxduration (or one of
//     rqddurs), and VAST 4.x among the protocols (our adm is VAST 4.2). Interstitial creatives
//     bid only on instl=1 and vice versa for full-screen sizes.
//   - Floors: the deal's floor for a deal bid, else the impression's, converted to USD with the
//     configured rates; for video, also mincpmpersec × duration.
//   - Price: at=2 (second price) bids the value; at=1 (first price) bids value × shading
//     factor, never under the floor; a deal's own at overrides the request's; at=3 (a fixed
//     price deal) bids the floor.
//   - Deals alongside the open market: an impression gets at most one open-market bid and one
//     deal bid, each the highest priced among its candidates that the budget pacer admits.
//   - Pods (2.6): imps sharing video.podid form a structured pod, one bid per slot, never the
//     same campaign or advertiser twice in a pod. An imp with poddur is a dynamic pod: several
//     bids on the one imp whose durations add up to at most poddur, at most maxseq of them,
//     chosen to maximize total price (see pod.go).

// candidate is one priced (campaign, creative, deal) option for an impression.
type candidate struct {
	e        *entry
	cr       *Creative
	deal     *openrtb2.Deal
	usd      int64 // bid CPM, USD micros
	floorUSD int64
	dur      int64
	bucket   uint16
	level    uint8
	at       int8
	tried    bool // offered to the pacer already
}

// bidOut is one bid of the response.
type bidOut struct {
	imp       *openrtb2.Imp
	c         candidate
	bidID     string
	reserved  int64 // USD micros reserved
	slotInPod adcom1.SlotPositionInPod
}

// vast4 is our markup's protocol family: VAST 4.0, 4.1 and 4.2 (inline or wrapper accepted).
func vast4OK(ps []adcom1.MediaCreativeSubtype, one adcom1.MediaCreativeSubtype) bool {
	if len(ps) == 0 && one == 0 {
		return true
	}
	ok := func(p adcom1.MediaCreativeSubtype) bool {
		return p == 7 || p == 8 || p == 11 || p == 12 || p == 13 || p == 14
	}
	if ok(one) {
		return true
	}
	for _, p := range ps {
		if ok(p) {
			return true
		}
	}
	return false
}

// bannerFits reports whether a banner creative fits the imp's banner object.
func bannerFits(b *openrtb2.Banner, cr *Creative) bool {
	if len(b.MIMEs) > 0 && !contains(b.MIMEs, cr.Mime) {
		return false
	}
	if len(b.Format) == 0 {
		return b.W != nil && b.H != nil && *b.W == cr.W && *b.H == cr.H
	}
	for _, f := range b.Format {
		if f.W == cr.W && f.H == cr.H {
			return true
		}
	}
	return false
}

// videoFits reports whether a video creative fits the imp's video object (its protocols
// checked once per imp with vast4OK).
func videoFits(v *openrtb2.Video, cr *Creative) bool {
	if len(v.RqdDurs) > 0 {
		if !slices.Contains(v.RqdDurs, cr.DurationSec) {
			return false
		}
	} else {
		if cr.DurationSec < v.MinDuration || (v.MaxDuration > 0 && cr.DurationSec > v.MaxDuration) {
			return false
		}
		if v.PodDur > 0 && cr.DurationSec > v.PodDur {
			return false
		}
	}
	if len(v.MIMEs) == 0 {
		return true
	}
	for i := range cr.MediaFiles {
		if contains(v.MIMEs, cr.MediaFiles[i].Mime) {
			return true
		}
	}
	return false
}

func attrBlocked(battr []adcom1.CreativeAttribute, attrs []int64) bool {
	for _, b := range battr {
		for _, a := range attrs {
			if int64(b) == a {
				return true
			}
		}
	}
	return false
}

// plcmtNames are the placement dimension's values for plcmt 0..15.
var plcmtNames = func() (n [16]string) {
	for i := range n {
		n[i] = strconv.Itoa(i)
	}
	return n
}()
