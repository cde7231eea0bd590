package live

import (
	"strconv"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

// Playlist is one rendition's media playlist at one window position.
type Playlist struct {
	Body          []byte
	ETag          string // strong, quoted
	MediaSequence int64
	// NextChange is when the playlist will next differ: the next segment is published or the
	// next cue is announced. Caches may keep the body until then.
	NextChange time.Time

	live     int64 // published segments
	trailers int   // cue tags announced ahead of their segment
}

// Playlist returns the rendition's media playlist now. Playlists are generated from the segment
// tables and cached per window position: every viewer of a rendition within the same segment
// duration gets the same bytes, generated once.
func (c *Channel) Playlist(rendition string) (*Playlist, error) {
	r, ok := c.src.renditions[rendition]
	if !ok {
		return nil, ErrNoRendition
	}
	now := c.clock.Now()
	e := now.Sub(c.cfg.Epoch)
	live := c.tl.completed(e)
	if live == 0 {
		return nil, ErrNotStarted
	}
	trailing := c.trailing(live, e)
	cache := c.caches[rendition]
	if p := cache.Load(); p != nil && p.live == live && p.trailers == len(trailing) {
		return p, nil
	}
	p, err := c.build(r, live, trailing)
	if err != nil {
		return nil, err
	}
	p.NextChange = c.cfg.Epoch.Add(c.nextChange(live, e))
	cache.Store(p)
	return p, nil
}

// marker is a cue tag placed at a segment boundary: before segment at, for break b.
type marker struct {
	b  span
	at int64 // b.first (out) or b.end (in)
}

// trailing returns the DATERANGE cues announced at media time e whose segments are not
// published yet: they go after the last segment, as an encoder's cue arrives ahead of the
// splice point.
func (c *Channel) trailing(live int64, e time.Duration) []marker {
	if c.cfg.Format != scte35.FormatDateRange || c.cfg.Breaks.Lead == 0 {
		return nil
	}
	var out []marker
	if b, ok := c.breakAt(live); ok && b.first < live && c.announced(b.end, e) {
		out = append(out, marker{b, b.end}) // the in point of the break under way
	}
	b := c.nextBreak(live - 1)
	for ; c.announced(b.first, e); b = c.breakSpan(b.k + 1) {
		out = append(out, marker{b, b.first})
		if b.end >= live && c.announced(b.end, e) {
			out = append(out, marker{b, b.end})
		}
	}
	return out
}

// nextChange returns the media time of the next publication or announcement after e.
func (c *Channel) nextChange(live int64, e time.Duration) time.Duration {
	next := c.tl.start(live + 1) // segment live ends then
	if c.cfg.Format == scte35.FormatDateRange && c.cfg.Breaks.Lead > 0 {
		for _, g := range c.upcomingCuePoints(live) {
			if at := c.tl.start(g) - c.cfg.Breaks.Lead; at > e && at < next {
				next = at
			}
		}
	}
	return next
}

func (c *Channel) upcomingCuePoints(live int64) []int64 {
	var pts []int64
	if b, ok := c.breakAt(live); ok {
		pts = append(pts, b.end)
	}
	b := c.nextBreak(live - 1)
	return append(pts, b.first, b.end)
}

// build writes the window ending at segment live-1 for rendition r.
func (c *Channel) build(r *rendition, live int64, trailing []marker) (*Playlist, error) {
	first := max(0, live-int64(c.cfg.Window))
	p := &hls.MediaPlaylist{
		Version:               r.version,
		TargetDuration:        c.target,
		MediaSequence:         uint64(first),
		DiscontinuitySequence: c.tl.discontinuitySequence(first),
		IndependentSegments:   r.independent,
		Segments:              make([]hls.Segment, 0, live-first),
	}
	var mapTag hls.Tag
	if r.initFile != "" {
		mapTag = hls.NewTag("EXT-X-MAP", "URI="+hls.Quote(r.initFile))
	}
	spans := c.spansIn(first, live)
	for g := first; g < live; g++ {
		i := g % c.tl.n
		seg := hls.Segment{
			URI:      strconv.FormatInt(g, 10) + r.ext,
			Duration: r.durations[i],
			// Segment g has the same PROGRAM-DATE-TIME in every rendition: the reference
			// timeline's. Audio segments cut on AAC frames last a few milliseconds more or less
			// than video ones, but a stitcher mapping a DATERANGE or a splice time to segments
			// finds the same segment in every rendition, and audio never drifts from video.
			ProgramDateTime: c.cfg.Epoch.Add(c.tl.start(g)),
			Discontinuity:   i == 0 && g > 0,
		}
		if r.initFile != "" && (g == first || seg.Discontinuity) {
			seg.Tags = append(seg.Tags, mapTag)
		}
		for len(spans) > 0 && spans[0].end < g {
			spans = spans[1:]
		}
		tags, err := c.cueTags(g, first, spans)
		if err != nil {
			return nil, err
		}
		seg.Tags = append(seg.Tags, tags...)
		p.Segments = append(p.Segments, seg)
	}
	for _, m := range trailing {
		s, err := c.signals(m.b)
		if err != nil {
			return nil, err
		}
		if m.at == m.b.first {
			p.Trailer = append(p.Trailer, s.Out...)
		} else {
			p.Trailer = append(p.Trailer, s.In...)
		}
	}
	body := p.AppendTo(make([]byte, 0, 256+96*len(p.Segments)))
	etag := `"` + strconv.FormatUint(c.gen, 36) + "-" + strconv.FormatInt(live, 36) + "-" + strconv.Itoa(len(trailing)) + `"`
	return &Playlist{Body: body, ETag: etag, MediaSequence: first, live: live, trailers: len(trailing)}, nil
}

// spansIn returns the breaks that touch segments first to live-1, in order.
func (c *Channel) spansIn(first, live int64) []span {
	var out []span
	b, ok := c.breakAt(first)
	if !ok {
		b = c.nextBreak(first)
	}
	for ; b.first < live; b = c.breakSpan(b.k + 1) {
		out = append(out, b)
	}
	return out
}

// cueTags returns the ad-marker tags before segment g of a window starting at first; spans
// starts with the first break that has not ended before g.
func (c *Channel) cueTags(g, first int64, spans []span) ([]hls.Tag, error) {
	if len(spans) == 0 || g < spans[0].first {
		return nil, nil
	}
	b := spans[0]
	var tags []hls.Tag
	s, err := c.signals(b)
	if err != nil {
		return nil, err
	}
	switch {
	case g == b.first:
		tags = append(tags, s.Out...)
	case g == b.end:
		tags = append(tags, s.In...)
	default:
		if c.cfg.Format == scte35.FormatDateRange && g == first {
			// A break under way whose out point has left the window: its DATERANGE stays
			// until the whole range has passed.
			tags = append(tags, s.Out...)
		}
		tags = append(tags, s.Cont(c.tl.start(g)-c.tl.start(b.first))...)
	}
	return tags, nil
}
