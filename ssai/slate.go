package ssai

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

// matchSlate picks, for each of the session's media playlists, the slate rendition that matches
// it: the variant of the nearest resolution for a content variant, the first audio rendition for
// an audio rendition. nVariants of the content's media playlists are variants, the rest
// renditions of mp.
func (s *Service) matchSlate(ctx context.Context, sess *session, slateURL string, mp *hls.MasterPlaylist, nVariants int) error {
	body, err := s.fetch.get(ctx, slateURL)
	if err != nil {
		return err
	}
	sm, err := hls.ParseMasterString(body)
	if err != nil {
		return err
	}
	if len(sm.Variants) == 0 {
		return errors.New("slate has no variant streams")
	}
	base, err := url.Parse(slateURL)
	if err != nil {
		return err
	}
	resolve := func(ref string) string {
		r, err := url.Parse(ref)
		if err != nil {
			return ref
		}
		return base.ResolveReference(r).String()
	}
	var audio string
	for _, r := range sm.Renditions {
		if r.Type() == "AUDIO" && r.URI() != "" {
			audio = resolve(r.URI())
			break
		}
	}
	sess.slate = make([]string, len(sess.media))
	for i := 0; i < nVariants; i++ {
		w, h := mp.Variants[i].Resolution()
		best, bestD := 0, -1
		for j, v := range sm.Variants {
			sw, sh := v.Resolution()
			d := abs(sw-w) + abs(sh-h)
			if bestD < 0 || d < bestD {
				best, bestD = j, d
			}
		}
		sess.slate[i] = resolve(sm.Variants[best].URI)
	}
	k := nVariants
	for _, r := range mp.Renditions {
		if r.URI() == "" {
			continue
		}
		if r.Type() == "AUDIO" {
			sess.slate[k] = audio
		}
		k++
	}
	return nil
}

// slateFill fills every break with the slate (no ads yet), cut to the break.
func (s *Service) slateFill(sess *session) func([]stitch.Piece, stitch.Span) []stitch.Piece {
	return func(dst []stitch.Piece, sp stitch.Span) []stitch.Piece {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		slate, err := s.fetch.media(ctx, sess.slate[sess.ref])
		if err != nil || len(slate.Segments) == 0 {
			return dst // content plays
		}
		segs := make([]time.Duration, len(slate.Segments))
		for i := range slate.Segments {
			segs[i] = slate.Segments[i].Duration
		}
		d := time.Duration(sp.Count) * nominal(sp, slate)
		fill, err := stitch.Fill(dst, d, nil, 0, segs)
		if err != nil {
			return dst
		}
		return fill
	}
}

// nominal is the content segment duration a span's count is measured in.
func nominal(sp stitch.Span, slate *hls.MediaPlaylist) time.Duration {
	if sp.Count > 0 && sp.Planned > 0 {
		return sp.Planned / time.Duration(sp.Count)
	}
	return time.Duration(slate.TargetDuration) * time.Second
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
