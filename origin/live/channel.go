package live

import (
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// Errors a channel answers with; the origin maps them to HTTP status codes.
var (
	ErrNoRendition = errors.New("no such rendition")
	ErrNotStarted  = errors.New("the channel has not published its first segment yet")
	ErrNotYet      = errors.New("segment not published yet")
	ErrGone        = errors.New("segment has left the live window")
	ErrNoSegment   = errors.New("not a segment of this channel")
)

// Channel is a simulated live channel: an asset looped from the epoch, published as a sliding
// window whose content depends only on the clock. It is safe for concurrent use.
type Channel struct {
	cfg      Config
	clock    Clock
	src      *source
	tl       timeline
	target   int    // EXT-X-TARGETDURATION, the same in every rendition, forever
	gen      uint64 // fingerprint of the configuration and asset, part of every ETag
	caches   map[string]*atomic.Pointer[Playlist]
	minDur   time.Duration
	maxDur   time.Duration
	retained int64 // segments still served after they left the window

	sigMu   sync.Mutex
	sigRing [8]sigEntry
	sigNext int
}

// New loads the channel's asset and checks the configuration against it.
func New(cfg Config, clock Clock) (*Channel, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("channel %s: %w", cfg.Name, err)
	}
	if clock == nil {
		clock = SystemClock{}
	}
	src, err := loadSource(cfg.Asset)
	if err != nil {
		return nil, fmt.Errorf("channel %s: asset %s: %w", cfg.Name, cfg.Asset, err)
	}
	c := &Channel{cfg: cfg, clock: clock, src: src, tl: newTimeline(src.reference),
		caches: map[string]*atomic.Pointer[Playlist]{}, minDur: time.Hour, retained: int64(cfg.Window)}
	for _, name := range src.names {
		r := src.renditions[name]
		for _, d := range r.durations {
			c.target = max(c.target, hls.RoundSeconds(d))
			c.minDur, c.maxDur = min(c.minDur, d), max(c.maxDur, d)
		}
		c.caches[name] = new(atomic.Pointer[Playlist])
	}
	c.target = max(c.target, 1)
	var errs []error
	if total := time.Duration(cfg.Window) * c.minDur; total < 3*time.Duration(c.target)*time.Second {
		errs = append(errs, fmt.Errorf("a window of %d segments lasts %s, less than 3 target durations (%d s)", cfg.Window, total, 3*c.target))
	}
	s := cfg.Breaks
	if s.Duration < c.maxDur {
		errs = append(errs, fmt.Errorf("breaks of %s are shorter than a segment (%s)", s.Duration, c.maxDur))
	}
	if s.Every < s.Duration+2*c.maxDur {
		errs = append(errs, fmt.Errorf("breaks every %s leave no content between %s breaks of %s segments", s.Every, s.Duration, c.maxDur))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("channel %s: %w", cfg.Name, err)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s|%d|%d|%+v|", cfg.Name, cfg.Format, cfg.Window, cfg.Epoch.UnixNano(), cfg.Breaks)
	h.Write(src.master)
	c.gen = h.Sum64()
	return c, nil
}

// Name returns the channel name.
func (c *Channel) Name() string { return c.cfg.Name }

// Config returns the channel's configuration, defaults applied.
func (c *Channel) Config() Config { return c.cfg }

// TargetDuration returns the channel's EXT-X-TARGETDURATION.
func (c *Channel) TargetDuration() int { return c.target }

// Renditions returns the rendition names: video variants in master order, then audio.
func (c *Channel) Renditions() []string { return append([]string(nil), c.src.names...) }

// Master returns the multivariant playlist: the asset's, whose relative URIs name the
// channel's media playlists.
func (c *Channel) Master() []byte { return c.src.master }

// PlaylistName returns the file name of a rendition's media playlist ("index.m3u8").
func (c *Channel) PlaylistName(rendition string) (string, bool) {
	r, ok := c.src.renditions[rendition]
	if !ok {
		return "", false
	}
	return r.playlist, true
}

// Segment resolves a file under a rendition of the channel ("123.ts", "init.mp4") to the asset
// file to serve. Segments are served from the moment they are published until they have been
// out of the window for as long as the window lasts (players a little behind still get them).
func (c *Channel) Segment(rendition, file string) (path string, immutable bool, err error) {
	r, ok := c.src.renditions[rendition]
	if !ok {
		return "", false, ErrNoRendition
	}
	dir := filepath.Join(c.src.dir, r.name)
	if r.initFile != "" && file == r.initFile {
		return filepath.Join(dir, r.initFile), true, nil
	}
	num, ok := strings.CutSuffix(file, r.ext)
	if !ok || num == "" || len(num) > 18 || (len(num) > 1 && num[0] == '0') {
		return "", false, ErrNoSegment
	}
	g, perr := strconv.ParseInt(num, 10, 64)
	if perr != nil || g < 0 {
		return "", false, ErrNoSegment
	}
	live := c.tl.completed(c.clock.Now().Sub(c.cfg.Epoch))
	switch {
	case g >= live:
		return "", false, ErrNotYet
	case g < live-int64(c.cfg.Window)-c.retained:
		return "", false, ErrGone
	}
	return filepath.Join(dir, r.files[g%c.tl.n]), true, nil
}

// Info is the channel's state, for GET /v1/channels.
type Info struct {
	Name           string     `json:"name"`
	Asset          string     `json:"asset"`
	Format         string     `json:"format"`
	Window         int        `json:"window"`
	TargetDuration int        `json:"target_duration"`
	Epoch          time.Time  `json:"epoch"`
	Renditions     []string   `json:"renditions"`
	LoopDuration   string     `json:"loop_duration"`
	MediaSequence  int64      `json:"media_sequence"` // of the first segment in the window now
	LiveEdge       time.Time  `json:"live_edge"`      // program date-time where the window ends
	Breaks         Schedule   `json:"-"`
	BreakEvery     string     `json:"break_every"`
	BreakDuration  string     `json:"break_duration"`
	NextBreak      *BreakInfo `json:"next_break,omitempty"`
}

// BreakInfo is one scheduled break.
type BreakInfo struct {
	EventID  uint32    `json:"event_id"`
	Start    time.Time `json:"start"`
	Duration string    `json:"duration"`
}

// Info returns the channel's state now.
func (c *Channel) Info() Info {
	live := c.tl.completed(c.clock.Now().Sub(c.cfg.Epoch))
	info := Info{Name: c.cfg.Name, Asset: filepath.Base(c.cfg.Asset), Format: c.cfg.Format.String(),
		Window: c.cfg.Window, TargetDuration: c.target, Epoch: c.cfg.Epoch, Renditions: c.Renditions(),
		LoopDuration: c.tl.loop.String(), MediaSequence: max(0, live-int64(c.cfg.Window)),
		LiveEdge: c.cfg.Epoch.Add(c.tl.start(live)), Breaks: c.cfg.Breaks,
		BreakEvery: c.cfg.Breaks.Every.String(), BreakDuration: c.cfg.Breaks.Duration.String()}
	b := c.cueBreak(c.nextBreak(max(live-1, 0)))
	info.NextBreak = &BreakInfo{EventID: b.EventID, Start: b.Start, Duration: b.Duration.String()}
	return info
}
