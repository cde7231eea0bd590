package hls

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// MasterPlaylist is a multivariant playlist: the renditions (EXT-X-MEDIA), the variant streams
// (EXT-X-STREAM-INF and their URIs), the I-frame streams, and every other line verbatim.
// Attributes are kept as their original text (AttrList); the typed accessors read them.
type MasterPlaylist struct {
	Version             int  // EXT-X-VERSION, 0 when absent
	IndependentSegments bool // EXT-X-INDEPENDENT-SEGMENTS
	// Header holds every other tag, verbatim, in order: EXT-X-START, -DEFINE, -SESSION-DATA,
	// -SESSION-KEY, -CONTENT-STEERING, comments and unknown tags.
	Header         []Tag
	Renditions     []Rendition
	Variants       []Variant
	IFrameVariants []AttrList // EXT-X-I-FRAME-STREAM-INF attribute lists (URI inside)
	// Trailer holds tags after the last variant, verbatim.
	Trailer []Tag
}

// Rendition is an EXT-X-MEDIA tag: an alternative audio, video, subtitles or closed-captions
// rendition of a group.
type Rendition struct{ Attrs AttrList }

// Type returns TYPE (AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS).
func (r Rendition) Type() string { v, _ := r.Attrs.Raw("TYPE"); return v }

// GroupID returns GROUP-ID.
func (r Rendition) GroupID() string { v, _ := r.Attrs.Get("GROUP-ID"); return v }

// Name returns NAME.
func (r Rendition) Name() string { v, _ := r.Attrs.Get("NAME"); return v }

// Language returns LANGUAGE.
func (r Rendition) Language() string { v, _ := r.Attrs.Get("LANGUAGE"); return v }

// URI returns URI ("" for renditions carried in the variant stream itself).
func (r Rendition) URI() string { v, _ := r.Attrs.Get("URI"); return v }

// Default reports DEFAULT=YES.
func (r Rendition) Default() bool { v, _ := r.Attrs.Raw("DEFAULT"); return v == "YES" }

// Variant is an EXT-X-STREAM-INF tag and the URI of its media playlist.
type Variant struct {
	Attrs AttrList
	URI   string
	// Tags are other tags found between the previous variant's URI and this one's URI, kept
	// verbatim and written back before its EXT-X-STREAM-INF (those before the first variant's
	// URI are in MasterPlaylist.Header).
	Tags []Tag
}

// Bandwidth returns BANDWIDTH in bits per second.
func (v Variant) Bandwidth() int64 { n, _ := v.Attrs.Int("BANDWIDTH"); return n }

// AverageBandwidth returns AVERAGE-BANDWIDTH in bits per second, 0 when absent.
func (v Variant) AverageBandwidth() int64 { n, _ := v.Attrs.Int("AVERAGE-BANDWIDTH"); return n }

// Codecs returns CODECS ("avc1.64001f,mp4a.40.2").
func (v Variant) Codecs() string { s, _ := v.Attrs.Get("CODECS"); return s }

// Resolution returns RESOLUTION.
func (v Variant) Resolution() (w, h int) { w, h, _ = v.Attrs.Resolution("RESOLUTION"); return }

// Audio returns the AUDIO group id.
func (v Variant) Audio() string { s, _ := v.Attrs.Get("AUDIO"); return s }

// IsMaster reports whether s looks like a multivariant playlist (it has an EXT-X-STREAM-INF,
// EXT-X-MEDIA or EXT-X-I-FRAME-STREAM-INF tag) rather than a media playlist.
func IsMaster(s string) bool {
	return strings.Contains(s, "#EXT-X-STREAM-INF:") || strings.Contains(s, "#EXT-X-MEDIA:") ||
		strings.Contains(s, "#EXT-X-I-FRAME-STREAM-INF:")
}

// ParseMaster parses a multivariant playlist, copying src once.
func ParseMaster(src []byte) (*MasterPlaylist, error) { return ParseMasterString(string(src)) }

// ParseMasterString parses a multivariant playlist; strings in the result are substrings of s.
func ParseMasterString(s string) (*MasterPlaylist, error) {
	p := new(MasterPlaylist)
	sc := NewScanner(s)
	if !sc.Scan() || sc.Tag().Kind != TagM3U {
		return nil, parseErr(&sc, ErrNoHeader)
	}
	var (
		pending []Tag
		inf     AttrList
		haveInf bool
	)
	for sc.Scan() {
		t := sc.Tag()
		switch t.Kind {
		case TagStreamInf:
			if haveInf {
				return nil, parseErr(&sc, errors.New("EXT-X-STREAM-INF without a URI after the previous one"))
			}
			inf, haveInf = t.Attrs(), true
			if err := inf.Validate(); err != nil {
				return nil, parseErr(&sc, err)
			}
		case TagURI:
			if !haveInf {
				return nil, parseErr(&sc, errors.New("URI without a preceding EXT-X-STREAM-INF"))
			}
			p.Variants = append(p.Variants, Variant{Attrs: inf, URI: t.Line, Tags: pending})
			pending, haveInf = nil, false
		case TagMedia:
			a := t.Attrs()
			if err := a.Validate(); err != nil {
				return nil, parseErr(&sc, err)
			}
			p.Renditions = append(p.Renditions, Rendition{Attrs: a})
		case TagIFrameStreamInf:
			p.IFrameVariants = append(p.IFrameVariants, t.Attrs())
		case TagVersion:
			n, err := strconv.Atoi(t.Value())
			if err != nil || n < 1 || n > 255 {
				return nil, parseErr(&sc, errors.New("EXT-X-VERSION is not a protocol version"))
			}
			p.Version = n
		case TagIndependentSegments:
			p.IndependentSegments = true
		case TagInf, TagTargetDuration, TagMediaSequence:
			return nil, parseErr(&sc, ErrNotMaster)
		case TagM3U:
		default:
			if len(p.Variants) == 0 {
				p.Header = append(p.Header, t)
			} else {
				pending = append(pending, t)
			}
		}
	}
	if haveInf {
		return nil, &ParseError{Err: errors.New("EXT-X-STREAM-INF without a URI at the end")}
	}
	p.Trailer = pending
	return p, nil
}

// AppendTo appends the playlist to b: the header, the renditions, then each variant (its
// verbatim tags, EXT-X-STREAM-INF, URI), then the I-frame streams.
func (p *MasterPlaylist) AppendTo(b []byte) []byte {
	b = append(b, "#EXTM3U\n"...)
	if p.Version > 0 {
		b = appendIntTag(b, "#EXT-X-VERSION:", uint64(p.Version))
	}
	if p.IndependentSegments {
		b = append(b, "#EXT-X-INDEPENDENT-SEGMENTS\n"...)
	}
	b = appendTags(b, p.Header)
	for _, r := range p.Renditions {
		b = append(b, "#EXT-X-MEDIA:"...)
		b = append(b, r.Attrs...)
		b = append(b, '\n')
	}
	for _, v := range p.Variants {
		b = appendTags(b, v.Tags)
		b = append(b, "#EXT-X-STREAM-INF:"...)
		b = append(b, v.Attrs...)
		b = append(b, '\n')
		b = append(b, v.URI...)
		b = append(b, '\n')
	}
	for _, a := range p.IFrameVariants {
		b = append(b, "#EXT-X-I-FRAME-STREAM-INF:"...)
		b = append(b, a...)
		b = append(b, '\n')
	}
	return appendTags(b, p.Trailer)
}

// String returns the playlist text.
func (p *MasterPlaylist) String() string { return string(p.AppendTo(nil)) }

// WriteTo writes the playlist to w.
func (p *MasterPlaylist) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(p.AppendTo(nil))
	return int64(n), err
}
