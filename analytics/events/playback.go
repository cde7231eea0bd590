package events

// TypeQoE is the wire type of QoE.
const TypeQoE = "qoe"

// QoE is a player's quality-of-experience report for one playback session. A player sends one
// every few seconds and a final one when playback ends; the counters are deltas since the
// session's previous report, so summing reports over any time window gives that window's
// totals. StartupMS is set in the session's first report only. Family playback; key: the
// session id.
type QoE struct {
	Header
	SessionID string `json:"session"`
	ContentID string `json:"content"`
	Device    string `json:"device,omitempty"`
	// StartupMS is the time from play requested to first frame.
	StartupMS int64 `json:"startup_ms,omitempty"`
	// WatchMS is the time spent playing (not stalled, not paused).
	WatchMS int64 `json:"watch_ms"`
	// Rebuffers is the number of stalls after startup and RebufferMS their total duration.
	Rebuffers  int   `json:"rebuffers"`
	RebufferMS int64 `json:"rebuffer_ms"`
	// BitrateSwitches is the number of rendition changes; BitrateKbps the time-weighted
	// average bitrate played.
	BitrateSwitches int `json:"bitrate_switches"`
	BitrateKbps     int `json:"bitrate_kbps"`
	// Errors is the number of player errors; LastError the last one's code or message.
	Errors    int    `json:"errors"`
	LastError string `json:"last_error,omitempty"`
	// Final marks the session's last report.
	Final bool `json:"final,omitempty"`
}

// Family implements Event.
func (*QoE) Family() Family { return FamilyPlayback }

// Type implements Typed.
func (*QoE) Type() string { return TypeQoE }

// Key implements Event.
func (e *QoE) Key() string { return e.SessionID }

// Append implements Event.
func (e *QoE) Append(dst []byte) ([]byte, error) {
	w := begin(dst, TypeQoE, &e.Header)
	w.Str("session", e.SessionID)
	w.Str("content", e.ContentID)
	w.StrOpt("device", e.Device)
	w.IntOpt("startup_ms", e.StartupMS)
	w.Int("watch_ms", e.WatchMS)
	w.Int("rebuffers", int64(e.Rebuffers))
	w.Int("rebuffer_ms", e.RebufferMS)
	w.Int("bitrate_switches", int64(e.BitrateSwitches))
	w.Int("bitrate_kbps", int64(e.BitrateKbps))
	w.Int("errors", int64(e.Errors))
	w.StrOpt("last_error", e.LastError)
	w.BoolOpt("final", e.Final)
	return end(&w), nil
}

// Validate implements Typed.
func (e *QoE) Validate() error {
	var c checker
	e.Header.validate(&c)
	c.token("session", e.SessionID, true)
	c.token("content", e.ContentID, true)
	c.token("device", e.Device, false)
	c.rangeInt("startup_ms", e.StartupMS, 0, MaxDurationMS)
	c.rangeInt("watch_ms", e.WatchMS, 0, MaxDurationMS)
	c.rangeInt("rebuffers", int64(e.Rebuffers), 0, MaxCount)
	c.rangeInt("rebuffer_ms", e.RebufferMS, 0, MaxDurationMS)
	c.rangeInt("bitrate_switches", int64(e.BitrateSwitches), 0, MaxCount)
	c.rangeInt("bitrate_kbps", int64(e.BitrateKbps), 0, 1_000_000)
	c.rangeInt("errors", int64(e.Errors), 0, MaxCount)
	c.text("last_error", e.LastError, MaxTextLen)
	return c.err
}

var qoeNames = withHeader("session", "content", "device", "startup_ms", "watch_ms", "rebuffers",
	"rebuffer_ms", "bitrate_switches", "bitrate_kbps", "errors", "last_error", "final")

func (*QoE) names() []string { return qoeNames }

func (e *QoE) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "type":
		return r.fixedType(TypeQoE)
	case "session":
		e.SessionID = r.str()
		return own(0)
	case "content":
		e.ContentID = r.str()
		return own(1)
	case "device":
		e.Device = r.str()
		return own(2)
	case "startup_ms":
		e.StartupMS = r.int()
		return own(3)
	case "watch_ms":
		e.WatchMS = r.int()
		return own(4)
	case "rebuffers":
		e.Rebuffers = int(r.int())
		return own(5)
	case "rebuffer_ms":
		e.RebufferMS = r.int()
		return own(6)
	case "bitrate_switches":
		e.BitrateSwitches = int(r.int())
		return own(7)
	case "bitrate_kbps":
		e.BitrateKbps = int(r.int())
		return own(8)
	case "errors":
		e.Errors = int(r.int())
		return own(9)
	case "last_error":
		e.LastError = r.str()
		return own(10)
	case "final":
		e.Final = r.bool()
		return own(11)
	}
	return e.Header.field(r, key)
}
