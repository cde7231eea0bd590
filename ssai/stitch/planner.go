package stitch

import (
	"slices"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// Planner keeps a live session's plan up to date from refreshes of the source's reference
// rendition: each break is planned once, when its span first appears (a DATERANGE cue ahead of
// its segment gives the adserver the lead time), and never moves afterwards, so sequence numbers
// stay stable across refreshes. Breaks that slid out are folded away (Plan.Compact).
type Planner struct {
	Plan Plan
	// Decide returns the fill of a new break (it appends to dst): ads and slate, or nothing,
	// and then the content plays. It runs once per break.
	Decide func(dst []Piece, sp Span) []Piece
	// Keep is how many segments before the window's first a break is kept before it is folded
	// (renditions fetched a refresh apart must still find it); default 16.
	Keep int
	// Extra, when set, appends breaks the source does not signal to dst: a schedule or a VMAP
	// inserting pre-, mid- and post-rolls into a VOD (spans of Count 0).
	Extra func(dst []Span, p *hls.MediaPlaylist) []Span

	spans []Span
}

// Update reads the reference rendition's refresh p: new spans become breaks, every break records
// the content discontinuities it hides, and breaks that slid out are folded.
func (pl *Planner) Update(p *hls.MediaPlaylist) {
	pl.spans = pl.Spans(pl.spans[:0], p)
	for _, sp := range pl.spans {
		if pl.planned(sp.First) || pl.overlaps(sp) {
			continue
		}
		br := Break{First: sp.First, Count: sp.Count, Start: sp.Start, Nominal: nominalDuration(p)}
		if pl.Decide != nil {
			br.Fill = pl.Decide(nil, sp)
		}
		i, _ := slices.BinarySearchFunc(pl.Plan.Breaks, sp.First, func(b Break, first uint64) int {
			switch {
			case b.First < first:
				return -1
			case b.First > first:
				return 1
			}
			return 0
		})
		pl.Plan.Breaks = slices.Insert(pl.Plan.Breaks, i, br)
	}
	for i := range pl.Plan.Breaks {
		pl.Plan.Breaks[i].Observe(p)
	}
	keep := uint64(pl.Keep)
	if keep == 0 {
		keep = 16
	}
	if p.MediaSequence > keep {
		pl.Plan.Compact(p.MediaSequence - keep)
	}
}

// Spans appends the breaks of refresh p to dst: those the source signals, then Extra's.
func (pl *Planner) Spans(dst []Span, p *hls.MediaPlaylist) []Span {
	dst = Spans(dst, p)
	if pl.Extra != nil {
		dst = pl.Extra(dst, p)
	}
	return dst
}

// Nominal returns the content segment duration a playlist's break counts are measured in (the
// grid a live break's fill is shown on).
func Nominal(p *hls.MediaPlaylist) time.Duration { return nominalDuration(p) }

func (pl *Planner) planned(first uint64) bool {
	for i := range pl.Plan.Breaks {
		if pl.Plan.Breaks[i].First == first {
			return true
		}
	}
	return false
}

// overlaps reports whether a span collides with a planned break (a repeated cue read a little
// differently, or a folded break's span still in the window).
func (pl *Planner) overlaps(sp Span) bool {
	for i := range pl.Plan.Breaks {
		b := &pl.Plan.Breaks[i]
		if sp.First < b.End() && b.First < sp.First+uint64(sp.Count) || sp.First == b.First {
			return true
		}
	}
	return false
}
