package loadtest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// hlsOrigin serves a small SSAI-like tree and logs the paths fetched, in order.
type hlsOrigin struct {
	mu    sync.Mutex
	paths []string
	*testServer
}

func newHLSOrigin(t *testing.T) *hlsOrigin {
	o := &hlsOrigin{}
	segment := bytes.Repeat([]byte{0x47}, 256*1024) // larger than any buffer: exercises streaming
	o.testServer = serve(t, func(ctx *fasthttp.RequestCtx) {
		p := string(ctx.Path())
		o.mu.Lock()
		o.paths = append(o.paths, p)
		o.mu.Unlock()
		switch {
		case p == "/ssai/demo/master.m3u8":
			ctx.SetBodyString("#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\r\nv360/media.m3u8?uid=" +
				string(ctx.QueryArgs().Peek("uid")) + "\r\n#EXT-X-STREAM-INF:BANDWIDTH=3000000\r\n" + o.URL + "/elsewhere/v1080.m3u8\r\n")
		case p == "/ssai/demo/v360/media.m3u8", p == "/media-only.m3u8":
			var b strings.Builder
			b.WriteString("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI=\"init.mp4\"\n")
			for i := range 6 {
				b.WriteString("#EXTINF:6.0,\nseg" + string(rune('0'+i)) + ".m4s\n")
			}
			b.WriteString("#EXT-X-ENDLIST\n")
			ctx.SetBodyString(b.String())
		case p == "/ssai/demo/v360/seg4.m4s":
			ctx.SetStatusCode(404)
		case p == "/empty-master.m3u8":
			ctx.SetBodyString("#EXTM3U\n#EXT-X-VERSION:3\n")
		case strings.HasSuffix(p, ".m4s"), strings.HasSuffix(p, ".mp4"):
			ctx.SetBody(segment)
		default:
			ctx.SetStatusCode(404)
		}
	})
	return o
}

func (o *hlsOrigin) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := o.paths
	o.paths = nil
	return p
}

func TestSessionPlayerFetchesAStartup(t *testing.T) {
	o := newHLSOrigin(t)
	p := NewSessionPlayer(4, 3)
	deadline := time.Now().Add(5 * time.Second)
	if err := p.Play(o.URL+"/ssai/demo/master.m3u8?uid=u1", deadline); err != nil {
		t.Fatal(err)
	}
	want := []string{"/ssai/demo/master.m3u8", "/ssai/demo/v360/media.m3u8", "/ssai/demo/v360/init.mp4",
		"/ssai/demo/v360/seg0.m4s", "/ssai/demo/v360/seg1.m4s", "/ssai/demo/v360/seg2.m4s"}
	if got := o.take(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("fetched %v\nwant    %v", got, want)
	}

	// A media playlist as the entry point is played directly.
	if err := p.Play(o.URL+"/media-only.m3u8", deadline); err != nil {
		t.Fatal(err)
	}
	if got := o.take(); len(got) != 5 || got[1] != "/init.mp4" {
		t.Errorf("media-only session fetched %v", got)
	}

	// All segments: the fifth is missing, and the session fails with its status.
	all := NewSessionPlayer(4, -1)
	err := all.Play(o.URL+"/ssai/demo/master.m3u8?uid=u2", deadline)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 404 || !strings.HasSuffix(se.URL, "/seg4.m4s") {
		t.Errorf("err = %v, want a 404 on seg4", err)
	}
	o.take()

	if err := p.Play(o.URL+"/empty-master.m3u8", deadline); !errors.Is(err, errNoVariant) {
		t.Errorf("empty master: err = %v", err)
	}
	if err := p.Play(o.URL+"/nothing-here.m3u8", deadline); err == nil {
		t.Error("404 master accepted")
	}
	if err := p.Play(o.URL+"/ssai/demo/master.m3u8", time.Now().Add(-time.Second)); err == nil {
		t.Error("expired deadline accepted")
	}
}

// An SSAI scenario runs through Run like any other: one arrival, one session.
func TestSSAIScenarioRuns(t *testing.T) {
	o := newHLSOrigin(t)
	s := SSAI(o.URL, Options{Pool: 16, Connections: 8})
	res, err := Run(context.Background(), Config{Mix: []Weighted{{Scenario: s, Weight: 1}}, Rate: 40, Duration: 500 * time.Millisecond, Connections: 8, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 20 || res.Errors != 0 {
		t.Errorf("sessions %d errors %d (timeouts %d http %d transport %d)", res.Requests, res.Errors, res.Timeouts, res.HTTPErrors, res.TransportErrors)
	}
	if got := len(o.take()); got != 20*6 {
		t.Errorf("%d fetches for 20 sessions, want 120", got)
	}
}

func TestPlaylistParsing(t *testing.T) {
	v, media := firstVariant([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n\n  hi/v.m3u8  \n#EXT-X-STREAM-INF:BANDWIDTH=2\nlo.m3u8"))
	if string(v) != "hi/v.m3u8" || media {
		t.Errorf("firstVariant = %q, %v", v, media)
	}
	if _, media := firstVariant([]byte("#EXTM3U\n#EXTINF:4,\na.ts\n")); !media {
		t.Error("media playlist not recognized")
	}
	if u := attrURI([]byte(`#EXT-X-MAP:URI="init.mp4",BYTERANGE="1@0"`)); string(u) != "init.mp4" {
		t.Errorf("attrURI = %q", u)
	}
	if u := attrURI([]byte(`#EXT-X-MAP:URI="broken`)); u != nil {
		t.Errorf("attrURI of an unterminated value = %q", u)
	}
}
