package origin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/live"
	"github.com/cuepoint/cuepoint/origin/packager/packagertest"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

func TestMain(m *testing.M) { packagertest.Main(m) }

// mediaRoot holds the packaged "demo" asset (see packagertest).
func mediaRoot(t *testing.T) string { return packagertest.MediaRoot(t) }

type testOrigin struct {
	o     *Origin
	base  string // http://127.0.0.1:port
	addr  string
	clock *live.ManualClock
}

// startOrigin serves an origin over a real listener until the test ends.
func startOrigin(t *testing.T, cfg Config) *testOrigin {
	t.Helper()
	clock := live.NewManualClock(live.DefaultEpoch.Add(24*time.Hour + 500*time.Millisecond))
	if cfg.Clock == nil {
		cfg.Clock = clock
	}
	o, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New("origin", "127.0.0.1:0")
	o.Mount(srv)
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
	return &testOrigin{o: o, base: "http://" + srv.Addr(), addr: srv.Addr(), clock: clock}
}

func (to *testOrigin) get(t *testing.T, path string, header ...string) (*http.Response, string) {
	t.Helper()
	return to.do(t, "GET", path, header...)
}

func (to *testOrigin) do(t *testing.T, method, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, to.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// rawGet sends the request target exactly as given, with no client-side path cleaning.
func (to *testOrigin) rawGet(t *testing.T, target string) int {
	t.Helper()
	conn, err := net.Dial("tcp", to.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 && strings.Contains(string(body), "root:") {
		t.Fatalf("%s served a file outside the media root", target)
	}
	return resp.StatusCode
}

func TestVODServing(t *testing.T) {
	to := startOrigin(t, Config{MediaRoot: mediaRoot(t)})
	for _, tc := range []struct {
		path, ctype, cache string
	}{
		{"/vod/demo/master.m3u8", "application/vnd.apple.mpegurl", cacheShort},
		{"/vod/demo/180p/index.m3u8", "application/vnd.apple.mpegurl", cacheShort},
		{"/vod/demo/180p/seg_00001.ts", "video/mp2t", cacheImmutable},
		{"/vod/demo/audio/seg_00000.ts", "video/mp2t", cacheImmutable},
		{"/vod/demo/asset.json", "application/json", cacheShort},
	} {
		resp, body := to.get(t, tc.path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || resp.Header.Get("Cache-Control") != tc.cache ||
			resp.Header.Get("ETag") == "" || resp.Header.Get("Access-Control-Allow-Origin") != "*" || len(body) == 0 {
			t.Fatalf("%s: %d %v", tc.path, resp.StatusCode, resp.Header)
		}
		if fmt.Sprint(len(body)) != resp.Header.Get("Content-Length") {
			t.Fatalf("%s: Content-Length %s for %d bytes", tc.path, resp.Header.Get("Content-Length"), len(body))
		}
		// Conditional requests: the same ETag gets 304 with no body.
		again, b := to.get(t, tc.path, "If-None-Match", resp.Header.Get("ETag"))
		if again.StatusCode != 304 || b != "" || again.Header.Get("ETag") != resp.Header.Get("ETag") {
			t.Fatalf("%s with If-None-Match: %d", tc.path, again.StatusCode)
		}
		head, b := to.do(t, "HEAD", tc.path)
		if head.StatusCode != 200 || b != "" || head.Header.Get("Content-Length") != resp.Header.Get("Content-Length") {
			t.Fatalf("HEAD %s: %d, Content-Length %q", tc.path, head.StatusCode, head.Header.Get("Content-Length"))
		}
	}
	resp, _ := to.get(t, "/vod/demo/180p/seg_00009.ts")
	if resp.StatusCode != 404 {
		t.Fatalf("missing segment: %d", resp.StatusCode)
	}
}

func TestVODRanges(t *testing.T) {
	to := startOrigin(t, Config{MediaRoot: mediaRoot(t)})
	const seg = "/vod/demo/180p/seg_00000.ts"
	full, whole := to.get(t, seg)
	size := len(whole)
	etag := full.Header.Get("ETag")
	for _, tc := range []struct {
		rng, ifRange string
		status       int
		contentRange string
		body         string
	}{
		{"bytes=0-187", "", 206, fmt.Sprintf("bytes 0-187/%d", size), whole[:188]},
		{"bytes=188-", "", 206, fmt.Sprintf("bytes 188-%d/%d", size-1, size), whole[188:]},
		{"bytes=-188", "", 206, fmt.Sprintf("bytes %d-%d/%d", size-188, size-1, size), whole[size-188:]},
		{"bytes=100-99999999", "", 206, fmt.Sprintf("bytes 100-%d/%d", size-1, size), whole[100:]},
		{fmt.Sprintf("bytes=%d-", size), "", 416, fmt.Sprintf("bytes */%d", size), ""},
		{"bytes=0-1,5-9", "", 200, "", whole},      // several ranges: the whole file
		{"pages=1-2", "", 200, "", whole},          // another unit: ignored
		{"bytes=0-187", `"stale"`, 200, "", whole}, // If-Range names another version
		{"bytes=0-187", etag, 206, fmt.Sprintf("bytes 0-187/%d", size), whole[:188]},
	} {
		h := []string{"Range", tc.rng}
		if tc.ifRange != "" {
			h = append(h, "If-Range", tc.ifRange)
		}
		resp, body := to.get(t, seg, h...)
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Range") != tc.contentRange || (tc.status != 416 && body != tc.body) {
			t.Errorf("Range %q If-Range %q: %d %q, %d bytes", tc.rng, tc.ifRange, resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
		}
	}
}

// Nothing outside the media root is served, however the path is spelled, and symbolic links
// cannot lead out of it.
func TestPathTraversal(t *testing.T) {
	root := mediaRoot(t)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.json"), []byte(`{"root:":"x"}`), 0o644)
	os.WriteFile(filepath.Join(outside, "passwd.ts"), []byte("root:x:0:0"), 0o644)
	link := filepath.Join(root, "evil")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(link)
	fileLink := filepath.Join(root, "demo", "180p", "leak.ts")
	if err := os.Symlink(filepath.Join(outside, "passwd.ts"), fileLink); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(fileLink)
	to := startOrigin(t, Config{MediaRoot: root})
	for _, target := range []string{
		"/vod/../../../../etc/passwd",
		"/vod/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		"/vod/demo/..%2f..%2f..%2f..%2fetc%2fpasswd",
		"/vod/demo%2f..%2f..%2f..%2fetc%2fpasswd",
		"/vod/..%5c..%5cetc%5cpasswd",
		"/vod/%252e%252e/etc/passwd",
		"/vod//etc/passwd",
		"/vod/evil/secret.json",
		"/vod/evil/passwd.ts",
		"/vod/demo/180p/leak.ts",
		"/vod/.demo.mp4",
		"/vod/demo/180p/index.m3u8%00.ts",
		"/live/x/../../etc/passwd",
		"/player/../../etc/passwd",
	} {
		if code := to.rawGet(t, target); code != 404 && code != 400 {
			t.Errorf("%s: status %d, want 404", target, code)
		}
	}
	// A link that stays inside the root is fine.
	alias := filepath.Join(root, "alias")
	if err := os.Symlink("demo", alias); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(alias)
	if code := to.rawGet(t, "/vod/alias/master.m3u8"); code != 200 {
		t.Fatalf("link inside the root: %d", code)
	}
}

func TestAssetsAPI(t *testing.T) {
	to := startOrigin(t, Config{MediaRoot: mediaRoot(t)})
	resp, body := to.get(t, "/v1/assets")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var doc struct {
		Assets []AssetEntry `json:"assets"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	var demo *AssetEntry
	for i := range doc.Assets {
		if doc.Assets[i].Name == "demo" {
			demo = &doc.Assets[i]
		}
	}
	if demo == nil || demo.Master != "/vod/demo/master.m3u8" || demo.Variants != 2 || demo.Asset == nil ||
		demo.Asset.Segments != 3 || len(demo.Asset.Renditions) != 2 {
		t.Fatalf("assets = %s", body)
	}
}

func liveConfig(format scte35.Format, asset string) live.Config {
	return live.Config{Name: "ch-" + format.String(), Asset: asset, Format: format, Window: 4,
		Breaks: live.Schedule{Offset: 10 * time.Second, Every: 20 * time.Second, Duration: 4 * time.Second, Lead: 4 * time.Second}}
}

func TestLiveOverHTTP(t *testing.T) {
	root := mediaRoot(t)
	var chans []live.Config
	for _, f := range scte35.Formats {
		chans = append(chans, liveConfig(f, "demo"))
	}
	to := startOrigin(t, Config{MediaRoot: root, Channels: chans})
	for _, f := range scte35.Formats {
		name := "ch-" + f.String()
		resp, master := to.get(t, "/live/"+name+"/master.m3u8")
		if resp.StatusCode != 200 || !strings.Contains(master, "180p/index.m3u8") {
			t.Fatalf("master: %d %s", resp.StatusCode, master)
		}
		resp, body := to.get(t, "/live/"+name+"/180p/index.m3u8")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
			t.Fatalf("playlist: %d %s", resp.StatusCode, body)
		}
		cc := resp.Header.Get("Cache-Control")
		if cc != "public, max-age=1" && cc != "public, max-age=0" {
			t.Fatalf("Cache-Control %q: at most half a target duration", cc)
		}
		again, b := to.get(t, "/live/"+name+"/180p/index.m3u8", "If-None-Match", resp.Header.Get("ETag"))
		if again.StatusCode != 304 || b != "" {
			t.Fatalf("If-None-Match: %d", again.StatusCode)
		}
		p, err := hls.ParseMediaString(body)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Segments {
			seg, data := to.get(t, "/live/"+name+"/180p/"+s.URI)
			if seg.StatusCode != 200 || seg.Header.Get("Content-Type") != "video/mp2t" || seg.Header.Get("Cache-Control") != cacheImmutable || len(data) == 0 {
				t.Fatalf("segment %s: %d %v", s.URI, seg.StatusCode, seg.Header)
			}
		}
		last := p.MediaSequence + uint64(len(p.Segments))
		if resp, _ := to.get(t, fmt.Sprintf("/live/%s/180p/%d.ts", name, last)); resp.StatusCode != 404 {
			t.Fatalf("a segment not published yet: %d", resp.StatusCode)
		}
		if resp, _ := to.get(t, fmt.Sprintf("/live/%s/180p/%d.ts", name, p.MediaSequence-20)); resp.StatusCode != 410 {
			t.Fatalf("a segment long gone: %d", resp.StatusCode)
		}
		if resp, _ := to.get(t, "/live/"+name+"/4k/index.m3u8"); resp.StatusCode != 404 {
			t.Fatalf("unknown rendition: %d", resp.StatusCode)
		}
	}
	if resp, _ := to.get(t, "/live/nope/master.m3u8"); resp.StatusCode != 404 {
		t.Fatalf("unknown channel: %d", resp.StatusCode)
	}
	resp, body := to.get(t, "/v1/channels")
	if resp.StatusCode != 200 || strings.Count(body, `"status": "live"`) != 3 {
		t.Fatalf("channels: %s", body)
	}
}

// A channel whose asset is not packaged yet answers 503 and goes live once the asset appears.
func TestChannelWaitsForItsAsset(t *testing.T) {
	root := t.TempDir()
	to := startOrigin(t, Config{MediaRoot: root, Channels: []live.Config{liveConfig(scte35.FormatCueOut, "later")}})
	resp, body := to.get(t, "/live/ch-cue-out/master.m3u8")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "cuepoint package") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if err := os.CopyFS(filepath.Join(root, "later"), os.DirFS(filepath.Join(mediaRoot(t), "demo"))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second) // failures are retried every 2 s
	for {
		resp, _ = to.get(t, "/live/ch-cue-out/180p/index.m3u8")
		if resp.StatusCode == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("the channel did not go live: %d", resp.StatusCode)
	}
}

func TestPlayer(t *testing.T) {
	root := mediaRoot(t)
	missing := startOrigin(t, Config{MediaRoot: root, PlayerDir: filepath.Join(t.TempDir(), "dist")})
	resp, body := missing.get(t, "/player/")
	if resp.StatusCode != 404 || !strings.Contains(body, "the web player is not built") || !strings.Contains(body, "--player-dir") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	dist := t.TempDir()
	os.WriteFile(filepath.Join(dist, "index.html"), []byte("<!doctype html><title>player</title>"), 0o644)
	os.MkdirAll(filepath.Join(dist, "assets"), 0o755)
	os.WriteFile(filepath.Join(dist, "assets", "app.js"), []byte("console.log(1)"), 0o644)
	to := startOrigin(t, Config{MediaRoot: root, PlayerDir: dist})
	if resp, _ := to.get(t, "/player"); resp.StatusCode != 301 || resp.Header.Get("Location") != "/player/" {
		t.Fatalf("/player: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, body := to.get(t, "/player/"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(body, "player") {
		t.Fatalf("/player/: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := to.get(t, "/player/assets/app.js"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("app.js: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := to.get(t, "/player/assets/nope.js"); resp.StatusCode != 404 {
		t.Fatalf("missing asset: %d", resp.StatusCode)
	}
}

// ffprobe, an independent HLS client, reads the served VOD and live streams over HTTP.
func TestFFprobeReadsServedStreams(t *testing.T) {
	root := mediaRoot(t)
	to := startOrigin(t, Config{MediaRoot: root, Channels: []live.Config{liveConfig(scte35.FormatDateRange, "demo")}})
	for _, path := range []string{"/vod/demo/master.m3u8", "/live/ch-daterange/master.m3u8"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-of", "json",
			"-show_entries", "stream=codec_type,codec_name,width,height", to.base+path).Output()
		cancel()
		if err != nil {
			t.Fatalf("ffprobe %s: %v", path, err)
		}
		s := string(out)
		if !strings.Contains(s, `"codec_name": "h264"`) || !strings.Contains(s, `"codec_name": "aac"`) || !strings.Contains(s, `"width": 320`) {
			t.Fatalf("ffprobe %s: %s", path, s)
		}
	}
}
