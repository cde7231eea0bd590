package stitch

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

const keyNone = "#EXT-X-KEY:METHOD=NONE"

// Append stitches one rendition: it appends src with plan applied to b and returns the extended
// buffer. ads are this rendition's ad playlists (slate included), indexed as the plan's pieces
// refer to them; their segment URIs are written as they are (make them absolute). With enough
// capacity in b, Append allocates nothing.
//
// src is a live window or a whole VOD playlist; plan is the same for every rendition of the
// session. A break whose content has not been published yet leaves the window unchanged (its
// cue, at the live edge, passes through); a break partly in the window shows the part of its
// fill that corresponds to the published content.
func Append(b []byte, src *hls.MediaPlaylist, plan *Plan, ads []*hls.MediaPlaylist) ([]byte, error) {
	return (*Writer)(nil).Append(b, src, plan, ads)
}

// Writer stitches like Append, with options. The zero Writer (or nil) is Append.
type Writer struct {
	// AdURI, when set, writes the URI line of fill piece k of br instead of the ad segment's own
	// uri (appending to b without allocating keeps Append allocation-free): a stitcher that fires
	// server-side beacons points ad segments at itself and redirects.
	AdURI func(b []byte, br *Break, k int, uri string) []byte
}

// Append stitches one rendition as the package-level Append does, with w's options.
func (wr *Writer) Append(b []byte, src *hls.MediaPlaylist, plan *Plan, ads []*hls.MediaPlaylist) ([]byte, error) {
	w := src.MediaSequence
	last := w + uint64(len(src.Segments))
	if err := check(plan, ads, w, last); err != nil {
		return b, err
	}

	// Sequence numbers: every stitched break before the window shifts the media sequence by the
	// segments it added, and each of its discontinuities that slid out raises the discontinuity
	// sequence. A window that starts inside a break starts with the fill piece covering it.
	var st state
	if wr != nil {
		st.adURI = wr.AdURI
	}
	shift := plan.Shift
	dsn := uint64(max(int64(src.DiscontinuitySequence)+plan.Slid, 0))
	first := -1 // index of the first break that reaches into the window
	for i := range plan.Breaks {
		br := &plan.Breaks[i]
		if !br.Stitched() {
			continue
		}
		if br.First > last || br.First == last && !(br.Count == 0 && src.EndList) {
			break // not published yet (a VOD post-roll, at the end, is)
		}
		for _, h := range br.Hidden { // counted by the source when it slid out, never shown
			if h < w && dsn > 0 {
				dsn--
			}
		}
		if br.before(w) {
			shift += int64(len(br.Fill)) - int64(br.Count)
			dsn++ // before the first piece
			if br.End() < w {
				dsn++ // before the content after it
			} else {
				st.after = true // the window starts with the content after it
			}
			continue
		}
		if first < 0 {
			first = i
		}
	}
	msn := uint64(int64(w) + shift)
	var k0 int // first piece shown of a break the window starts in
	var off0 time.Duration
	if first >= 0 && plan.Breaks[first].First < w {
		br := &plan.Breaks[first]
		off0 = windowOffset(src, br)
		k0 = firstPiece(br.Fill, off0)
		msn = uint64(int64(br.First)+shift) + uint64(k0)
		if k0 > 0 {
			dsn++
		}
	}

	b = appendHeader(b, src, msn, dsn)

	var (
		pdt, hasPDT = firstDateTime(src) // program date-time of the next source segment
		bi          = first
		segs        = src.Segments
		pending     = -1 // index of the first replaced segment whose tags still wait for a piece
	)
	for i := 0; i < len(segs); {
		s := &segs[i]
		st.track(s.Tags)
		if !s.ProgramDateTime.IsZero() {
			pdt = s.ProgramDateTime
		}
		seq := w + uint64(i)
		if bi < 0 || bi >= len(plan.Breaks) || seq < plan.Breaks[bi].First || !plan.Breaks[bi].Stitched() {
			if st.after {
				b = st.resume(b, s, pdt, hasPDT)
			} else {
				b = s.AppendTo(b)
			}
			if !pdt.IsZero() {
				pdt = pdt.Add(s.Duration)
			}
			i++
			continue
		}
		// Inside break bi: the replaced segments still in the window, [i, j).
		br := &plan.Breaks[bi]
		j := i
		for ; j < len(segs) && w+uint64(j) < br.End(); j++ {
			if j > i {
				st.track(segs[j].Tags)
			}
		}
		off := time.Duration(0)
		k := 0
		if seq > br.First {
			off, k = off0, k0
		}
		outPDT := time.Time{}
		if hasPDT {
			switch {
			case !pdt.IsZero():
				outPDT = pdt.Add(-off)
			case !br.Start.IsZero():
				outPDT = br.Start
			}
		}
		nominal := br.nominal()
		end := off + time.Duration(j-i)*nominal // the fill shown covers the published content
		published := w+uint64(j) >= br.End()
		pending = i
		contentAt := off
		k1 := k
		for ; k < len(br.Fill); k++ {
			pc := &br.Fill[k]
			if !published && pc.Offset+pc.Dur/2 > end {
				break
			}
			// Tags of replaced content segments that start before this piece's midpoint.
			for pending < j && contentAt <= pc.Offset+pc.Dur/2 {
				b = appendPassThrough(b, segs[pending].Tags)
				contentAt += nominal
				pending++
			}
			b = st.piece(b, br, k, k == k1, ads, outPDT, hasPDT)
		}
		for ; pending < j; pending++ {
			b = appendPassThrough(b, segs[pending].Tags)
		}
		for ; i < j; i++ {
			if !pdt.IsZero() {
				pdt = pdt.Add(segs[i].Duration)
			}
		}
		if published {
			st.after = true
			bi++
			for bi < len(plan.Breaks) && !plan.Breaks[bi].Stitched() {
				bi++
			}
		}
	}
	if bi >= 0 && bi < len(plan.Breaks) && plan.Breaks[bi].First == last && plan.Breaks[bi].Stitched() {
		// A post-roll: an insertion after the last segment of a VOD.
		br := &plan.Breaks[bi]
		for k := range br.Fill {
			b = st.piece(b, br, k, k == 0, ads, pdt, hasPDT)
		}
	}
	b = appendLines(b, src.Trailer)
	if src.EndList {
		b = append(b, "#EXT-X-ENDLIST\n"...)
	}
	return b, nil
}

// state is what the writer remembers between segments: the content's EXT-X-MAP and EXT-X-KEY in
// effect, whether the fill left a key in effect, and whether the next content segment follows a
// break.
type state struct {
	contentMap, contentKey hls.Tag
	fillKeyed              bool
	after                  bool
	adURI                  func(b []byte, br *Break, k int, uri string) []byte
}

func (st *state) track(tags []hls.Tag) {
	for _, t := range tags {
		switch t.Kind {
		case hls.TagMap:
			st.contentMap = t
		case hls.TagKey:
			st.contentKey = t
		}
	}
}

// piece writes fill piece k of br.
func (st *state) piece(b []byte, br *Break, k int, first bool, ads []*hls.MediaPlaylist, outPDT time.Time, hasPDT bool) []byte {
	pc := &br.Fill[k]
	ad := ads[pc.Ad]
	s := ad.Segments[pc.Seg] // a copy: the ad playlist is shared and never written
	// A run of one ad starts here: the first piece shown, or another ad than the previous piece
	// (slate repeating its segments stays one run).
	run := first || br.Fill[k-1].Ad != pc.Ad
	if k == 0 {
		b = append(b, "#EXT-X-DISCONTINUITY\n"...)
		st.fillKeyed = st.contentKey.Line != "" && !isKeyNone(st.contentKey)
	}
	if run {
		if !hasKind(s.Tags, hls.TagMap) {
			if t, ok := ad.InEffect(hls.TagMap, pc.Seg); ok {
				b = appendLine(b, t.Line)
			}
		}
		if !hasKind(s.Tags, hls.TagKey) {
			if t, ok := ad.InEffect(hls.TagKey, pc.Seg); ok {
				b = appendLine(b, t.Line)
				st.fillKeyed = !isKeyNone(t)
			} else if st.fillKeyed {
				b = appendLine(b, keyNone)
				st.fillKeyed = false
			}
		}
	}
	for _, t := range s.Tags {
		if t.Kind == hls.TagKey {
			st.fillKeyed = !isKeyNone(t)
		}
	}
	s.Discontinuity = false
	if pc.Cut {
		s.Duration = pc.Dur
	}
	if hasPDT && !outPDT.IsZero() {
		s.ProgramDateTime = outPDT.Add(pc.Offset)
	} else {
		s.ProgramDateTime = time.Time{}
	}
	if st.adURI == nil {
		return s.AppendTo(b)
	}
	b = s.AppendHead(b)
	b = st.adURI(b, br, k, s.URI)
	return append(b, '\n')
}

// resume writes the first content segment after a break: a discontinuity, the content's
// EXT-X-MAP and EXT-X-KEY again, and its program date-time.
func (st *state) resume(b []byte, seg *hls.Segment, pdt time.Time, hasPDT bool) []byte {
	st.after = false
	b = append(b, "#EXT-X-DISCONTINUITY\n"...)
	if st.contentMap.Line != "" && !hasKind(seg.Tags, hls.TagMap) {
		b = appendLine(b, st.contentMap.Line)
	}
	if !hasKind(seg.Tags, hls.TagKey) {
		if st.contentKey.Line != "" {
			b = appendLine(b, st.contentKey.Line)
		} else if st.fillKeyed {
			b = appendLine(b, keyNone)
		}
	}
	s := *seg
	s.Discontinuity = false
	if hasPDT && s.ProgramDateTime.IsZero() {
		s.ProgramDateTime = pdt
	}
	return s.AppendTo(b)
}

// appendPassThrough writes the tags of a replaced content segment that are not about its media
// (cue markers, DATERANGE, comments, vendor tags): they pass through onto the fill. EXT-X-MAP and
// EXT-X-KEY are tracked and re-emitted after the break; BYTERANGE, GAP, BITRATE and parts
// belong to the replaced URI.
func appendPassThrough(b []byte, tags []hls.Tag) []byte {
	for _, t := range tags {
		switch t.Kind {
		case hls.TagMap, hls.TagKey, hls.TagByteRange, hls.TagGap, hls.TagBitrate, hls.TagPart:
			continue
		}
		b = appendLine(b, t.Line)
	}
	return b
}

func appendHeader(b []byte, src *hls.MediaPlaylist, msn, dsn uint64) []byte {
	b = append(b, "#EXTM3U\n"...)
	if src.Version > 0 {
		b = appendInt(b, "#EXT-X-VERSION:", uint64(src.Version))
	}
	b = appendInt(b, "#EXT-X-TARGETDURATION:", uint64(max(src.TargetDuration, 0)))
	b = appendInt(b, "#EXT-X-MEDIA-SEQUENCE:", msn)
	b = appendInt(b, "#EXT-X-DISCONTINUITY-SEQUENCE:", dsn)
	if src.Type != hls.PlaylistLive {
		b = append(b, "#EXT-X-PLAYLIST-TYPE:"...)
		b = append(b, src.Type.String()...)
		b = append(b, '\n')
	}
	if src.IFramesOnly {
		b = append(b, "#EXT-X-I-FRAMES-ONLY\n"...)
	}
	if src.IndependentSegments {
		b = append(b, "#EXT-X-INDEPENDENT-SEGMENTS\n"...)
	}
	return appendLines(b, src.Header)
}

// windowOffset returns how far into br the window's first segment starts, on the plan's
// nominal grid: the same in every rendition, whatever each one's segment durations.
func windowOffset(src *hls.MediaPlaylist, br *Break) time.Duration {
	return time.Duration(src.MediaSequence-br.First) * br.nominal()
}

// firstPiece returns the first piece whose midpoint lies after off.
func firstPiece(fill []Piece, off time.Duration) int {
	for k := range fill {
		if fill[k].Offset+fill[k].Dur/2 > off {
			return k
		}
	}
	return len(fill)
}

// check refuses a plan whose pieces in the window refer to ad segments that do not exist.
func check(plan *Plan, ads []*hls.MediaPlaylist, w, last uint64) error {
	for i := range plan.Breaks {
		br := &plan.Breaks[i]
		if br.End() < w || br.First > last || !br.Stitched() {
			continue
		}
		for k := range br.Fill {
			pc := &br.Fill[k]
			if pc.Ad < 0 || pc.Ad >= len(ads) || ads[pc.Ad] == nil || pc.Seg < 0 || pc.Seg >= len(ads[pc.Ad].Segments) {
				return fmt.Errorf("stitch: break %d piece %d refers to ad %d segment %d, which this rendition lacks", i, k, pc.Ad, pc.Seg)
			}
		}
	}
	return nil
}

// firstDateTime returns the program date-time of the window's first segment, extrapolated back
// from the first segment that has one, so that segments after a discontinuity get one too.
func firstDateTime(p *hls.MediaPlaylist) (time.Time, bool) {
	var before time.Duration
	for i := range p.Segments {
		if t := p.Segments[i].ProgramDateTime; !t.IsZero() {
			return t.Add(-before), true
		}
		before += p.Segments[i].Duration
	}
	return time.Time{}, false
}

func hasProgramDateTime(p *hls.MediaPlaylist) bool {
	for i := range p.Segments {
		if !p.Segments[i].ProgramDateTime.IsZero() {
			return true
		}
	}
	return false
}

func hasKind(tags []hls.Tag, k hls.TagKind) bool {
	for _, t := range tags {
		if t.Kind == k {
			return true
		}
	}
	return false
}

func isKeyNone(t hls.Tag) bool {
	m, _ := t.Attrs().Get("METHOD")
	return m == "NONE"
}

func appendLine(b []byte, line string) []byte {
	b = append(b, line...)
	return append(b, '\n')
}

func appendLines(b []byte, tags []hls.Tag) []byte {
	for _, t := range tags {
		b = appendLine(b, t.Line)
	}
	return b
}

func appendInt(b []byte, prefix string, v uint64) []byte {
	b = append(b, prefix...)
	b = strconv.AppendUint(b, v, 10)
	return append(b, '\n')
}
