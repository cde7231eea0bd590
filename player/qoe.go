package player

import (
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// qoe keeps what the previous QoE report said, so each report carries the deltas since then
// (events.QoE: summing reports over a window gives the window's totals).
type qoe struct {
	next          time.Time
	reports       int
	watch         time.Duration
	rebuffers     int
	rebufferTime  time.Duration
	switches      int
	errors        int
	bitsWeighted  float64 // Σ bandwidth × duration of the video segments played since the last report
	mediaWeighted float64 // Σ duration
}

// report emits a QoE event with the deltas since the previous one.
func (s *session) report(final bool) {
	if s.cfg.emitter == nil {
		return
	}
	q := &s.qoe
	r := &s.res
	ev := &events.QoE{
		Header:          events.NewHeader(s.cfg.service, s.res.Info.RequestID),
		SessionID:       s.sessionID(),
		ContentID:       s.contentID(),
		Device:          s.cfg.device,
		WatchMS:         (s.pb.watch - q.watch).Milliseconds(),
		Rebuffers:       s.pb.rebuffers - q.rebuffers,
		RebufferMS:      (s.pb.rebufferTime - q.rebufferTime).Milliseconds(),
		BitrateSwitches: r.Switches - q.switches,
		Errors:          r.Errors - q.errors,
		Final:           final,
	}
	if !isToken(ev.Header.RequestID) {
		ev.Header.RequestID = ""
	}
	if q.reports == 0 && r.Started {
		ev.StartupMS = max(r.Startup.ToPlayback.Milliseconds(), 1)
	}
	if q.mediaWeighted > 0 {
		ev.BitrateKbps = int(q.bitsWeighted / q.mediaWeighted / 1000)
	}
	if ev.Errors > 0 {
		ev.LastError = truncate(r.LastError, events.MaxTextLen)
	}
	q.reports++
	q.watch, q.rebuffers, q.rebufferTime = s.pb.watch, s.pb.rebuffers, s.pb.rebufferTime
	q.switches, q.errors = r.Switches, r.Errors
	q.bitsWeighted, q.mediaWeighted = 0, 0
	s.cfg.emitter.Emit(ev)
}

// sessionID is the QoE events' session: the id SSAI's own events carry for the session (its
// answer's "id"), else its token when that fits an event token, else an id of the player's own.
func (s *session) sessionID() string {
	if s.id == "" {
		switch {
		case isToken(s.res.Info.ID):
			s.id = s.res.Info.ID
		case isToken(s.res.Info.Session):
			s.id = s.res.Info.Session
		default:
			s.id = events.NewID()
		}
	}
	return s.id
}

// contentID is the session's content id, else the configured one, else the source's name.
func (s *session) contentID() string {
	for _, c := range []string{s.req.Content, s.cfg.content, s.req.Source, s.source} {
		if isToken(c) {
			return c
		}
	}
	return "unknown"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// isToken is the events package's rule for single-token strings: 1–MaxTokenLen printable ASCII
// bytes without spaces, quotes or backslashes.
func isToken(v string) bool {
	if v == "" || len(v) > events.MaxTokenLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; b <= ' ' || b >= 0x7f || b == '"' || b == '\\' {
			return false
		}
	}
	return true
}
