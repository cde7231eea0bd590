package ssai

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// fetcher fetches source media playlists once per refresh and shares them with every session:
// a live playlist is fetched again once half its target duration has passed, a VOD playlist
// (EXT-X-ENDLIST) is kept. Segment, EXT-X-MAP and EXT-X-KEY URIs are made absolute once per
// fetch, so stitched playlists served from our host point at the origin.
type fetcher struct {
	client *http.Client
	now    func() time.Time
	mu     sync.Mutex
	m      map[string]*fetched
}

type fetched struct {
	mu sync.Mutex
	p  *hls.MediaPlaylist
	mp string // a multivariant playlist's text (parsed per session: sessions rewrite it)
	at time.Time
}

// masterTTL is how long a multivariant playlist is shared before it is fetched again: it
// changes when the source's ladder does, not per refresh.
const masterTTL = 10 * time.Second

// master returns the multivariant playlist at u, fetched at most once per masterTTL and shared
// by every session starting meanwhile; the caller owns the parsed copy.
func (f *fetcher) master(ctx context.Context, u string) (*hls.MasterPlaylist, error) {
	mp, _, err := f.masterText(ctx, u)
	return mp, err
}

// masterText is master, also returning the playlist's text (which identifies the ladder).
func (f *fetcher) masterText(ctx context.Context, u string) (*hls.MasterPlaylist, string, error) {
	e := f.entry("m " + u)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := f.now()
	if e.mp == "" || now.Sub(e.at) >= masterTTL {
		body, err := f.get(ctx, u)
		if err != nil {
			if e.mp == "" {
				return nil, "", err
			}
		} else {
			if _, err := hls.ParseMasterString(body); err != nil {
				return nil, "", fmt.Errorf("source master playlist %s: %w", u, err)
			}
			e.mp, e.at = body, now
		}
	}
	mp, err := hls.ParseMasterString(e.mp)
	return mp, e.mp, err
}

func (f *fetcher) entry(key string) *fetched {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = make(map[string]*fetched)
	}
	e := f.m[key]
	if e == nil {
		e = &fetched{}
		f.m[key] = e
	}
	return e
}

const maxPlaylist = 4 << 20

func (f *fetcher) media(ctx context.Context, u string) (*hls.MediaPlaylist, error) {
	e := f.entry(u)
	e.mu.Lock() // one fetch per refresh: concurrent sessions wait for it
	defer e.mu.Unlock()
	now := f.now()
	if e.p != nil && (e.p.EndList || now.Sub(e.at) < max(time.Duration(e.p.TargetDuration)*time.Second/2, 500*time.Millisecond)) {
		return e.p, nil
	}
	body, err := f.get(ctx, u)
	if err != nil {
		if e.p != nil {
			return e.p, nil // the origin hiccuped: serve the last window rather than fail
		}
		return nil, err
	}
	p, err := hls.ParseMediaString(body)
	if err != nil {
		return nil, fmt.Errorf("source playlist %s: %w", u, err)
	}
	if err := absolutize(p, u); err != nil {
		return nil, err
	}
	e.p, e.at = p, now
	return p, nil
}

func (f *fetcher) get(ctx context.Context, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("source %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("source %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPlaylist+1))
	if err != nil {
		return "", fmt.Errorf("source %s: %w", u, err)
	}
	if len(b) > maxPlaylist {
		return "", fmt.Errorf("source %s: playlist larger than %d bytes", u, maxPlaylist)
	}
	return string(b), nil
}

// absolutize resolves the playlist's URIs against its own URL.
func absolutize(p *hls.MediaPlaylist, base string) error {
	b, err := url.Parse(base)
	if err != nil {
		return err
	}
	resolve := func(ref string) string {
		r, err := url.Parse(ref)
		if err != nil {
			return ref
		}
		return b.ResolveReference(r).String()
	}
	for i := range p.Segments {
		s := &p.Segments[i]
		s.URI = resolve(s.URI)
		for j, t := range s.Tags {
			if t.Kind != hls.TagMap && t.Kind != hls.TagKey {
				continue
			}
			a := t.Attrs()
			if uri, ok := a.Get("URI"); ok {
				s.Tags[j] = hls.NewTag(t.Name(), string(a.SetQuoted("URI", resolve(uri))))
			}
		}
	}
	return nil
}
