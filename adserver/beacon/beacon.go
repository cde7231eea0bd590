package beacon

import (
	"strconv"
	"time"
)

// Beacon is what a tracking URL says.
type Beacon struct {
	// Event is the tracking event: impression, start, firstQuartile, midpoint, thirdQuartile,
	// complete, pause, resume, skip, click, error.
	Event       string
	AdServingID string // the ad's <AdServingId>: distinct per ad served
	Creative    string
	Campaign    string
	Session     string
	Break       string
	Viewer      string
	ADomain     string // advertiser domain, for frequency caps
	Bidder      string // who won the ad ("" for direct-sold and house ads)
	Position    int    // 1-based position in the pod
	// PriceMicros is the price cleared for the ad, CPM, in micros of Currency.
	PriceMicros int64
	Currency    string
	Issued      time.Time // when the ad was decided (millisecond precision)
	// ThirdParty are URLs to fire server-side when this beacon lands (when the stitcher asked
	// the adserver to fire third-party trackers for it).
	ThirdParty []string
	// BillingURL is the winning bid's burl, fired on the impression.
	BillingURL string
	// ErrorCode is the VAST error code of an error beacon (unsigned, substituted by the player
	// for [ERRORCODE]); 0 when absent or not substituted.
	ErrorCode int
}

// The query parameters of a beacon, in signing order.
const (
	pAd       = "a"
	pCreative = "c"
	pCampaign = "m"
	pSession  = "s"
	pBreak    = "b"
	pViewer   = "u"
	pDomain   = "d"
	pBidder   = "w"
	pPosition = "q"
	pPrice    = "p"
	pCurrency = "cu"
	pIssued   = "t"
	pThird    = "x"
	pBill     = "n"
	pKey      = "k"
	pSig      = "sig"
	pCode     = "code"
)

// fields returns the signed parameters of b in order; a and t are always present.
func (b *Beacon) fields(issuedMS, third string) [13]field {
	pos, price := "", ""
	if b.Position > 0 {
		pos = strconv.Itoa(b.Position)
	}
	if b.PriceMicros != 0 {
		price = strconv.FormatInt(b.PriceMicros, 10)
	}
	return [13]field{
		{pAd, b.AdServingID}, {pCreative, b.Creative}, {pCampaign, b.Campaign}, {pSession, b.Session},
		{pBreak, b.Break}, {pViewer, b.Viewer}, {pDomain, b.ADomain}, {pBidder, b.Bidder},
		{pPosition, pos}, {pPrice, price}, {pCurrency, b.Currency}, {pIssued, issuedMS},
		{pThird, third},
	}
}

type field struct{ k, v string }
