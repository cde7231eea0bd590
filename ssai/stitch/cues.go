package stitch

import (
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

// Span is an ad break a source playlist signals, in any of the ad-marker formats (EXT-X-CUE-OUT,
// EXT-X-DATERANGE with SCTE35-OUT, EXT-OATCLS-SCTE35, SCTE 67's EXT-SCTE35), placed on the
// playlist's media sequence numbers. The planner reads spans from the reference rendition once
// per source refresh and turns each into a Break.
type Span struct {
	// ID identifies the break across refreshes: the DATERANGE ID, or the SCTE-35 event id, or
	// empty for bare CUE-OUT markers (then First identifies it).
	ID      string
	EventID uint32
	// First is the media sequence number of the out point's segment. A DATERANGE cue that
	// arrived before its segment (it trails the window) has First past the last segment.
	First uint64
	// Count is the number of content segments up to the in point: counted when the in point
	// is in the window, otherwise the planned duration in segments. Zero for a zero-duration
	// cue (an insertion).
	Count int
	// Planned is the signalled duration, zero when not signalled.
	Planned time.Duration
	// Start is the out point's program date-time when the playlist has one.
	Start time.Time
	// Closed is true when the in point was seen.
	Closed bool
}

// Spans appends the breaks signalled in p to dst. Markers that do not parse, cues whose SCTE-35
// payload cancels the event, and in points without an out point are ignored: a source's
// malformed cue never stops the content.
func Spans(dst []Span, p *hls.MediaPlaylist) []Span {
	nominal := nominalDuration(p)
	base := len(dst)
	open := -1 // index in dst of the span without an in point (CUE-OUT formats)
	var pdt time.Time
	for i := range p.Segments {
		s := &p.Segments[i]
		seq := p.MediaSequence + uint64(i)
		if !s.ProgramDateTime.IsZero() {
			pdt = s.ProgramDateTime
		}
		for _, t := range s.Tags {
			dst, open = onMarker(dst, base, open, t, seq, pdt, nominal, p)
		}
		if !pdt.IsZero() {
			pdt = pdt.Add(s.Duration)
		}
	}
	end := p.MediaSequence + uint64(len(p.Segments))
	for _, t := range p.Trailer {
		dst, open = onMarker(dst, base, open, t, end, pdt, nominal, p)
	}
	for k := base; k < len(dst); k++ {
		sp := &dst[k]
		if !sp.Closed && sp.Planned > 0 && nominal > 0 {
			sp.Count = int((sp.Planned + nominal/2) / nominal)
		}
	}
	return dst
}

func onMarker(dst []Span, base, open int, t hls.Tag, seq uint64, pdt time.Time, nominal time.Duration, p *hls.MediaPlaylist) ([]Span, int) {
	if !t.Kind.IsCue() {
		return dst, open
	}
	m, ok, err := scte35.ParseMarker(t)
	if !ok || err != nil {
		return dst, open
	}
	var cue scte35.Cue
	hasCue := false
	if m.Payload != "" {
		if c, err := scte35.Decode(m.Payload); err == nil {
			cue, hasCue = c, true
			if c.Cancel {
				return dst, open
			}
		}
	}
	if m.Format == scte35.FormatDateRange {
		k := findID(dst[base:], m.ID)
		switch m.Kind {
		case scte35.MarkerOut:
			if k >= 0 {
				return dst, open // the same cue again (it sits at the top of the window)
			}
			sp := Span{ID: m.ID, Planned: m.Duration, Start: m.Start, First: seqAt(p, m.Start, nominal)}
			if _, set := t.Attrs().Raw("PLANNED-DURATION"); set && m.Duration == 0 {
				sp.Closed = true // a zero-duration cue: an insertion
			}
			if hasCue {
				sp.EventID = cue.EventID
			}
			dst = append(dst, sp)
		case scte35.MarkerIn:
			if k >= 0 {
				sp := &dst[base+k]
				if end := seqAt(p, m.Start.Add(m.Duration), nominal); end >= sp.First {
					sp.Count, sp.Closed = int(end-sp.First), true
				}
			}
		}
		return dst, open
	}
	switch m.Kind {
	case scte35.MarkerOut:
		if hasCue && !cue.Out {
			return dst, open
		}
		if open >= 0 && dst[open].First == seq { // EXT-OATCLS-SCTE35 and EXT-X-CUE-OUT together
			sp := &dst[open]
			sp.Planned = max(sp.Planned, m.Duration)
			if hasCue {
				sp.EventID = cue.EventID
			}
			return dst, open
		}
		sp := Span{First: seq, Planned: m.Duration, Start: pdt}
		if hasCue {
			sp.EventID = cue.EventID
			sp.Planned = max(sp.Planned, cue.Duration)
		}
		if t.Kind == hls.TagCueOut && sp.Planned == 0 && t.Value() != "" {
			sp.Closed = true // EXT-X-CUE-OUT:0, a zero-duration cue: an insertion
			return append(dst, sp), -1
		}
		return append(dst, sp), len(dst)
	case scte35.MarkerCont:
		if open < 0 && nominal > 0 { // the window starts inside the break
			back := uint64((m.Elapsed + nominal/2) / nominal)
			sp := Span{Planned: m.Duration}
			if back <= seq {
				sp.First = seq - back
			}
			if !pdt.IsZero() {
				sp.Start = pdt.Add(-m.Elapsed)
			}
			dst = append(dst, sp)
			open = len(dst) - 1
		}
	case scte35.MarkerIn:
		if open >= 0 {
			sp := &dst[open]
			sp.Count, sp.Closed = int(seq-sp.First), true
			open = -1
		}
	}
	return dst, open
}

// seqAt returns the media sequence number of the segment in which t falls (by the midpoint of
// each segment), extrapolating before and after the window with the nominal duration.
func seqAt(p *hls.MediaPlaylist, t time.Time, nominal time.Duration) uint64 {
	var at time.Time
	for i := range p.Segments {
		s := &p.Segments[i]
		if !s.ProgramDateTime.IsZero() {
			at = s.ProgramDateTime
		}
		if at.IsZero() {
			continue
		}
		if t.Before(at.Add(s.Duration / 2)) {
			if i == 0 && nominal > 0 {
				back := uint64((at.Sub(t) + nominal/2) / nominal)
				return p.MediaSequence - min(back, p.MediaSequence)
			}
			return p.MediaSequence + uint64(i)
		}
		at = at.Add(s.Duration)
	}
	end := p.MediaSequence + uint64(len(p.Segments))
	if at.IsZero() || nominal <= 0 {
		return end
	}
	return end + uint64(max(t.Sub(at)+nominal/2, 0)/nominal)
}

func findID(spans []Span, id string) int {
	for k := range spans {
		if spans[k].ID == id {
			return k
		}
	}
	return -1
}

// nominalDuration returns the playlist's typical segment duration: its first segment's.
func nominalDuration(p *hls.MediaPlaylist) time.Duration {
	if len(p.Segments) == 0 {
		return time.Duration(p.TargetDuration) * time.Second
	}
	return p.Segments[0].Duration
}
