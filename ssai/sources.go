package ssai

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

// Beacon modes.
const (
	beaconsServer = "server"
	beaconsClient = "client"
)

// Source is a content origin registered by name: any HLS origin, ours or another.
type Source struct {
	Name string `json:"name"`
	URL  string `json:"url"` // the multivariant playlist
	// Slate is an HLS asset (multivariant playlist) that fills breaks when there are no ads;
	// empty: breaks without ads play the content.
	Slate string `json:"slate,omitempty"`
	// Preroll, Midrolls and Midroll schedule breaks into a VOD source, which carries no cues:
	// a pre-roll of Preroll seconds, and a mid-roll of Midroll seconds at each of Midrolls
	// (seconds of content, placed at the first segment boundary at or after each). Zero values
	// schedule nothing. Live sources are stitched at their own cues.
	Preroll  float64   `json:"preroll,omitempty"`
	Midrolls []float64 `json:"midrolls,omitempty"`
	Midroll  float64   `json:"midroll,omitempty"`
	// Beacons is the default beacon mode of the source's sessions: "server" (the default: ssai
	// fires them when the player fetches the ad's segments) or "client" (the player fires them
	// from the session's tracking JSON). A session may ask for either.
	Beacons string `json:"beacons,omitempty"`
	// Mode is "stitched" (the default: ads spliced into the media playlists) or
	// "interstitials" (HLS Interstitials: EXT-X-DATERANGE with an asset list per break; the
	// player fetches the ads itself and fires their beacons from the tracking JSON).
	Mode string `json:"mode,omitempty"`
}

// maxScheduled bounds a schedule: breaks and their length.
const (
	maxScheduled      = 32
	maxScheduledBreak = 300.0 // seconds
)

// schedule appends the source's scheduled breaks in VOD playlist p (a Planner's Extra).
func (s *Source) interstitials() bool { return s.Mode == modeInterstitials }

func (s *Source) schedule(dst []stitch.Span, p *hls.MediaPlaylist) []stitch.Span {
	if !p.EndList || len(p.Segments) == 0 {
		return dst
	}
	if s.Preroll > 0 {
		dst = append(dst, stitch.Span{ID: "pre", First: p.MediaSequence, Planned: seconds(s.Preroll), Closed: true})
	}
	if s.Midroll <= 0 {
		return dst
	}
	for _, at := range s.Midrolls {
		var t time.Duration
		for i := range p.Segments {
			if t >= seconds(at) {
				if i > 0 { // a mid-roll at 0 is the pre-roll's business
					dst = append(dst, stitch.Span{ID: "mid", First: p.MediaSequence + uint64(i), Planned: seconds(s.Midroll), Closed: true})
				}
				break
			}
			t += p.Segments[i].Duration
		}
	}
	return dst
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// sources is the registry of sources by name.
type sources struct {
	mu sync.RWMutex
	m  map[string]*Source // never modified once stored: sessions share them
}

func (r *sources) get(name string) (*Source, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.m[name]
	return s, ok
}

func (r *sources) set(s Source) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string]*Source)
	}
	r.m[s.Name] = &s
}

func (r *sources) list() []Source {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Source, 0, len(r.m))
	for _, s := range r.m {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Source) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// validateSource checks a source's name (a URL path segment) and URL (absolute http or https).
func validateSource(s Source) error {
	if s.Name == "" || len(s.Name) > 64 || strings.Trim(s.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" || s.Name[0] == '.' {
		return fmt.Errorf("source name %q: want 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'", s.Name)
	}
	if s.Preroll < 0 || s.Preroll > maxScheduledBreak || s.Midroll < 0 || s.Midroll > maxScheduledBreak || len(s.Midrolls) > maxScheduled {
		return fmt.Errorf("source schedule: preroll and midroll are 0 to %g seconds, at most %d midrolls", maxScheduledBreak, maxScheduled)
	}
	for _, at := range s.Midrolls {
		if at <= 0 || at > 24*3600 {
			return fmt.Errorf("source schedule: midroll offset %g: want seconds of content, above 0", at)
		}
	}
	if s.Mode != "" && s.Mode != modeStitched && s.Mode != modeInterstitials {
		return fmt.Errorf("source mode %q: want %q or %q", s.Mode, modeStitched, modeInterstitials)
	}
	if s.Beacons != "" && s.Beacons != beaconsServer && s.Beacons != beaconsClient {
		return fmt.Errorf("source beacons %q: want %q or %q", s.Beacons, beaconsServer, beaconsClient)
	}
	for _, v := range []struct{ name, u string }{{"url", s.URL}, {"slate", s.Slate}} {
		if v.name == "slate" && v.u == "" {
			continue
		}
		u, err := url.Parse(v.u)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("source %s %q: want an absolute http or https URL of a multivariant playlist", v.name, v.u)
		}
	}
	return nil
}
