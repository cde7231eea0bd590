package events

// TypeSessionStart is the wire type of SessionStart.
const TypeSessionStart = "session_start"

// The ways ssai delivers a session's ads, the values of SessionStart.Mode.
const (
	ModeStitched      = "stitched"      // ads stitched into the session's media playlists
	ModeInterstitials = "interstitials" // HLS interstitials (EXT-X-DATERANGE) the player fetches
)

// SessionStart records one SSAI session start: which source and content it plays, how its
// ads are delivered, and where the start's time went. Service "ssai"; family playback; key:
// the session id.
//
// Its Header.RequestID is the trace id ssai sent to the adserver with the preroll request;
// the adserver passes it on to its auction and the auction to every bidder. So one viewer's
// start can be followed by request_id through the playback table (this event), the ads table
// (AdDecision: latency_us, auction_latency_us) and the bids table (BidRequest: latency_us).
type SessionStart struct {
	Header
	SessionID string `json:"session"`
	// Source is the ssai source (channel or VOD asset configuration) the session plays.
	Source    string `json:"source"`
	ContentID string `json:"content,omitempty"`
	Viewer    string `json:"viewer,omitempty"`
	// Mode is ModeStitched or ModeInterstitials.
	Mode string `json:"mode"`
	// PrerollAds is the number of ads placed in the preroll (0 when none).
	PrerollAds int `json:"preroll_ads"`
	// DecisionUS is how long the start waited for the adserver's preroll decision (0 when
	// it asked for none); it is part of LatencyUS, the whole session start in ssai.
	DecisionUS int64 `json:"decision_us"`
	LatencyUS  int64 `json:"latency_us"`
}

// Family implements Event.
func (*SessionStart) Family() Family { return FamilyPlayback }

// Type implements Typed.
func (*SessionStart) Type() string { return TypeSessionStart }

// Key implements Event.
func (e *SessionStart) Key() string { return e.SessionID }

// Append implements Event.
func (e *SessionStart) Append(dst []byte) ([]byte, error) {
	w := begin(dst, TypeSessionStart, &e.Header)
	w.Str("session", e.SessionID)
	w.Str("source", e.Source)
	w.StrOpt("content", e.ContentID)
	w.StrOpt("viewer", e.Viewer)
	w.Str("mode", e.Mode)
	w.Int("preroll_ads", int64(e.PrerollAds))
	w.Int("decision_us", e.DecisionUS)
	w.Int("latency_us", e.LatencyUS)
	return end(&w), nil
}

// Validate implements Typed.
func (e *SessionStart) Validate() error {
	var c checker
	e.Header.validate(&c)
	c.token("session", e.SessionID, true)
	c.token("source", e.Source, true)
	c.token("content", e.ContentID, false)
	c.token("viewer", e.Viewer, false)
	c.oneOf("mode", e.Mode, true, ModeStitched, ModeInterstitials)
	c.rangeInt("preroll_ads", int64(e.PrerollAds), 0, MaxItems)
	c.rangeInt("decision_us", e.DecisionUS, 0, MaxLatencyUS)
	c.rangeInt("latency_us", e.LatencyUS, 0, MaxLatencyUS)
	return c.err
}

var sessionStartNames = withHeader("session", "source", "content", "viewer", "mode", "preroll_ads",
	"decision_us", "latency_us")

func (*SessionStart) names() []string { return sessionStartNames }

func (e *SessionStart) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "type":
		return r.fixedType(TypeSessionStart)
	case "session":
		e.SessionID = r.str()
		return own(0)
	case "source":
		e.Source = r.str()
		return own(1)
	case "content":
		e.ContentID = r.str()
		return own(2)
	case "viewer":
		e.Viewer = r.str()
		return own(3)
	case "mode":
		e.Mode = r.str()
		return own(4)
	case "preroll_ads":
		e.PrerollAds = int(r.int())
		return own(5)
	case "decision_us":
		e.DecisionUS = r.int()
		return own(6)
	case "latency_us":
		e.LatencyUS = r.int()
		return own(7)
	}
	return e.Header.field(r, key)
}
