package stitch

import (
	"errors"
	"fmt"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// Validator checks stitched playlists against the stitching rules of ARCHITECTURE.md. Check
// looks at one playlist and, for a live rendition, at how it moved since the previous refresh
// of the same name; Group compares the renditions of one refresh.
type Validator struct {
	// IsAd tells fill segments (ads and slate) from content by URI.
	IsAd func(uri string) bool
	prev map[string]*hls.MediaPlaylist
}

// Check validates one stitched playlist of rendition name and remembers it for the next refresh.
func (v *Validator) Check(name string, body []byte) (*hls.MediaPlaylist, error) {
	p, err := hls.ParseMedia(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	if err := v.checkOne(p); err != nil {
		return p, fmt.Errorf("%s (media sequence %d): %w", name, p.MediaSequence, err)
	}
	if v.prev == nil {
		v.prev = make(map[string]*hls.MediaPlaylist)
	}
	if q := v.prev[name]; q != nil {
		if err := checkRefresh(q, p); err != nil {
			return p, fmt.Errorf("%s refresh %d → %d: %w", name, q.MediaSequence, p.MediaSequence, err)
		}
	}
	v.prev[name] = p
	return p, nil
}

func (v *Validator) checkOne(p *hls.MediaPlaylist) error {
	hasPDT := hasProgramDateTime(p)
	usesMap, keyed := false, false
	for i := range p.Segments {
		for _, t := range p.Segments[i].Tags {
			usesMap = usesMap || t.Kind == hls.TagMap
			keyed = keyed || (t.Kind == hls.TagKey && !isKeyNone(t))
		}
	}
	for i := range p.Segments {
		s := &p.Segments[i]
		ad := v.IsAd != nil && v.IsAd(s.URI)
		if ad && s.Duration < MinSegment {
			return fmt.Errorf("segment %s is a sliver of %v", s.URI, s.Duration)
		}
		if i > 0 && v.IsAd != nil && ad != v.IsAd(p.Segments[i-1].URI) && !s.Discontinuity {
			return fmt.Errorf("no EXT-X-DISCONTINUITY before %s (ad %v after ad %v)", s.URI, ad, !ad)
		}
		if !s.Discontinuity {
			continue
		}
		if hasPDT && s.ProgramDateTime.IsZero() {
			return fmt.Errorf("no EXT-X-PROGRAM-DATE-TIME after the discontinuity before %s", s.URI)
		}
		if usesMap && !hasKind(s.Tags, hls.TagMap) {
			return fmt.Errorf("no EXT-X-MAP after the discontinuity before %s", s.URI)
		}
		if keyed && !hasKind(s.Tags, hls.TagKey) {
			return fmt.Errorf("no EXT-X-KEY after the discontinuity before %s", s.URI)
		}
	}
	return nil
}

// checkRefresh compares two refreshes of one live rendition.
func checkRefresh(q, p *hls.MediaPlaylist) error {
	if p.TargetDuration != q.TargetDuration {
		return fmt.Errorf("EXT-X-TARGETDURATION changed from %d to %d", q.TargetDuration, p.TargetDuration)
	}
	if p.MediaSequence < q.MediaSequence {
		return fmt.Errorf("EXT-X-MEDIA-SEQUENCE went down from %d to %d", q.MediaSequence, p.MediaSequence)
	}
	want := q.DiscontinuitySequence
	for i := range q.Segments {
		seq := q.MediaSequence + uint64(i)
		if seq >= p.MediaSequence {
			j := int(seq - p.MediaSequence)
			if j < len(p.Segments) {
				a, b := &q.Segments[i], &p.Segments[j]
				if a.URI != b.URI || a.Discontinuity != b.Discontinuity {
					return fmt.Errorf("segment %d changed from %s (discontinuity %v) to %s (discontinuity %v)", seq, a.URI, a.Discontinuity, b.URI, b.Discontinuity)
				}
			}
			continue
		}
		if q.Segments[i].Discontinuity {
			want++
		}
	}
	if p.MediaSequence <= q.MediaSequence+uint64(len(q.Segments)) && p.DiscontinuitySequence != want {
		return fmt.Errorf("EXT-X-DISCONTINUITY-SEQUENCE is %d, want %d (from %d and the discontinuities that slid out)", p.DiscontinuitySequence, want, q.DiscontinuitySequence)
	}
	if p.DiscontinuitySequence < q.DiscontinuitySequence {
		return errors.New("EXT-X-DISCONTINUITY-SEQUENCE went down")
	}
	return nil
}

// Group checks the renditions of one refresh against each other: the same media and
// discontinuity sequence, and discontinuities on the same media sequence numbers at the same
// presentation time (within tolerance, for audio cut on AAC frames).
func Group(tolerance time.Duration, ps ...*hls.MediaPlaylist) error {
	if len(ps) < 2 {
		return nil
	}
	ref := ps[0]
	refDisc := discontinuities(ref)
	for n, p := range ps[1:] {
		if p.MediaSequence != ref.MediaSequence || p.DiscontinuitySequence != ref.DiscontinuitySequence {
			return fmt.Errorf("rendition %d: media/discontinuity sequence %d/%d, reference %d/%d", n+1, p.MediaSequence, p.DiscontinuitySequence, ref.MediaSequence, ref.DiscontinuitySequence)
		}
		d := discontinuities(p)
		if len(d) != len(refDisc) {
			return fmt.Errorf("rendition %d: %d discontinuities, reference %d", n+1, len(d), len(refDisc))
		}
		for k := range d {
			if d[k].seq != refDisc[k].seq {
				return fmt.Errorf("rendition %d: discontinuity %d on segment %d, reference on %d", n+1, k, d[k].seq, refDisc[k].seq)
			}
			if dt := d[k].at - refDisc[k].at; dt > tolerance || dt < -tolerance {
				return fmt.Errorf("rendition %d: discontinuity %d at %v, reference at %v", n+1, k, d[k].at, refDisc[k].at)
			}
		}
	}
	return nil
}

type disc struct {
	seq uint64
	at  time.Duration // presentation time from the window start
}

func discontinuities(p *hls.MediaPlaylist) []disc {
	var out []disc
	var at time.Duration
	for i := range p.Segments {
		if p.Segments[i].Discontinuity {
			out = append(out, disc{p.MediaSequence + uint64(i), at})
		}
		at += p.Segments[i].Duration
	}
	return out
}
