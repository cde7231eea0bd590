package player

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// start begins the session (POST /v1/sessions or GET of the playlist), reads the multivariant
// playlist, picks the first variant and loads its media playlists.
func (s *session) start(ctx context.Context, u *url.URL) error {
	req, isSession, err := sessionEntry(u)
	if err != nil {
		return err
	}
	s.req = req
	t := s.clock.Now()
	var body []byte
	if isSession {
		payload, _ := json.Marshal(req)
		sessions := *u
		sessions.RawQuery = ""
		b, err := s.f.document(ctx, "POST", sessions.String(), "application/json", payload)
		if err != nil {
			return fmt.Errorf("player: start session: %w", err)
		}
		info, err := parseSessionResponse(b)
		if err != nil {
			return err
		}
		if id := s.f.header("X-Request-Id"); id != "" {
			info.RequestID = id
		}
		s.res.Info = info
		now := s.clock.Now()
		s.res.Startup.Session = now.Sub(t)
		t = now
		if u, err = url.Parse(info.ManifestURL); err != nil {
			return err
		}
		if body, err = s.f.document(ctx, "GET", info.ManifestURL, "", nil); err != nil {
			return fmt.Errorf("player: multivariant playlist: %w", err)
		}
		now = s.clock.Now()
		s.res.Startup.Master = now.Sub(t)
		t = now
	} else {
		if body, err = s.f.document(ctx, "GET", u.String(), "", nil); err != nil {
			return fmt.Errorf("player: multivariant playlist: %w", err)
		}
		s.res.Info = SessionInfo{ManifestURL: u.String(), RequestID: s.f.header("X-Request-Id")}
		now := s.clock.Now()
		s.res.Startup.Session = now.Sub(t)
		t = now
	}
	s.base = u
	if parts := strings.Split(u.Path, "/"); len(parts) > 2 && parts[1] == "ssai" {
		s.source = parts[2]
	}
	text := string(body) // a copy: the fetcher reuses body
	if !hls.IsMaster(text) {
		// A media playlist given directly: one track, no ABR.
		s.tracks = []*track{{name: "video", url: u}}
	} else {
		if s.master, err = hls.ParseMasterString(text); err != nil {
			return fmt.Errorf("player: multivariant playlist: %w", err)
		}
		if len(s.master.Variants) == 0 {
			return errNoVariant
		}
		s.ladder = newLadder(s.master)
		v := s.cfg.pinVariant
		if v < 0 || v >= len(s.master.Variants) {
			// From the top rung down to the best that fits the start estimate.
			v = s.est.choose(&s.ladder, s.ladder.order[len(s.ladder.order)-1], 0)
		}
		if err := s.setVariant(v); err != nil {
			return err
		}
	}
	// The media playlists load in parallel, as a browser player's do (the audio one on a
	// fetcher of its own).
	errs := make([]error, len(s.tracks))
	var wg sync.WaitGroup
	for i, tr := range s.tracks[1:] {
		wg.Go(func() {
			f := s.fetchers.Get().(*fetcher)
			errs[i+1] = tr.load(ctx, f, s.clock.Now())
			s.fetchers.Put(f)
		})
	}
	errs[0] = s.tracks[0].load(ctx, s.f, s.clock.Now())
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("player: %s playlist: %w", s.tracks[i].name, err)
		}
	}
	s.tracks[0].position()
	for _, tr := range s.tracks[1:] {
		tr.positioned, tr.nextSeq = true, s.tracks[0].nextSeq
	}
	s.res.Startup.Media = s.clock.Now().Sub(t)
	return nil
}

// newLadder orders the variants by bandwidth.
func newLadder(m *hls.MasterPlaylist) ladder {
	l := ladder{}
	for i := range m.Variants {
		l.order = append(l.order, i)
	}
	bw := func(i int) int64 { return m.Variants[i].Bandwidth() }
	for i := 1; i < len(l.order); i++ { // insertion sort: ladders have a handful of rungs
		for j := i; j > 0 && bw(l.order[j-1]) > bw(l.order[j]); j-- {
			l.order[j-1], l.order[j] = l.order[j], l.order[j-1]
		}
	}
	for _, i := range l.order {
		l.bw = append(l.bw, bw(i))
	}
	return l
}

// setVariant makes variant v's playlist the video track, and its audio group's default
// rendition (one with a URI) the audio track. Nothing is loaded.
func (s *session) setVariant(v int) error {
	va := s.master.Variants[v]
	u, err := resolve(s.base, va.URI)
	if err != nil {
		return fmt.Errorf("player: variant %d: %w", v, err)
	}
	video := &track{name: "video", variant: v, bandwidth: va.Bandwidth(), url: u}
	s.tracks = []*track{video}
	if group := va.Audio(); group != "" {
		var pick *hls.Rendition
		for i := range s.master.Renditions {
			r := &s.master.Renditions[i]
			if r.Type() != "AUDIO" || r.GroupID() != group || r.URI() == "" {
				continue
			}
			if pick == nil || r.Default() {
				pick = r
			}
		}
		if pick != nil {
			au, err := resolve(s.base, pick.URI())
			if err != nil {
				return fmt.Errorf("player: audio rendition: %w", err)
			}
			s.tracks = append(s.tracks, &track{name: "audio", url: au})
		}
	}
	return nil
}

// switchTo changes the video track to variant v, continuing at the same media sequence number
// and media time. The audio track is kept when the new variant uses the same one.
func (s *session) switchTo(ctx context.Context, v int) error {
	old := s.tracks
	if err := s.setVariant(v); err != nil {
		return err
	}
	nt := s.tracks
	s.tracks = old
	if err := nt[0].load(ctx, s.f, s.clock.Now()); err != nil {
		return err
	}
	nt[0].positioned, nt[0].nextSeq, nt[0].end = true, old[0].nextSeq, old[0].end
	for _, t := range nt[1:] {
		kept := false
		for _, o := range old[1:] {
			if o.url.String() == t.url.String() {
				*t, kept = *o, true
			}
		}
		if !kept {
			if err := t.load(ctx, s.f, s.clock.Now()); err != nil {
				return err
			}
			t.positioned, t.nextSeq, t.end = true, old[0].nextSeq, old[0].end
		}
	}
	s.tracks = nt
	s.res.Switches++
	s.since = 0
	return nil
}
