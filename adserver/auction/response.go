package auction

import (
	"errors"
	"fmt"
	"math"
	"time"

	json "github.com/goccy/go-json"
	"github.com/prebid/openrtb/v20/openrtb2"
)

// ErrInvalidResponse wraps every reason a whole bid response is refused.
var ErrInvalidResponse = errors.New("invalid bid response")

// Rejected is a bid dropped while reading a response, with its OpenRTB loss reason; its loss
// notice is still sent.
type Rejected struct {
	Bid    Bid
	Reason int
	Why    string
}

// ParseResponse reads a bid response to req from bidder and appends its valid bids to bids
// and the invalid ones to rejected. A response that is not JSON, or answers another request,
// is an error wrapping ErrInvalidResponse.
func ParseResponse(bidder string, body []byte, req *Request, bids []Bid, rejected []Rejected) ([]Bid, []Rejected, error) {
	var resp openrtb2.BidResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return bids, rejected, fmt.Errorf("%w from %s: %v", ErrInvalidResponse, bidder, shortErr(err))
	}
	if resp.ID != req.ID {
		return bids, rejected, fmt.Errorf("%w from %s: id %q answers another request", ErrInvalidResponse, bidder, resp.ID)
	}
	cur := resp.Cur
	if cur == "" {
		cur = "USD" // OpenRTB's default
	}
	for si := range resp.SeatBid {
		sb := &resp.SeatBid[si]
		for bi := range sb.Bid {
			ob := &sb.Bid[bi]
			b := Bid{
				Bidder: bidder, Seat: sb.Seat, ResponseID: resp.ID, ID: ob.ID, ImpID: ob.ImpID,
				AdID: ob.AdID, CreativeID: ob.CrID, CampaignID: ob.CID, DealID: ob.DealID,
				ADomain: ob.ADomain, Cat: ob.Cat, Adm: ob.AdM, NURL: ob.NURL, BURL: ob.BURL, LURL: ob.LURL,
				SlotInPod: int(ob.SlotInPod), Slot: req.SlotOf(ob.ImpID),
			}
			if len(req.Pod.Slots) == 0 {
				b.Slot = 0
			}
			if ob.Dur > 0 && ob.Dur < 24*3600 {
				b.Duration = time.Duration(ob.Dur) * time.Second
			}
			reason, why := validate(ob, req, cur)
			if reason == LossWon {
				b.PriceMicros = int64(math.Round(ob.Price * 1e6))
				bids = append(bids, b)
				continue
			}
			rejected = append(rejected, Rejected{Bid: b, Reason: reason, Why: why})
		}
	}
	return bids, rejected, nil
}

// validate returns the loss reason for a bid the auction cannot take, or LossWon (0) for a
// valid one.
func validate(b *openrtb2.Bid, req *Request, cur string) (int, string) {
	switch {
	case b.ID == "":
		return LossInvalidResponse, "bid without id"
	case req.SlotOf(b.ImpID) == 0:
		return LossInvalidResponse, fmt.Sprintf("impid %q is not an impression of the request", b.ImpID)
	case cur != req.Currency:
		return LossInvalidResponse, fmt.Sprintf("currency %s, the auction is in %s", cur, req.Currency)
	case !(b.Price > 0) || b.Price > 1e6 || math.IsInf(b.Price, 0):
		return LossInvalidResponse, fmt.Sprintf("price %g out of range", b.Price)
	case b.AdM == "" && b.NURL == "":
		return LossMissingMarkup, "neither adm nor nurl"
	case b.CrID == "":
		return LossMissingCreativeID, "no crid"
	case b.MType != 0 && b.MType != openrtb2.MarkupVideo:
		return LossIncorrectFormat, fmt.Sprintf("mtype %d is not video", b.MType)
	case b.DealID != "" && !hasDeal(req.Deals, b.DealID):
		return LossInvalidDeal, fmt.Sprintf("deal %q was not offered", b.DealID)
	}
	for _, d := range b.ADomain {
		for _, blocked := range req.BAdv {
			if d == blocked {
				return LossAdvertiserExcluded, "advertiser " + d + " is blocked"
			}
		}
	}
	for _, c := range b.Cat {
		for _, blocked := range req.BCat {
			if c == blocked {
				return LossCategoryExcluded, "category " + c + " is blocked"
			}
		}
	}
	return LossWon, ""
}

func hasDeal(ds []Deal, id string) bool {
	for i := range ds {
		if ds[i].ID == id {
			return true
		}
	}
	return false
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
