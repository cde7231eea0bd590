package hls

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseError is a playlist that cannot be read: the 1-based line number, the line (shortened)
// and what was wrong with it.
type ParseError struct {
	Line int
	Text string
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return "hls: " + e.Err.Error()
	}
	return fmt.Sprintf("hls: line %d %q: %v", e.Line, e.Text, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Errors a parser reports (wrapped in *ParseError).
var (
	ErrNoHeader      = errors.New("the first line is not #EXTM3U")
	ErrNotMedia      = errors.New("a multivariant (master) playlist, not a media playlist")
	ErrNotMaster     = errors.New("a media playlist, not a multivariant (master) playlist")
	ErrURIWithoutInf = errors.New("segment URI without a preceding #EXTINF")
	ErrInfWithoutURI = errors.New("#EXTINF without a segment URI after it")
)

func parseErr(sc *Scanner, err error) error {
	text := sc.Tag().Line
	if len(text) > 80 {
		text = text[:77] + "..."
	}
	return &ParseError{Line: sc.Line(), Text: text, Err: err}
}

// ParseMedia parses a media playlist. It copies src once; use ParseMediaString to parse without
// copying.
func ParseMedia(src []byte) (*MediaPlaylist, error) {
	return ParseMediaString(string(src))
}

// ParseMediaString parses a media playlist. Every string in the result is a substring of s.
func ParseMediaString(s string) (*MediaPlaylist, error) {
	p := new(MediaPlaylist)
	if err := p.Decode(s); err != nil {
		return nil, err
	}
	return p, nil
}

// Decode parses s into p, reusing the capacity of p's slices: decoding into the same playlist
// again allocates nothing unless the new playlist is larger. Segments and tags of the previous
// content are overwritten.
func (p *MediaPlaylist) Decode(s string) error {
	segs, arena := p.Segments[:0], p.arena[:0]
	*p = MediaPlaylist{Header: p.Header[:0], Trailer: p.Trailer[:0]}
	if cap(segs) == 0 {
		// One segment per "EXTINF:". Counting "F:" (a vectorised search for a byte that is
		// rare in playlists) is several times faster than counting "#EXTINF:" ('#' starts every
		// tag); an overestimate only costs capacity.
		segs = make([]Segment, 0, strings.Count(s, "F:")+1)
	}

	sc := NewScanner(s)
	if !sc.Scan() || sc.Tag().Kind != TagM3U {
		return parseErr(&sc, ErrNoHeader)
	}
	var (
		cur        Segment
		start      = 0 // index in arena of cur's first tag
		haveInf    bool
		discLine   string // owned lines of cur
		pdtLine    string
		infBefore  int
		pdtBefore  int
		discBefore int
		afterLast  string // the text after the last segment URI
	)
	for sc.Scan() {
		t := sc.Tag()
		switch t.Kind {
		case TagURI:
			if !haveInf {
				return parseErr(&sc, ErrURIWithoutInf)
			}
			n := len(arena) - start
			cur.URI = t.Line
			if n > 0 {
				cur.Tags = arena[start:len(arena):len(arena)]
			}
			cur.src.infTail = tail(n, infBefore)
			cur.src.pdtTail = tail(n, pdtBefore)
			cur.src.discBefore = uint16(min(discBefore, 1<<16-1))
			segs = append(segs, cur)
			cur, start, haveInf, discLine, pdtLine = Segment{}, len(arena), false, "", ""
			afterLast = sc.rest
			infBefore, pdtBefore, discBefore = 0, 0, 0
		case TagInf:
			if haveInf {
				return parseErr(&sc, errors.New("two #EXTINF for one segment"))
			}
			v := t.Value()
			durText, title, _ := strings.Cut(v, ",")
			d, err := ParseSeconds(strings.TrimSpace(durText))
			if err != nil {
				return parseErr(&sc, fmt.Errorf("EXTINF duration: %w", err))
			}
			cur.Duration, cur.Title = d, title
			cur.src.dur, cur.src.durVal = durText, d
			haveInf, infBefore = true, len(arena)-start
		case TagDiscontinuity:
			if cur.Discontinuity || t.Line != "#EXT-X-DISCONTINUITY" {
				arena = append(arena, t) // a repeat, or a malformed one: keep it verbatim
				continue
			}
			cur.Discontinuity, discLine, discBefore = true, t.Line, len(arena)-start
		case TagProgramDateTime:
			v := t.Value()
			pt, err := ParseDateTime(v)
			if err != nil {
				return parseErr(&sc, fmt.Errorf("EXT-X-PROGRAM-DATE-TIME: %w", err))
			}
			if pdtLine != "" { // a second one for the same segment: keep it verbatim
				arena = append(arena, t)
				continue
			}
			cur.ProgramDateTime = pt
			cur.src.pdt, cur.src.pdtSec, cur.src.pdtNsec = v, pt.Unix(), int32(pt.Nanosecond())
			cur.src.pdtAfterInf = haveInf
			pdtLine, pdtBefore = t.Line, len(arena)-start
		case TagTargetDuration:
			n, ok := parseUint(t.Value())
			if !ok || n > 1<<31-1 {
				return parseErr(&sc, errors.New("EXT-X-TARGETDURATION is not a decimal integer"))
			}
			p.TargetDuration = int(n)
		case TagMediaSequence:
			n, ok := parseUint(t.Value())
			if !ok {
				return parseErr(&sc, errors.New("EXT-X-MEDIA-SEQUENCE is not a decimal integer"))
			}
			p.MediaSequence = n
		case TagDiscontinuitySequence:
			n, ok := parseUint(t.Value())
			if !ok {
				return parseErr(&sc, errors.New("EXT-X-DISCONTINUITY-SEQUENCE is not a decimal integer"))
			}
			p.DiscontinuitySequence, p.hadDS = n, true
		case TagVersion:
			n, err := strconv.Atoi(t.Value())
			if err != nil || n < 1 || n > 255 {
				return parseErr(&sc, errors.New("EXT-X-VERSION is not a protocol version"))
			}
			p.Version = n
		case TagPlaylistType:
			switch t.Value() {
			case "VOD":
				p.Type = PlaylistVOD
			case "EVENT":
				p.Type = PlaylistEvent
			default:
				return parseErr(&sc, errors.New("EXT-X-PLAYLIST-TYPE is neither VOD nor EVENT"))
			}
		case TagEndList:
			p.EndList = true
		case TagIndependentSegments:
			p.IndependentSegments = true
		case TagIFramesOnly:
			p.IFramesOnly = true
		case TagStreamInf, TagMedia, TagIFrameStreamInf:
			return parseErr(&sc, ErrNotMedia)
		case TagM3U:
			// A repeated header line carries nothing.
		default:
			if t.Kind.playlistLevel() {
				p.Header = append(p.Header, t)
				continue
			}
			arena = append(arena, t)
		}
	}
	if haveInf {
		return &ParseError{Err: ErrInfWithoutURI}
	}
	// Lines after the last segment are kept verbatim, in their order: read them again.
	if start < len(arena) || discLine != "" || pdtLine != "" {
		if len(segs) == 0 {
			afterLast = s
		}
		rest := NewScanner(afterLast)
		for rest.Scan() {
			if t := rest.Tag(); t.Kind != TagM3U && !t.Kind.playlistLevel() {
				p.Trailer = append(p.Trailer, t)
			}
		}
		arena = arena[:start]
	}
	p.Segments, p.arena = segs, arena
	return nil
}

func tail(n, before int) uint16 {
	return uint16(min(max(n-before, 0), 1<<16-1))
}
