package hls

import (
	"errors"
	"fmt"
	"time"
)

// PlaylistType is the value of EXT-X-PLAYLIST-TYPE; PlaylistLive means the tag is absent.
type PlaylistType uint8

// Playlist types.
const (
	PlaylistLive  PlaylistType = iota // no EXT-X-PLAYLIST-TYPE: a sliding live window
	PlaylistEvent                     // EVENT: segments are only appended
	PlaylistVOD                       // VOD: the playlist never changes
)

func (t PlaylistType) String() string {
	switch t {
	case PlaylistEvent:
		return "EVENT"
	case PlaylistVOD:
		return "VOD"
	}
	return ""
}

// MediaPlaylist is a media playlist: the playlist-level values this package owns as fields, the
// segments, and every other line kept verbatim in order.
//
// A playlist parsed with ParseMediaString keeps substrings of its input; modifying fields and
// Tags is safe, the input is never written.
type MediaPlaylist struct {
	Version               int    // EXT-X-VERSION, 0 when absent
	TargetDuration        int    // EXT-X-TARGETDURATION, in seconds
	MediaSequence         uint64 // EXT-X-MEDIA-SEQUENCE of the first segment
	DiscontinuitySequence uint64 // EXT-X-DISCONTINUITY-SEQUENCE of the first segment
	Type                  PlaylistType
	IndependentSegments   bool // EXT-X-INDEPENDENT-SEGMENTS
	IFramesOnly           bool // EXT-X-I-FRAMES-ONLY
	EndList               bool // EXT-X-ENDLIST: no more segments will be added

	// Header holds the other playlist-level tags (EXT-X-START, -DEFINE, -SERVER-CONTROL,
	// -PART-INF, -ALLOW-CACHE), verbatim, in order.
	Header []Tag
	// Segments in playlist order; segment i has media sequence number MediaSequence+i.
	Segments []Segment
	// Trailer holds tags after the last segment, verbatim: typically an EXT-X-DATERANGE whose
	// cue arrived at the live edge before its first segment, or LL-HLS preload hints.
	Trailer []Tag

	arena []Tag // backing array of every Segment.Tags, reused by Decode
	hadDS bool  // the parsed text had EXT-X-DISCONTINUITY-SEQUENCE (written back even when 0)
}

// Segment is one media segment: the lines this package owns (EXTINF, EXT-X-DISCONTINUITY,
// EXT-X-PROGRAM-DATE-TIME and the URI) as fields, and the other tags that precede it verbatim
// in Tags (EXT-X-MAP, EXT-X-KEY, EXT-X-BYTERANGE, cue tags, EXT-X-DATERANGE, ...).
//
// The writer puts owned lines back where they were among Tags and writes a value that was not
// changed exactly as it was read (an EXTINF of "2.000000" stays "2.000000"), so an untouched
// playlist round-trips byte for byte. A Segment built by code writes EXT-X-DISCONTINUITY, its
// Tags, then EXT-X-PROGRAM-DATE-TIME and EXTINF.
type Segment struct {
	URI             string
	Duration        time.Duration // EXTINF duration
	Title           string        // EXTINF title (after the comma), usually empty
	Discontinuity   bool          // EXT-X-DISCONTINUITY precedes the segment
	ProgramDateTime time.Time     // EXT-X-PROGRAM-DATE-TIME, zero when absent
	Tags            []Tag         // other tags applying to this segment, in order

	src segmentSource
}

// segmentSource remembers how the parsed segment was written, so unchanged values and the order
// of lines survive a round trip.
type segmentSource struct {
	dur     string        // EXTINF duration text
	durVal  time.Duration // its value
	pdt     string        // PROGRAM-DATE-TIME text
	pdtSec  int64         // its value
	pdtNsec int32
	// Where the owned lines were among Tags. EXT-X-DISCONTINUITY is placed by how many tags
	// preceded it (zero: first, where a segment built by code wants it); PROGRAM-DATE-TIME and
	// EXTINF by how many followed them (zero: last). Both survive tags appended by a caller.
	discBefore       uint16
	pdtTail, infTail uint16
	pdtAfterInf      bool
}

// InEffect returns the last tag of kind at or before segment i: the EXT-X-MAP or EXT-X-KEY
// that applies to it (both hold until the next one). A stitcher re-emits them on the first
// content segment after an ad.
func (p *MediaPlaylist) InEffect(kind TagKind, i int) (Tag, bool) {
	for i = min(i, len(p.Segments)-1); i >= 0; i-- {
		tags := p.Segments[i].Tags
		for j := len(tags) - 1; j >= 0; j-- {
			if tags[j].Kind == kind {
				return tags[j], true
			}
		}
	}
	return Tag{}, false
}

// Duration returns the sum of the segment durations.
func (p *MediaPlaylist) Duration() time.Duration {
	var d time.Duration
	for i := range p.Segments {
		d += p.Segments[i].Duration
	}
	return d
}

// MinTargetDuration returns the smallest valid EXT-X-TARGETDURATION for the segments: the
// largest EXTINF rounded to the nearest second (RFC 8216 §4.3.3.1).
func (p *MediaPlaylist) MinTargetDuration() int {
	return TargetDurationFor(p.Segments)
}

// TargetDurationFor returns the largest segment duration rounded to the nearest second.
func TargetDurationFor(segs []Segment) int {
	var maxD time.Duration
	for i := range segs {
		maxD = max(maxD, segs[i].Duration)
	}
	return RoundSeconds(maxD)
}

// RoundSeconds rounds d to the nearest whole second (halves up), as the target duration rule
// does.
func RoundSeconds(d time.Duration) int {
	return int((d + time.Second/2) / time.Second)
}

// Validate checks the rules a player relies on: a target duration that covers every rounded
// EXTINF, non-empty segment URIs, and a version high enough for what the playlist uses.
func (p *MediaPlaylist) Validate() error {
	var errs []error
	needMap, mapReported := 6, false
	if p.IFramesOnly {
		needMap = 5
	}
	if p.TargetDuration <= 0 {
		errs = append(errs, errors.New("EXT-X-TARGETDURATION missing or not positive"))
	}
	for i := range p.Segments {
		s := &p.Segments[i]
		if s.URI == "" {
			errs = append(errs, fmt.Errorf("segment %d: empty URI", i))
		}
		if s.Duration < 0 {
			errs = append(errs, fmt.Errorf("segment %d: negative duration", i))
		}
		if r := RoundSeconds(s.Duration); r > p.TargetDuration {
			errs = append(errs, fmt.Errorf("segment %d (%s): EXTINF %s rounds to %d s, above EXT-X-TARGETDURATION %d",
				i, s.URI, s.Duration, r, p.TargetDuration))
		}
		for _, t := range s.Tags {
			if t.Kind == TagMap && p.Version < needMap && !mapReported {
				mapReported = true
				errs = append(errs, fmt.Errorf("segment %d: EXT-X-MAP needs EXT-X-VERSION %d or more, have %d", i, needMap, p.Version))
			}
		}
	}
	return errors.Join(errs...)
}
