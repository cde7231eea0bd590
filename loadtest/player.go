package loadtest

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// SessionPlayer is the built-in Player: a session is a player's startup, fetched in order —
// the master playlist, its first variant's media playlist, that playlist's initialization
// section (EXT-X-MAP) if any, and its first Segments media segments. Segment bodies are read and
// discarded as they stream in, so large segments cost no memory.
//
// It is deliberately simple: no ABR, no live reloads, no ad beacons. The headless QoE player
// (package player) is the realistic one; it plugs in through the Player interface.
type SessionPlayer struct {
	// Segments is how many media segments a session fetches; negative fetches them all.
	Segments int
	client   *fasthttp.Client
	states   sync.Pool
}

// NewSessionPlayer returns a SessionPlayer using at most connections connections per host.
func NewSessionPlayer(connections, segments int) *SessionPlayer {
	p := &SessionPlayer{
		Segments: segments,
		client: &fasthttp.Client{
			Name:                      "cuepoint-loadtest-player",
			MaxConnsPerHost:           max(connections, 1),
			MaxIdleConnDuration:       time.Minute,
			MaxIdemponentCallAttempts: 1,
			DisablePathNormalizing:    true,
		},
	}
	p.states.New = func() any {
		st := &playState{req: &fasthttp.Request{}, list: &fasthttp.Response{}, seg: &fasthttp.Response{}}
		st.seg.StreamBody = true
		return st
	}
	return p
}

// playState is one session's reusable buffers; sessions borrow them from a pool, so a session
// allocates nothing once the pool is warm.
type playState struct {
	req  *fasthttp.Request
	list *fasthttp.Response // the playlist being read (master, then media)
	seg  *fasthttp.Response // segments, streamed
	base fasthttp.URI       // URL of the playlist in list, to resolve references against
	ref  fasthttp.URI       // a resolved reference
	buf  []byte
}

var (
	errNoVariant  = errors.New("loadtest: master playlist lists no variant")
	errNoSegments = errors.New("loadtest: media playlist lists no segment")
)

// Play runs one session. See SessionPlayer.
func (p *SessionPlayer) Play(masterURL string, deadline time.Time) error {
	st := p.states.Get().(*playState)
	defer p.states.Put(st)

	st.buf = append(st.buf[:0], masterURL...)
	if err := st.base.Parse(nil, st.buf); err != nil {
		return err
	}
	if err := p.fetch(st, st.list, &st.base, deadline); err != nil {
		return err
	}
	variant, isMedia := firstVariant(st.list.Body())
	if !isMedia {
		if variant == nil {
			return errNoVariant
		}
		st.resolve(variant)
		st.ref.CopyTo(&st.base)
		if err := p.fetch(st, st.list, &st.base, deadline); err != nil {
			return err
		}
	}

	segments := 0
	for rest := st.list.Body(); len(rest) > 0; {
		var line []byte
		line, rest = nextLine(rest)
		var ref []byte
		switch {
		case bytes.HasPrefix(line, tagMap):
			ref = attrURI(line)
		case len(line) > 0 && line[0] != '#':
			if p.Segments >= 0 && segments == p.Segments {
				return nil
			}
			ref = line
			segments++
		}
		if ref == nil {
			continue
		}
		st.resolve(ref)
		if err := p.fetch(st, st.seg, &st.ref, deadline); err != nil {
			return err
		}
	}
	if segments == 0 {
		return errNoSegments
	}
	return nil
}

// fetch GETs u into resp. A streamed response is drained and closed before returning.
func (p *SessionPlayer) fetch(st *playState, resp *fasthttp.Response, u *fasthttp.URI, deadline time.Time) error {
	st.req.Reset()
	st.req.SetRequestURIBytes(u.FullURI())
	if err := p.client.DoDeadline(st.req, resp, deadline); err != nil {
		return err
	}
	if resp.StreamBody {
		if bs := resp.BodyStream(); bs != nil {
			_, err := io.Copy(io.Discard, bs)
			if cerr := resp.CloseBodyStream(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
	if code := resp.StatusCode(); code < 200 || code > 299 {
		return &StatusError{Code: code, URL: string(u.FullURI())}
	}
	return nil
}

// resolve sets st.ref to ref resolved against st.base (RFC 3986 reference resolution).
func (st *playState) resolve(ref []byte) {
	st.base.CopyTo(&st.ref)
	st.ref.UpdateBytes(ref)
}

var (
	tagStreamInf = []byte("#EXT-X-STREAM-INF")
	tagExtInf    = []byte("#EXTINF")
	tagMap       = []byte("#EXT-X-MAP:")
	attrURIKey   = []byte(`URI="`)
)

// firstVariant returns the URI of the first variant of a master playlist, or isMedia when the
// playlist is already a media playlist (it has segments).
func firstVariant(pl []byte) (uri []byte, isMedia bool) {
	wantURI := false
	for len(pl) > 0 {
		var line []byte
		line, pl = nextLine(pl)
		switch {
		case bytes.HasPrefix(line, tagExtInf):
			return nil, true
		case bytes.HasPrefix(line, tagStreamInf):
			wantURI = true
		case wantURI && len(line) > 0 && line[0] != '#':
			return line, false
		}
	}
	return nil, false
}

// attrURI returns the quoted URI attribute of a tag line, or nil.
func attrURI(line []byte) []byte {
	i := bytes.Index(line, attrURIKey)
	if i < 0 {
		return nil
	}
	v := line[i+len(attrURIKey):]
	if j := bytes.IndexByte(v, '"'); j >= 0 {
		return v[:j]
	}
	return nil
}

// nextLine splits off the first line, without its line ending (LF or CRLF) and surrounding
// blanks.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line, rest = b[:i], b[i+1:]
	} else {
		line, rest = b, nil
	}
	return bytes.TrimSpace(line), rest
}
