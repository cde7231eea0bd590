package auction

import "time"

// Bid is one bid of a bid response, validated and converted: price in integer micros of the
// auction currency, duration as a time.Duration.
type Bid struct {
	Bidder string // the configured bidder that returned it
	Seat   string // seatbid.seat
	// ResponseID is BidResponse.id; BidID the bid's id; ImpID the impression it is for.
	ResponseID string
	ID         string
	ImpID      string
	// PriceMicros is the bid price (CPM) in micros of the auction currency.
	PriceMicros int64
	AdID        string
	CreativeID  string // crid
	CampaignID  string // cid
	DealID      string
	ADomain     []string
	Cat         []string
	// Duration is the bid's dur (whole seconds); 0 when the bid did not say, and then the
	// adm's VAST Duration decides.
	Duration time.Duration
	// Adm is the markup: VAST, or empty when the ad is served by calling NURL.
	Adm  string
	NURL string
	BURL string
	LURL string
	// SlotInPod echoes the slot the bid asked for (0 any).
	SlotInPod int
	// Slot is the 1-based slot of a structured pod the bid is for (its impression); 0 for a
	// dynamic pod.
	Slot int
}

// Loss reasons (OpenRTB 2.6, section 5.25) sent in ${AUCTION_LOSS} of loss notices.
const (
	LossWon                 = 0
	LossInternal            = 1
	LossExpired             = 2
	LossInvalidResponse     = 3
	LossInvalidDeal         = 4
	LossMissingMarkup       = 7
	LossMissingCreativeID   = 8
	LossBelowFloor          = 100
	LossBelowDealFloor      = 101
	LossOutbid              = 102
	LossLostToDeal          = 103
	LossCreativeFiltered    = 200
	LossCreativePending     = 201 // pending processing by the exchange (here: conditioning)
	LossCreativeDisapproved = 202
	LossIncorrectFormat     = 204
	LossAdvertiserExcluded  = 205
	LossCategoryExcluded    = 209
	LossAttributeExcluded   = 210
)
