package ssai

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin"
	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/live"
	"github.com/cuepoint/cuepoint/origin/packager/packagertest"
	"github.com/cuepoint/cuepoint/origin/scte35"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

const adminToken = "test-admin-token-0123456789abcdef0123"

func TestMain(m *testing.M) { packagertest.Main(m) }

// mediaRoot holds the packaged "demo" asset (see packagertest).
func mediaRoot(t *testing.T) string { return packagertest.MediaRoot(t) }

// serve runs srv over a real listener until the test ends and returns its base URL.
func serve(t *testing.T, srv *server.Server) string {
	t.Helper()
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + srv.Addr()
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func putSource(t *testing.T, base, name, u string) int {
	t.Helper()
	req, _ := http.NewRequest("PUT", base+"/v1/sources/"+name, strings.NewReader(`{"url":"`+u+`"}`))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServiceOrigin registers our origin's VOD asset and a live channel as sources, starts
// sessions, and follows the live session's every rendition over refreshes of the origin's clock:
// each playlist passes the stitching validator, renditions in step, and points at the origin.
func TestServiceOrigin(t *testing.T) {
	root := mediaRoot(t)
	clock := live.NewManualClock(live.DefaultEpoch.Add(10 * time.Second))
	o, err := origin.New(origin.Config{MediaRoot: root, Clock: clock, Channels: []live.Config{{
		Name: "ch", Asset: "demo", Format: scte35.FormatCueOut, Window: 6,
		Breaks: live.Schedule{Offset: 20 * time.Second, Every: 40 * time.Second, Duration: 10 * time.Second, Lead: 4 * time.Second},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	osrv := server.New("origin", "127.0.0.1:0")
	o.Mount(osrv)
	originURL := serve(t, osrv)

	svc := mustNew(t, Config{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	ssrv := server.New("ssai", "127.0.0.1:0", server.WithAdminToken(adminToken))
	svc.Mount(ssrv)
	base := serve(t, ssrv)

	if code := putSource(t, base, "vod", originURL+"/vod/demo/master.m3u8"); code != 200 {
		t.Fatalf("PUT vod: %d", code)
	}
	if code := putSource(t, base, "live", originURL+"/live/ch/master.m3u8"); code != 200 {
		t.Fatalf("PUT live: %d", code)
	}
	req, _ := http.NewRequest("PUT", base+"/v1/sources/live-slate", strings.NewReader(`{"url":"`+originURL+`/live/ch/master.m3u8","slate":"`+originURL+`/vod/demo/master.m3u8"}`))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT live-slate: %v %v", resp, err)
	}
	if code := putSource(t, base, "bad name!", originURL); code != 400 {
		t.Errorf("PUT with a bad name: %d, want 400", code)
	}
	if _, body := get(t, base+"/v1/sources"); !strings.Contains(body, `"name":"live"`) || !strings.Contains(body, `"name":"vod"`) {
		t.Errorf("GET /v1/sources: %s", body)
	}

	// VOD: every media playlist of the session parses and its segments load from the origin.
	code, body := get(t, base+"/ssai/vod/master.m3u8?uid=u1")
	if code != 200 {
		t.Fatalf("vod master: %d %s", code, body)
	}
	for _, u := range mediaURIs(t, body) {
		code, pl := get(t, base+"/ssai/vod/"+u)
		if code != 200 {
			t.Fatalf("%s: %d %s", u, code, pl)
		}
		p, err := hls.ParseMediaString(pl)
		if err != nil || !p.EndList || len(p.Segments) == 0 {
			t.Fatalf("%s: %v\n%s", u, err, pl)
		}
		if code, _ := get(t, p.Segments[0].URI); code != 200 || !strings.HasPrefix(p.Segments[0].URI, originURL) {
			t.Fatalf("segment %s: %d", p.Segments[0].URI, code)
		}
	}

	// Live: a session without slate (breaks play the content) and one with slate, followed over
	// 60 refreshes each, every rendition through the validator.
	for _, name := range []string{"live", "live-slate"} {
		slateSegments, _ := followLive(t, base, name, originURL, clock)
		if name == "live-slate" && slateSegments == 0 {
			t.Error("live-slate: no slate segment stitched in 60 refreshes")
		}
		if name == "live" && slateSegments != 0 {
			t.Errorf("live: %d fill segments without a slate", slateSegments)
		}
	}

	if code, _ := get(t, base+"/ssai/nope/master.m3u8"); code != 404 {
		t.Errorf("unknown source: %d, want 404", code)
	}
	if code, _ := get(t, base+"/ssai/live/s/nope/0.m3u8"); code != 404 {
		t.Errorf("unknown session: %d, want 404", code)
	}
}

// followLive starts a session of source name and follows every rendition over 60 refreshes of the
// origin's clock; it returns how many fill (slate or ad) segments the refreshes showed.
func followLive(t *testing.T, base, name, originURL string, clock *live.ManualClock) (fill, ads int) {
	t.Helper()
	code, body := get(t, base+"/ssai/"+name+"/master.m3u8?uid=u2")
	if code != 200 {
		t.Fatalf("%s master: %d %s", name, code, body)
	}
	uris := mediaURIs(t, body)
	if len(uris) < 3 {
		t.Fatalf("%s master lists %d media playlists, want video renditions and audio:\n%s", name, len(uris), body)
	}
	isSlate := func(u string) bool { return strings.HasPrefix(u, originURL+"/vod/") || strings.HasPrefix(u, "a/") }
	v := stitch.Validator{IsAd: isSlate}
	for step := 0; step < 60; step++ {
		clock.Advance(time.Second)
		var outs []*hls.MediaPlaylist
		for _, u := range uris {
			code, pl := get(t, base+"/ssai/"+name+"/"+u)
			if code != 200 {
				t.Fatalf("%s step %d %s: %d %s", name, step, u, code, pl)
			}
			p, err := v.Check(u, []byte(pl))
			if err != nil {
				t.Fatalf("%s step %d: %v\n%s", name, step, err, pl)
			}
			for i := range p.Segments {
				if isSlate(p.Segments[i].URI) {
					fill++
				}
				if strings.HasPrefix(p.Segments[i].URI, "a/") {
					ads++
				}
			}
			outs = append(outs, p)
		}
		if err := stitch.Group(250*time.Millisecond, outs...); err != nil {
			t.Fatalf("%s step %d: %v", name, step, err)
		}
	}
	return fill, ads
}

// mediaURIs returns the session's media playlist URIs a multivariant playlist lists.
func mediaURIs(t *testing.T, body string) []string {
	t.Helper()
	mp, err := hls.ParseMasterString(body)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range mp.Variants {
		out = append(out, v.URI)
	}
	for _, r := range mp.Renditions {
		if r.URI() != "" {
			out = append(out, r.URI())
		}
	}
	return out
}

// mustNew returns a service closed when the test ends.
func mustNew(tb testing.TB, cfg Config) *Service {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}
