package hls

import (
	"io"
	"strconv"
	"sync"
)

// AppendTo appends the playlist to b and returns the extended buffer. With enough capacity in b
// it allocates nothing: keep a buffer per worker, or use a pool, on hot paths.
//
// The header is written in a fixed order (EXTM3U, VERSION, TARGETDURATION, MEDIA-SEQUENCE,
// DISCONTINUITY-SEQUENCE, PLAYLIST-TYPE, I-FRAMES-ONLY, INDEPENDENT-SEGMENTS, then Header);
// EXT-X-DISCONTINUITY-SEQUENCE is written when it is not zero or when the parsed playlist had
// it (its absence means zero).
func (p *MediaPlaylist) AppendTo(b []byte) []byte {
	b = append(b, "#EXTM3U\n"...)
	if p.Version > 0 {
		b = appendIntTag(b, "#EXT-X-VERSION:", uint64(p.Version))
	}
	b = appendIntTag(b, "#EXT-X-TARGETDURATION:", uint64(max(p.TargetDuration, 0)))
	b = appendIntTag(b, "#EXT-X-MEDIA-SEQUENCE:", p.MediaSequence)
	if p.DiscontinuitySequence != 0 || p.hadDS {
		b = appendIntTag(b, "#EXT-X-DISCONTINUITY-SEQUENCE:", p.DiscontinuitySequence)
	}
	if p.Type != PlaylistLive {
		b = append(b, "#EXT-X-PLAYLIST-TYPE:"...)
		b = append(b, p.Type.String()...)
		b = append(b, '\n')
	}
	if p.IFramesOnly {
		b = append(b, "#EXT-X-I-FRAMES-ONLY\n"...)
	}
	if p.IndependentSegments {
		b = append(b, "#EXT-X-INDEPENDENT-SEGMENTS\n"...)
	}
	b = appendTags(b, p.Header)
	for i := range p.Segments {
		b = p.Segments[i].AppendTo(b)
	}
	b = appendTags(b, p.Trailer)
	if p.EndList {
		b = append(b, "#EXT-X-ENDLIST\n"...)
	}
	return b
}

// AppendTo appends the segment's lines: its tags and owned lines in their order, then the URI.
func (s *Segment) AppendTo(b []byte) []byte {
	b = s.AppendHead(b)
	b = append(b, s.URI...)
	return append(b, '\n')
}

// AppendHead appends the segment's lines before its URI line (AppendTo without the URI): for a
// writer that puts another URI in its place.
func (s *Segment) AppendHead(b []byte) []byte {
	n := len(s.Tags)
	disc, pdt, inf := s.Discontinuity, !s.ProgramDateTime.IsZero(), true
	for i := 0; i <= n; i++ {
		rem := uint16(min(n-i, 1<<16-1))
		if disc && (uint16(min(i, 1<<16-1)) >= s.src.discBefore || i == n) {
			b = append(b, "#EXT-X-DISCONTINUITY\n"...)
			disc = false
		}
		if s.src.pdtAfterInf {
			if inf && s.src.infTail >= rem {
				b, inf = s.appendInf(b), false
			}
			if pdt && s.src.pdtTail >= rem {
				b, pdt = s.appendPDT(b), false
			}
		} else {
			if pdt && s.src.pdtTail >= rem {
				b, pdt = s.appendPDT(b), false
			}
			if inf && s.src.infTail >= rem {
				b, inf = s.appendInf(b), false
			}
		}
		if i < n {
			b = append(b, s.Tags[i].Line...)
			b = append(b, '\n')
		}
	}
	return b
}

func (s *Segment) appendInf(b []byte) []byte {
	b = append(b, "#EXTINF:"...)
	if s.src.dur != "" && s.Duration == s.src.durVal {
		b = append(b, s.src.dur...)
	} else {
		b = AppendSeconds(b, s.Duration)
	}
	b = append(b, ',')
	b = append(b, s.Title...)
	return append(b, '\n')
}

func (s *Segment) appendPDT(b []byte) []byte {
	b = append(b, "#EXT-X-PROGRAM-DATE-TIME:"...)
	t := s.ProgramDateTime
	if s.src.pdt != "" && t.Unix() == s.src.pdtSec && int32(t.Nanosecond()) == s.src.pdtNsec {
		b = append(b, s.src.pdt...)
	} else {
		b = AppendDateTime(b, t)
	}
	return append(b, '\n')
}

func appendIntTag(b []byte, prefix string, v uint64) []byte {
	b = append(b, prefix...)
	b = strconv.AppendUint(b, v, 10)
	return append(b, '\n')
}

func appendTags(b []byte, tags []Tag) []byte {
	for _, t := range tags {
		b = append(b, t.Line...)
		b = append(b, '\n')
	}
	return b
}

// String returns the playlist text.
func (p *MediaPlaylist) String() string { return string(p.AppendTo(nil)) }

// WriteTo writes the playlist to w using a pooled buffer.
func (p *MediaPlaylist) WriteTo(w io.Writer) (int64, error) {
	bp := getBuf()
	*bp = p.AppendTo((*bp)[:0])
	n, err := w.Write(*bp)
	putBuf(bp)
	return int64(n), err
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= 1<<20 { // do not keep the occasional huge playlist's buffer alive
		bufPool.Put(b)
	}
}
