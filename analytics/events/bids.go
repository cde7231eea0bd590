package events

// TypeBidRequest is the wire type of BidRequest.
const TypeBidRequest = "bid_request"

// Imp media types, the values of BidRequest.Formats.
const (
	FormatVideo  = "video"
	FormatAudio  = "audio"
	FormatBanner = "banner"
	FormatNative = "native"
)

// BidRequest records one OpenRTB bid request the bidder answered and how: the bids it made,
// or the no-bid reason. Family bids; key: the request id, else the auction id.
type BidRequest struct {
	Header
	// AuctionID is the OpenRTB BidRequest.id.
	AuctionID string `json:"auction_id"`
	// Exchange is the SSP that sent the request; Publisher its publisher id.
	Exchange  string `json:"exchange"`
	Publisher string `json:"publisher,omitempty"`
	// Imps is the number of impressions offered; Formats their distinct media types.
	Imps    int      `json:"imps"`
	Formats []string `json:"formats,omitempty"`
	// FloorMicros is the highest imp bid floor, in micros of Currency.
	FloorMicros int64 `json:"floor_micros,omitempty"`
	// TmaxMS is the exchange's time limit.
	TmaxMS int `json:"tmax_ms,omitempty"`
	// Currency is the ISO 4217 code of every amount in the event; empty means USD.
	Currency string `json:"cur,omitempty"`
	// Bids is empty for a no-bid.
	Bids []Bid `json:"bids,omitempty"`
	// NBR is the OpenRTB no-bid reason code sent with a no-bid (0, unknown, when absent);
	// Reason is the bidder's own finer reason ("no_campaign", "below_floor", "paced", …).
	NBR    int    `json:"nbr,omitempty"`
	Reason string `json:"reason,omitempty"`
	// LatencyUS is the server time from request read to response written.
	LatencyUS int64 `json:"latency_us"`
}

// Bid is one bid of a BidRequest.
type Bid struct {
	ImpID       string `json:"imp"`
	PriceMicros int64  `json:"price_micros"`
	Campaign    string `json:"campaign"`
	Creative    string `json:"creative"`
	Deal        string `json:"deal,omitempty"`
}

// Family implements Event.
func (*BidRequest) Family() Family { return FamilyBids }

// Type implements Typed.
func (*BidRequest) Type() string { return TypeBidRequest }

// Key implements Event: the request id, so one viewer action's events stay in order.
func (e *BidRequest) Key() string {
	if e.RequestID != "" {
		return e.RequestID
	}
	return e.AuctionID
}

// Append implements Event.
func (e *BidRequest) Append(dst []byte) ([]byte, error) {
	w := begin(dst, TypeBidRequest, &e.Header)
	w.Str("auction_id", e.AuctionID)
	w.Str("exchange", e.Exchange)
	w.StrOpt("publisher", e.Publisher)
	w.Int("imps", int64(e.Imps))
	w.StrsOpt("formats", e.Formats)
	w.IntOpt("floor_micros", e.FloorMicros)
	w.IntOpt("tmax_ms", int64(e.TmaxMS))
	w.StrOpt("cur", e.Currency)
	if len(e.Bids) > 0 {
		w.OpenArr("bids")
		for i := range e.Bids {
			b := &e.Bids[i]
			w.Open("")
			w.Str("imp", b.ImpID)
			w.Int("price_micros", b.PriceMicros)
			w.Str("campaign", b.Campaign)
			w.Str("creative", b.Creative)
			w.StrOpt("deal", b.Deal)
			w.Close()
		}
		w.CloseArr()
	}
	w.IntOpt("nbr", int64(e.NBR))
	w.StrOpt("reason", e.Reason)
	w.Int("latency_us", e.LatencyUS)
	return end(&w), nil
}

// Validate implements Typed.
func (e *BidRequest) Validate() error {
	var c checker
	e.Header.validate(&c)
	c.token("auction_id", e.AuctionID, true)
	c.token("exchange", e.Exchange, true)
	c.token("publisher", e.Publisher, false)
	c.rangeInt("imps", int64(e.Imps), 1, MaxItems)
	c.tokens("formats", e.Formats, false)
	for _, f := range e.Formats {
		c.oneOf("formats", f, true, FormatVideo, FormatAudio, FormatBanner, FormatNative)
	}
	c.rangeInt("floor_micros", e.FloorMicros, 0, MaxMicros)
	c.rangeInt("tmax_ms", int64(e.TmaxMS), 0, 60_000)
	c.currency("cur", e.Currency)
	c.rangeInt("bids", int64(len(e.Bids)), 0, MaxItems)
	for i := range e.Bids {
		b := &e.Bids[i]
		c.token("bids.imp", b.ImpID, true)
		c.rangeInt("bids.price_micros", b.PriceMicros, 1, MaxMicros)
		c.token("bids.campaign", b.Campaign, true)
		c.token("bids.creative", b.Creative, true)
		c.token("bids.deal", b.Deal, false)
	}
	c.rangeInt("nbr", int64(e.NBR), 0, 1000)
	c.token("reason", e.Reason, false)
	if len(e.Bids) > 0 && (e.NBR != 0 || e.Reason != "") {
		c.fail("nbr", "a request with bids has no no-bid reason")
	}
	c.rangeInt("latency_us", e.LatencyUS, 0, MaxLatencyUS)
	return c.err
}

var bidRequestNames = withHeader("auction_id", "exchange", "publisher", "imps", "formats", "floor_micros",
	"tmax_ms", "cur", "bids", "nbr", "reason", "latency_us")

func (*BidRequest) names() []string { return bidRequestNames }

func (e *BidRequest) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "type":
		return r.fixedType(TypeBidRequest)
	case "auction_id":
		e.AuctionID = r.str()
		return own(0)
	case "exchange":
		e.Exchange = r.str()
		return own(1)
	case "publisher":
		e.Publisher = r.str()
		return own(2)
	case "imps":
		e.Imps = int(r.int())
		return own(3)
	case "formats":
		e.Formats = r.strs(e.Formats)
		return own(4)
	case "floor_micros":
		e.FloorMicros = r.int()
		return own(5)
	case "tmax_ms":
		e.TmaxMS = int(r.int())
		return own(6)
	case "cur":
		e.Currency = r.str()
		return own(7)
	case "bids":
		e.Bids = e.Bids[:0] // nil for a new event; a Decoder's scratch event keeps its array
		r.array(func() {
			e.Bids = append(e.Bids, Bid{})
			r.object(&e.Bids[len(e.Bids)-1])
		})
		return own(8)
	case "nbr":
		e.NBR = int(r.int())
		return own(9)
	case "reason":
		e.Reason = r.str()
		return own(10)
	case "latency_us":
		e.LatencyUS = r.int()
		return own(11)
	}
	return e.Header.field(r, key)
}

var bidNames = []string{"imp", "price_micros", "campaign", "creative", "deal"}

func (*Bid) names() []string { return bidNames }

func (b *Bid) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "imp":
		b.ImpID = r.str()
		return 1 << 0
	case "price_micros":
		b.PriceMicros = r.int()
		return 1 << 1
	case "campaign":
		b.Campaign = r.str()
		return 1 << 2
	case "creative":
		b.Creative = r.str()
		return 1 << 3
	case "deal":
		b.Deal = r.str()
		return 1 << 4
	}
	return 0
}
