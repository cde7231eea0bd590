package adserver

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Position is where a break sits in the content.
type Position uint8

// Break positions.
const (
	PositionPre Position = iota + 1
	PositionMid
	PositionPost
)

func (p Position) String() string {
	switch p {
	case PositionPre:
		return "pre"
	case PositionPost:
		return "post"
	}
	return "mid"
}

// BreakRequest is one ad break to fill, as the stitcher (or a player) asked for it.
type BreakRequest struct {
	// ID names the break; the stitcher's break id when it sent one, else generated.
	ID       string
	Duration time.Duration // the break's length
	MinAd    time.Duration // shortest ad accepted (0: any)
	MaxAd    time.Duration // longest ad accepted (0: the break)
	// RequiredDurations, when set, are the only ad lengths accepted (whole seconds).
	RequiredDurations []int
	// Slots, when set, make the break a structured pod: one ad at most per slot, in slot
	// order, each at most the slot's length (whole seconds). The auction sends one
	// impression per slot (OpenRTB 2.6 slotinpod) and a bid fills only the slot it was for.
	Slots    []time.Duration
	PodSize  int // most ads
	Position Position
	Viewer   string
	Content  string
	Session  string
	IP       string
	UA       string
	IFA      string
	LMT      bool
	// ServerSideTracking: the stitcher fires the tracking URLs server-side and wants only the
	// adserver's beacons in the VAST; the adserver fires third-party trackers itself when
	// they land.
	ServerSideTracking bool
	GDPR               *bool
	Consent            string
	USPrivacy          string
	COPPA              bool
	Live               bool
	// Again: the stitcher may have asked for this session's break before (it rebuilt the
	// session on another instance, or retries); the pod answered then is answered again.
	Again bool
	// RequestID is the trace id (X-Request-Id) shared with the auction's bid requests.
	RequestID string
}

// Limits on parameters.
const (
	maxIDLen = 128 // ids are tokens: printable ASCII without spaces or quotes (like events)
	maxUALen = 512
)

// errParam is wrapped by every reason a request's parameters are refused (400).
var errParam = errors.New("bad parameter")

func badParam(name, format string, a ...any) error {
	return fmt.Errorf("%w %s: %s", errParam, name, fmt.Sprintf(format, a...))
}

// Args is a request's query: fasthttp.Args satisfies it.
type Args interface {
	Peek(key string) []byte
	Has(key string) bool
}

// ParseBreak reads the parameters of GET /vast into a BreakRequest, checking each against
// the limits of cfg. The error names the parameter and what is wrong with it.
//
//	dur      break length in seconds (required unless slots is given; decimals allowed)
//	min,max  bounds of one ad's length in seconds
//	durs     accepted ad lengths in whole seconds, comma-separated (instead of min/max)
//	slots    a structured pod: each slot's length in whole seconds, comma-separated, in
//	         order (at most ps or --max-pod-ads slots; dur, when given, at least their sum)
//	ps       most ads in the pod
//	pos      pre, mid or post (default mid)
//	uid, content, session, break  ids (tokens of at most 128 printable characters)
//	ip, ua   the viewer's address and user agent
//	ifa, lmt advertising id and limit-ad-tracking flag
//	sst      1: server-side tracking (only Cuepoint beacons in the VAST)
//	gdpr, gdpr_consent, us_privacy, coppa, live
func ParseBreak(q Args, cfg *Config) (*BreakRequest, error) {
	br := &BreakRequest{Position: PositionMid}
	var err error
	if br.Slots, err = parseSlots(q, cfg); err != nil {
		return nil, err
	}
	if !q.Has("dur") && len(br.Slots) == 0 {
		return nil, badParam("dur", "required: the break length in seconds")
	}
	if br.Duration, err = seconds(q, "dur"); err != nil {
		return nil, err
	}
	var slotsTotal time.Duration
	for _, d := range br.Slots {
		slotsTotal += d
	}
	if !q.Has("dur") {
		br.Duration = slotsTotal
	}
	if br.Duration <= 0 || br.Duration > cfg.MaxBreak {
		return nil, badParam("dur", "%s is outside (0, %s]", br.Duration, cfg.MaxBreak)
	}
	if br.MinAd, err = seconds(q, "min"); err != nil {
		return nil, err
	}
	if br.MaxAd, err = seconds(q, "max"); err != nil {
		return nil, err
	}
	if br.MinAd < 0 || br.MaxAd < 0 {
		return nil, badParam("min", "ad lengths must not be negative")
	}
	if br.MaxAd > 0 && br.MinAd > br.MaxAd {
		return nil, badParam("min", "min %s is above max %s", br.MinAd, br.MaxAd)
	}
	if br.MinAd > br.Duration {
		return nil, badParam("min", "min %s is longer than the break (%s)", br.MinAd, br.Duration)
	}
	if v := q.Peek("durs"); len(v) > 0 {
		for _, s := range strings.Split(string(v), ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n <= 0 || time.Duration(n)*time.Second > br.Duration {
				return nil, badParam("durs", "%q: want whole seconds within the break, comma-separated", s)
			}
			br.RequiredDurations = append(br.RequiredDurations, n)
			if len(br.RequiredDurations) > 16 {
				return nil, badParam("durs", "at most 16 lengths")
			}
		}
	}
	br.PodSize = cfg.MaxPodAds
	if v := q.Peek("ps"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 || n > cfg.MaxPodAds {
			return nil, badParam("ps", "%q: want 1..%d", v, cfg.MaxPodAds)
		}
		br.PodSize = n
	}
	if len(br.Slots) > 0 {
		if len(br.Slots) > br.PodSize {
			return nil, badParam("slots", "%d slots, more than ps %d", len(br.Slots), br.PodSize)
		}
		if slotsTotal > br.Duration {
			return nil, badParam("slots", "the slots last %s, longer than dur %s", slotsTotal, br.Duration)
		}
		for i, d := range br.Slots {
			if !slotAccepts(br, d) {
				return nil, badParam("slots", "slot %d (%s) accepts no ad length allowed by min/durs", i+1, d)
			}
		}
		br.PodSize = len(br.Slots)
	}
	switch v := string(q.Peek("pos")); v {
	case "", "mid":
	case "pre":
		br.Position = PositionPre
	case "post":
		br.Position = PositionPost
	default:
		return nil, badParam("pos", "%q: want pre, mid or post", v)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"uid", &br.Viewer}, {"content", &br.Content}, {"session", &br.Session}, {"break", &br.ID}, {"ifa", &br.IFA}, {"gdpr_consent", &br.Consent}, {"us_privacy", &br.USPrivacy}} {
		v := q.Peek(f.name)
		max := maxIDLen
		if f.name == "gdpr_consent" {
			max = 4096 // TCF strings are long
		}
		if err := checkToken(f.name, v, max); err != nil {
			return nil, err
		}
		*f.dst = string(v)
	}
	if v := q.Peek("ip"); len(v) > 0 {
		a, err := netip.ParseAddr(string(v))
		if err != nil {
			return nil, badParam("ip", "%q is not an IP address", v)
		}
		br.IP = a.Unmap().String()
	}
	if v := q.Peek("ua"); len(v) > 0 {
		if len(v) > maxUALen {
			return nil, badParam("ua", "longer than %d bytes", maxUALen)
		}
		for _, c := range v {
			if c < 0x20 || c == 0x7f {
				return nil, badParam("ua", "control characters are not allowed")
			}
		}
		br.UA = string(v)
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"sst", &br.ServerSideTracking}, {"lmt", &br.LMT}, {"coppa", &br.COPPA}, {"live", &br.Live}, {"again", &br.Again}} {
		if *f.dst, err = flag(q, f.name); err != nil {
			return nil, err
		}
	}
	if q.Has("gdpr") {
		g, err := flag(q, "gdpr")
		if err != nil {
			return nil, err
		}
		br.GDPR = &g
	}
	return br, nil
}

// parseSlots reads the slots parameter: whole seconds, comma-separated.
func parseSlots(q Args, cfg *Config) ([]time.Duration, error) {
	v := q.Peek("slots")
	if len(v) == 0 {
		return nil, nil
	}
	var out []time.Duration
	for _, s := range strings.Split(string(v), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 || time.Duration(n)*time.Second > cfg.MaxBreak {
			return nil, badParam("slots", "%q: want each slot's length in whole seconds, comma-separated", s)
		}
		if len(out) == cfg.MaxPodAds {
			return nil, badParam("slots", "at most %d slots", cfg.MaxPodAds)
		}
		out = append(out, time.Duration(n)*time.Second)
	}
	return out, nil
}

// slotAccepts reports whether some ad length the break allows fits a slot of length d.
func slotAccepts(br *BreakRequest, d time.Duration) bool {
	if len(br.RequiredDurations) > 0 {
		for _, s := range br.RequiredDurations {
			if time.Duration(s)*time.Second <= d {
				return true
			}
		}
		return false
	}
	return br.MinAd <= d
}

func seconds(q Args, name string) (time.Duration, error) {
	v := q.Peek(name)
	if len(v) == 0 {
		return 0, nil
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != f || f > 1e6 || f < -1e6 {
		return 0, badParam(name, "%q is not a number of seconds", v)
	}
	return time.Duration(f * float64(time.Second)).Round(time.Millisecond), nil
}

func flag(q Args, name string) (bool, error) {
	switch v := string(q.Peek(name)); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, badParam(name, "%q: want 0 or 1", v)
	}
}

func checkToken(name string, v []byte, max int) error {
	if len(v) > max {
		return badParam(name, "longer than %d bytes", max)
	}
	for _, c := range v {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return badParam(name, "%q: only printable ASCII without spaces, quotes or backslashes", v)
		}
	}
	return nil
}
