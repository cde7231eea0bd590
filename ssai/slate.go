package ssai

import (
	"context"
	"errors"
	"net/url"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// matchSlate picks, for each of the session's media playlists, the slate rendition that matches
// it: the variant of the nearest resolution for a content variant, the first audio rendition for
// an audio rendition. nVariants of the content's media playlists are variants, the rest
// renditions of mp.
func (s *Service) matchSlate(ctx context.Context, sess *ladder, slateURL string, mp *hls.MasterPlaylist, nVariants int) error {
	sm, err := s.fetch.master(ctx, slateURL)
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

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
