package stitch

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// MinSegment is the shortest segment a fill may contain: a remainder shorter than this is not
// written as a sliver of slate (players stall or skip on segments of a few hundred ms); the break
// ends that much earlier and EXT-X-PROGRAM-DATE-TIME on the content after it keeps the timeline.
const MinSegment = 500 * time.Millisecond

// Plan is where every break of a playlist goes and what fills it, shared by all renditions.
type Plan struct {
	// Breaks in playlist order, not overlapping.
	Breaks []Break
	// Shift and Slid are what breaks folded by Compact contribute: segments added to the media
	// sequence, and discontinuities added to the discontinuity sequence (net of the content
	// discontinuities they hid).
	Shift int64
	Slid  int64
}

// Compact folds the breaks that lie wholly before media sequence number w, their return
// discontinuity included, into Shift and Slid, so that a long live session keeps a plan of a few
// breaks. Stitching any window starting at w or later gives the same playlist as before.
func (p *Plan) Compact(w uint64) {
	n := 0
	for n < len(p.Breaks) && p.Breaks[n].End() < w {
		b := &p.Breaks[n]
		if b.Stitched() {
			p.Shift += int64(len(b.Fill)) - int64(b.Count)
			p.Slid += 2 - int64(len(b.Hidden))
		}
		n++
	}
	p.Breaks = append(p.Breaks[:0], p.Breaks[n:]...)
}

// Break replaces Count content segments starting at media sequence number First with Fill.
// A break of Count 0 inserts its fill before segment First (a zero-duration cue, a VMAP or
// scheduled break in VOD: pre-roll when First is the first segment).
type Break struct {
	First uint64
	Count int
	// Start is the program date-time of the out point, zero when the source has none; it places
	// a live window that starts inside the break (its out point slid out).
	Start time.Time
	// Nominal is the reference rendition's content segment duration. A live window that starts
	// inside the break, or ends inside it, shows the fill from and up to (published segments ×
	// Nominal): the same pieces in every rendition. Zero means the fill's duration / Count.
	Nominal time.Duration
	// Hidden are the media sequence numbers of the content segments that carry an
	// EXT-X-DISCONTINUITY (a live loop boundary) and are replaced, or follow the break (where
	// the stitcher's own discontinuity stands for theirs). The source's discontinuity sequence
	// counts them when they slide out, the stitched playlist must not count them twice;
	// Observe records them from each refresh of the reference rendition.
	Hidden []uint64
	// Fill replaces the content, in order. An empty fill leaves the content as it is (the
	// adserver was slow or down: the original content plays).
	Fill []Piece
}

// Piece is one segment of a break's fill: segment Seg of ad playlist Ad (an index into the ad
// playlists passed to Stitch, slate included), played for Dur from Offset into the break.
type Piece struct {
	Ad     int
	Seg    int
	Offset time.Duration
	// Dur is the piece's duration on the reference rendition; a slate piece shorter than its
	// segment is cut to it. Other pieces are written with the rendition's own EXTINF.
	Dur time.Duration
	Cut bool // Dur is shorter than the segment: write Dur as its EXTINF
}

// Observe records the discontinuities of the break's content segments found in p (a refresh of
// the reference rendition). Every rendition has its discontinuities on the same segments.
func (b *Break) Observe(p *hls.MediaPlaylist) {
	for i := range p.Segments {
		seq := p.MediaSequence + uint64(i)
		if seq >= b.First && seq <= b.End() && p.Segments[i].Discontinuity && !slices.Contains(b.Hidden, seq) {
			b.Hidden = append(b.Hidden, seq)
		}
	}
}

// End returns the media sequence number after the break's last content segment.
func (b *Break) End() uint64 { return b.First + uint64(b.Count) }

func (b *Break) nominal() time.Duration {
	if b.Nominal > 0 {
		return b.Nominal
	}
	return b.Duration() / time.Duration(max(b.Count, 1))
}

// Duration returns the fill's duration.
func (b *Break) Duration() time.Duration {
	if len(b.Fill) == 0 {
		return 0
	}
	last := b.Fill[len(b.Fill)-1]
	return last.Offset + last.Dur
}

// Stitched reports whether the break changes the playlist (it has a fill).
func (b *Break) Stitched() bool { return len(b.Fill) > 0 }

// before reports whether the break lies wholly before a window starting at w.
func (b *Break) before(w uint64) bool { return b.End() <= w && b.First < w }

// Validate checks that breaks are in order and do not overlap, and that pieces are contiguous.
func (p *Plan) Validate() error {
	for i := range p.Breaks {
		b := &p.Breaks[i]
		if b.Count < 0 {
			return fmt.Errorf("break %d: negative count", i)
		}
		if i > 0 && (b.First < p.Breaks[i-1].End() || b.First == p.Breaks[i-1].First) {
			return fmt.Errorf("break %d at %d overlaps the previous one (ends at %d)", i, b.First, p.Breaks[i-1].End())
		}
		var at time.Duration
		for j, pc := range b.Fill {
			if pc.Offset != at || pc.Dur <= 0 || pc.Ad < 0 || pc.Seg < 0 {
				return fmt.Errorf("break %d piece %d: offset %v, duration %v (want offset %v, positive duration)", i, j, pc.Offset, pc.Dur, at)
			}
			at += pc.Dur
		}
	}
	return nil
}

// ErrNoAds is returned by Fill when nothing fits and there is no slate.
var ErrNoAds = errors.New("stitch: no ad fits the break and there is no slate")

// Fill builds a break's fill for a span of d: whole ads first (in the order given, skipping any
// that no longer fits), then slate segments for the remainder, cutting the last slate segment
// and dropping a remainder shorter than MinSegment. ads[i] are the segment durations of ad i on
// the reference rendition; slate is the index of the slate among the ad playlists (its segment
// durations in slateSegs), or -1 for none. It appends to dst and returns it.
func Fill(dst []Piece, d time.Duration, ads [][]time.Duration, slate int, slateSegs []time.Duration) ([]Piece, error) {
	var at time.Duration
	for i, segs := range ads {
		var total time.Duration
		for _, s := range segs {
			total += s
		}
		if total <= 0 || at+total > d {
			continue
		}
		for j, s := range segs {
			dst = append(dst, Piece{Ad: i, Seg: j, Offset: at, Dur: s})
			at += s
		}
	}
	if slate < 0 || len(slateSegs) == 0 || slices.Contains(slateSegs, 0) {
		if at == 0 {
			return dst, ErrNoAds
		}
		return dst, nil
	}
	for j := 0; d-at >= MinSegment; j = (j + 1) % len(slateSegs) {
		s, cut := slateSegs[j], false
		if rest := d - at; s >= rest {
			s, cut = rest, s != rest
		}
		dst = append(dst, Piece{Ad: slate, Seg: j, Offset: at, Dur: s, Cut: cut})
		at += s
	}
	return dst, nil
}
