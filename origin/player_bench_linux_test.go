package origin

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"

	"github.com/cuepoint/cuepoint/internal/server"
)

// threadCPU is the CPU time the calling OS thread has used: benchmarks lock their goroutine
// to its thread and report CPU time per op beside wall time, which on a loaded machine also
// counts waiting for a CPU.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// benchPlayer runs GET uri against an origin serving a player build, through the server
// wrapper, and reports CPU ns/op.
func benchPlayer(b *testing.B, uri string) {
	dist := b.TempDir()
	os.WriteFile(filepath.Join(dist, "index.html"), make([]byte, 2300), 0o644) // the real page's size
	o, err := New(Config{MediaRoot: b.TempDir(), PlayerDir: dist, Player: &PlayerConfig{
		SSAIURL: "http://127.0.0.1:8083", RecsURL: "http://127.0.0.1:8085", CollectorURL: "http://127.0.0.1:8088",
		Sender: playerSender(),
	}})
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New("origin-bench", "127.0.0.1:0")
	o.Mount(srv)
	h := srv.Handler()
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI(uri)
	ctx.Request.SetHost("127.0.0.1:8084")
	h(&ctx)
	if ctx.Response.StatusCode() != 200 {
		b.Fatalf("%s: %d %s", uri, ctx.Response.StatusCode(), ctx.Response.Body())
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	cpu0 := threadCPU()
	for b.Loop() {
		ctx.Response.Reset()
		h(&ctx)
		if bs := ctx.Response.BodyStream(); bs != nil {
			ctx.Response.CloseBodyStream()
		}
	}
	b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkPlayerConfig: GET /player/config.json, once per page view: a collector token
// minted (HMAC-SHA256) and the config encoded with encoding/json.
func BenchmarkPlayerConfig(b *testing.B) { benchPlayer(b, "/player/config.json") }

// BenchmarkPlayerPage: GET /player/ (index.html from disk), the baseline: what a page view
// costs the origin without the config.
func BenchmarkPlayerPage(b *testing.B) { benchPlayer(b, "/player/") }
