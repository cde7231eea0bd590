package events

// TypeAdDecision is the wire type of AdDecision.
const TypeAdDecision = "decision"

// AdDecision records one ad break decision by the adserver: what the break asked for, what
// the auction filled, and how long it took. Family ads; key: the session id.
type AdDecision struct {
	Header
	SessionID string `json:"session"`
	BreakID   string `json:"break"`
	ContentID string `json:"content,omitempty"`
	// RequestedMS is the break duration asked for; FilledMS the duration of the ads placed.
	RequestedMS int64 `json:"requested_ms"`
	FilledMS    int64 `json:"filled_ms"`
	// PodSize is the maximum number of ads the break allowed; Creatives the ads placed, in
	// pod order.
	PodSize   int      `json:"pod_size"`
	Creatives []string `json:"creatives,omitempty"`
	// Bidders is the number of auction participants asked; Bids the bids they returned.
	Bidders int `json:"bidders"`
	Bids    int `json:"bids"`
	// AuctionLatencyUS is the auction's share of LatencyUS, the whole decision.
	AuctionLatencyUS int64 `json:"auction_latency_us"`
	LatencyUS        int64 `json:"latency_us"`
}

// Family implements Event.
func (*AdDecision) Family() Family { return FamilyAds }

// Type implements Typed.
func (*AdDecision) Type() string { return TypeAdDecision }

// Key implements Event.
func (e *AdDecision) Key() string { return e.SessionID }

// Append implements Event.
func (e *AdDecision) Append(dst []byte) ([]byte, error) {
	w := begin(dst, TypeAdDecision, &e.Header)
	w.Str("session", e.SessionID)
	w.Str("break", e.BreakID)
	w.StrOpt("content", e.ContentID)
	w.Int("requested_ms", e.RequestedMS)
	w.Int("filled_ms", e.FilledMS)
	w.Int("pod_size", int64(e.PodSize))
	w.StrsOpt("creatives", e.Creatives)
	w.Int("bidders", int64(e.Bidders))
	w.Int("bids", int64(e.Bids))
	w.Int("auction_latency_us", e.AuctionLatencyUS)
	w.Int("latency_us", e.LatencyUS)
	return end(&w), nil
}

// Validate implements Typed.
func (e *AdDecision) Validate() error {
	var c checker
	e.Header.validate(&c)
	c.token("session", e.SessionID, true)
	c.token("break", e.BreakID, true)
	c.token("content", e.ContentID, false)
	c.rangeInt("requested_ms", e.RequestedMS, 1, MaxDurationMS)
	c.rangeInt("filled_ms", e.FilledMS, 0, MaxDurationMS)
	c.rangeInt("pod_size", int64(e.PodSize), 0, MaxItems)
	c.tokens("creatives", e.Creatives, false)
	c.rangeInt("bidders", int64(e.Bidders), 0, MaxCount)
	c.rangeInt("bids", int64(e.Bids), 0, MaxCount)
	c.rangeInt("auction_latency_us", e.AuctionLatencyUS, 0, MaxLatencyUS)
	c.rangeInt("latency_us", e.LatencyUS, 0, MaxLatencyUS)
	return c.err
}

// TrackingKind is the VAST tracking event an AdTracking reports; it is its wire type.
type TrackingKind string

// The tracking events recorded.
const (
	TrackImpression    TrackingKind = "impression"
	TrackStart         TrackingKind = "start"
	TrackFirstQuartile TrackingKind = "first_quartile"
	TrackMidpoint      TrackingKind = "midpoint"
	TrackThirdQuartile TrackingKind = "third_quartile"
	TrackComplete      TrackingKind = "complete"
	TrackClick         TrackingKind = "click"
	TrackError         TrackingKind = "error"
	// The viewer's interactions with a playing ad (VAST 4 player operation events).
	TrackPause  TrackingKind = "pause"
	TrackResume TrackingKind = "resume"
	TrackSkip   TrackingKind = "skip"
	TrackMute   TrackingKind = "mute"
	TrackUnmute TrackingKind = "unmute"
)

// TrackingKinds lists every TrackingKind: the progress events in playback order, click and
// error, then the viewer's interactions.
var TrackingKinds = []TrackingKind{
	TrackImpression, TrackStart, TrackFirstQuartile, TrackMidpoint, TrackThirdQuartile,
	TrackComplete, TrackClick, TrackError,
	TrackPause, TrackResume, TrackSkip, TrackMute, TrackUnmute,
}

// Beacon sources.
const (
	SourceServer = "server" // fired by ssai when the viewer fetched the ad's segment
	SourceClient = "client" // fired by the player
)

// AdTracking records one VAST tracking event of one ad. All kinds share the fields; VASTError
// is set on errors only. Family ads; key: the session id.
type AdTracking struct {
	Header
	Kind      TrackingKind `json:"type"`
	SessionID string       `json:"session"`
	BreakID   string       `json:"break,omitempty"`
	// AdID is the VAST <Ad id>; Creative and Campaign identify what played.
	AdID     string `json:"ad,omitempty"`
	Creative string `json:"creative"`
	Campaign string `json:"campaign,omitempty"`
	// Position is the ad's 1-based position in its pod (0 when unknown).
	Position int `json:"position,omitempty"`
	// VASTError is the VAST error code (100–999) of an error event.
	VASTError int `json:"vast_error,omitempty"`
	// Source is SourceServer or SourceClient.
	Source string `json:"source,omitempty"`
	// Viewer is the viewer id the ad played to (optional).
	Viewer string `json:"viewer,omitempty"`
	// PriceMicros is the ad's clearing price in micros of Currency per thousand impressions
	// (CPM), 0 when unknown. The adserver puts it on every beacon of the ad; revenue counts it
	// on impressions only: one impression earns PriceMicros/1000 micros.
	PriceMicros int64 `json:"price_micros,omitempty"`
	// Currency is the ISO 4217 code of PriceMicros; empty means USD.
	Currency string `json:"currency,omitempty"`
}

// Family implements Event.
func (*AdTracking) Family() Family { return FamilyAds }

// Type implements Typed.
func (e *AdTracking) Type() string { return string(e.Kind) }

// Key implements Event.
func (e *AdTracking) Key() string { return e.SessionID }

// Append implements Event.
func (e *AdTracking) Append(dst []byte) ([]byte, error) {
	w := begin(dst, string(e.Kind), &e.Header)
	w.Str("session", e.SessionID)
	w.StrOpt("break", e.BreakID)
	w.StrOpt("ad", e.AdID)
	w.Str("creative", e.Creative)
	w.StrOpt("campaign", e.Campaign)
	w.IntOpt("position", int64(e.Position))
	w.IntOpt("vast_error", int64(e.VASTError))
	w.StrOpt("source", e.Source)
	w.StrOpt("viewer", e.Viewer)
	w.IntOpt("price_micros", e.PriceMicros)
	w.StrOpt("currency", e.Currency)
	return end(&w), nil
}

// Validate implements Typed.
func (e *AdTracking) Validate() error {
	var c checker
	if !e.Kind.valid() {
		c.fail("type", "%q is not a tracking event", e.Kind)
	}
	e.Header.validate(&c)
	c.token("session", e.SessionID, true)
	c.token("break", e.BreakID, false)
	c.token("ad", e.AdID, false)
	c.token("creative", e.Creative, true)
	c.token("campaign", e.Campaign, false)
	c.rangeInt("position", int64(e.Position), 0, MaxItems)
	if e.Kind == TrackError {
		c.rangeInt("vast_error", int64(e.VASTError), 100, 999)
	} else if e.VASTError != 0 {
		c.fail("vast_error", "only an error event has a VAST error code")
	}
	c.oneOf("source", e.Source, false, SourceServer, SourceClient)
	c.token("viewer", e.Viewer, false)
	c.rangeInt("price_micros", e.PriceMicros, 0, MaxMicros)
	c.currency("currency", e.Currency)
	return c.err
}

func (k TrackingKind) valid() bool {
	for _, v := range TrackingKinds {
		if k == v {
			return true
		}
	}
	return false
}

var adDecisionNames = withHeader("session", "break", "content", "requested_ms", "filled_ms", "pod_size",
	"creatives", "bidders", "bids", "auction_latency_us", "latency_us")

func (*AdDecision) names() []string { return adDecisionNames }

func (e *AdDecision) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "type":
		return r.fixedType(TypeAdDecision)
	case "session":
		e.SessionID = r.str()
		return own(0)
	case "break":
		e.BreakID = r.str()
		return own(1)
	case "content":
		e.ContentID = r.str()
		return own(2)
	case "requested_ms":
		e.RequestedMS = r.int()
		return own(3)
	case "filled_ms":
		e.FilledMS = r.int()
		return own(4)
	case "pod_size":
		e.PodSize = int(r.int())
		return own(5)
	case "creatives":
		e.Creatives = r.strs(e.Creatives)
		return own(6)
	case "bidders":
		e.Bidders = int(r.int())
		return own(7)
	case "bids":
		e.Bids = int(r.int())
		return own(8)
	case "auction_latency_us":
		e.AuctionLatencyUS = r.int()
		return own(9)
	case "latency_us":
		e.LatencyUS = r.int()
		return own(10)
	}
	return e.Header.field(r, key)
}

var adTrackingNames = withHeader("session", "break", "ad", "creative", "campaign", "position",
	"vast_error", "source", "viewer", "price_micros", "currency")

func (*AdTracking) names() []string { return adTrackingNames }

func (e *AdTracking) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "type":
		e.Kind = TrackingKind(r.str())
		return bitType
	case "session":
		e.SessionID = r.str()
		return own(0)
	case "break":
		e.BreakID = r.str()
		return own(1)
	case "ad":
		e.AdID = r.str()
		return own(2)
	case "creative":
		e.Creative = r.str()
		return own(3)
	case "campaign":
		e.Campaign = r.str()
		return own(4)
	case "position":
		e.Position = int(r.int())
		return own(5)
	case "vast_error":
		e.VASTError = int(r.int())
		return own(6)
	case "source":
		e.Source = r.str()
		return own(7)
	case "viewer":
		e.Viewer = r.str()
		return own(8)
	case "price_micros":
		e.PriceMicros = r.int()
		return own(9)
	case "currency":
		e.Currency = r.str()
		return own(10)
	}
	return e.Header.field(r, key)
}
