package events

// NoticeKind is the kind of an OpenRTB notice; it is the wire type of Notice.
type NoticeKind string

// The notices an exchange sends after an auction (nurl, burl, lurl).
const (
	NoticeWin     NoticeKind = "win"
	NoticeBilling NoticeKind = "billing"
	NoticeLoss    NoticeKind = "loss"
)

// Notice records a win, billing or loss notice for one of the bidder's bids. The three share
// their fields, as the OpenRTB notice URLs share their macros, so they are one type told apart
// by Kind. Family wins; key: the auction id.
type Notice struct {
	Header
	Kind      NoticeKind `json:"type"`
	AuctionID string     `json:"auction_id"`
	Exchange  string     `json:"exchange,omitempty"`
	ImpID     string     `json:"imp,omitempty"`
	BidID     string     `json:"bid,omitempty"`
	Campaign  string     `json:"campaign"`
	Creative  string     `json:"creative"`
	// PriceMicros is the clearing price (${AUCTION_PRICE}); on a loss, the winning price when
	// the exchange discloses it, else 0.
	PriceMicros int64 `json:"price_micros"`
	// BidMicros is the bidder's own bid.
	BidMicros int64 `json:"bid_micros,omitempty"`
	// Currency is the ISO 4217 code of the amounts; empty means USD.
	Currency string `json:"cur,omitempty"`
	// LossReason is the OpenRTB loss reason code (${AUCTION_LOSS}) of a loss notice.
	LossReason int `json:"loss_reason,omitempty"`
}

// Family implements Event.
func (*Notice) Family() Family { return FamilyWins }

// Type implements Typed.
func (e *Notice) Type() string { return string(e.Kind) }

// Key implements Event.
func (e *Notice) Key() string { return e.AuctionID }

// Append implements Event.
func (e *Notice) Append(dst []byte) ([]byte, error) {
	w := begin(dst, string(e.Kind), &e.Header)
	w.Str("auction_id", e.AuctionID)
	w.StrOpt("exchange", e.Exchange)
	w.StrOpt("imp", e.ImpID)
	w.StrOpt("bid", e.BidID)
	w.Str("campaign", e.Campaign)
	w.Str("creative", e.Creative)
	w.Int("price_micros", e.PriceMicros)
	w.IntOpt("bid_micros", e.BidMicros)
	w.StrOpt("cur", e.Currency)
	w.IntOpt("loss_reason", int64(e.LossReason))
	return end(&w), nil
}

// Validate implements Typed.
func (e *Notice) Validate() error {
	var c checker
	c.oneOf("type", string(e.Kind), true, string(NoticeWin), string(NoticeBilling), string(NoticeLoss))
	e.Header.validate(&c)
	c.token("auction_id", e.AuctionID, true)
	c.token("exchange", e.Exchange, false)
	c.token("imp", e.ImpID, false)
	c.token("bid", e.BidID, false)
	c.token("campaign", e.Campaign, true)
	c.token("creative", e.Creative, true)
	c.rangeInt("price_micros", e.PriceMicros, 0, MaxMicros)
	c.rangeInt("bid_micros", e.BidMicros, 0, MaxMicros)
	c.currency("cur", e.Currency)
	c.rangeInt("loss_reason", int64(e.LossReason), 0, 10_000)
	if e.LossReason != 0 && e.Kind != NoticeLoss {
		c.fail("loss_reason", "only a loss notice has a loss reason")
	}
	return c.err
}

var noticeNames = withHeader("auction_id", "exchange", "imp", "bid", "campaign", "creative",
	"price_micros", "bid_micros", "cur", "loss_reason")

func (*Notice) names() []string { return noticeNames }

func (e *Notice) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "type":
		e.Kind = NoticeKind(r.str())
		return bitType
	case "auction_id":
		e.AuctionID = r.str()
		return own(0)
	case "exchange":
		e.Exchange = r.str()
		return own(1)
	case "imp":
		e.ImpID = r.str()
		return own(2)
	case "bid":
		e.BidID = r.str()
		return own(3)
	case "campaign":
		e.Campaign = r.str()
		return own(4)
	case "creative":
		e.Creative = r.str()
		return own(5)
	case "price_micros":
		e.PriceMicros = r.int()
		return own(6)
	case "bid_micros":
		e.BidMicros = r.int()
		return own(7)
	case "cur":
		e.Currency = r.str()
		return own(8)
	case "loss_reason":
		e.LossReason = int(r.int())
		return own(9)
	}
	return e.Header.field(r, key)
}
