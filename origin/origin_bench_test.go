package origin

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin/live"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

// benchHandler builds an origin over a fake asset (playlists and small segment files) and
// returns the server's root handler, wrapper included.
func benchHandler(b *testing.B) fasthttp.RequestHandler {
	root := b.TempDir()
	dir := filepath.Join(root, "demo")
	master := "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio/index.m3u8\"\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=900000,AUDIO=\"a\"\n360p/index.m3u8\n"
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "master.m3u8"), []byte(master), 0o644)
	for _, r := range []string{"360p", "audio"} {
		os.MkdirAll(filepath.Join(dir, r), 0o755)
		pl := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
		for i := 0; i < 30; i++ {
			name := "seg_" + string(rune('a'+i)) + ".ts"
			pl += "#EXTINF:2.000,\n" + name + "\n"
			os.WriteFile(filepath.Join(dir, r, name), make([]byte, 200_000), 0o644)
		}
		os.WriteFile(filepath.Join(dir, r, "index.m3u8"), []byte(pl+"#EXT-X-ENDLIST\n"), 0o644)
	}
	clock := live.NewManualClock(live.DefaultEpoch.Add(24 * time.Hour))
	o, err := New(Config{MediaRoot: root, Clock: clock, Channels: []live.Config{{Name: "news", Asset: "demo",
		Format: scte35.FormatDateRange, Window: 10}}})
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New("origin-bench", "127.0.0.1:0")
	o.Mount(srv)
	return srv.Handler()
}

func benchRequest(b *testing.B, uri string) {
	h := benchHandler(b)
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI(uri)
	h(&ctx)
	if ctx.Response.StatusCode() != 200 {
		b.Fatalf("%s: %d %s", uri, ctx.Response.StatusCode(), ctx.Response.Body())
	}
	b.ReportAllocs()
	for b.Loop() {
		ctx.Response.Reset()
		h(&ctx)
		if bs := ctx.Response.BodyStream(); bs != nil { // what fasthttp does after sending
			ctx.Response.CloseBodyStream()
		}
	}
}

// BenchmarkLivePlaylistRequest: GET of a live media playlist through the server wrapper,
// window cached (the request every viewer makes every couple of seconds).
func BenchmarkLivePlaylistRequest(b *testing.B) { benchRequest(b, "/live/news/360p/index.m3u8") }

// BenchmarkVODSegmentRequest: GET of a 200 KB segment (open, stat, headers; the body is
// streamed by fasthttp, with sendfile over TCP).
func BenchmarkVODSegmentRequest(b *testing.B) { benchRequest(b, "/vod/demo/360p/seg_a.ts") }
