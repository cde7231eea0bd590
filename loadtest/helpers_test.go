package loadtest

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// testServer is an in-test fasthttp server on loopback.
type testServer struct {
	URL    string
	hits   atomic.Int64
	ln     net.Listener
	server *fasthttp.Server
}

// serve starts handler on 127.0.0.1 and stops it when the test ends.
func serve(t testing.TB, handler fasthttp.RequestHandler) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{URL: "http://" + ln.Addr().String(), ln: ln}
	ts.server = &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			ts.hits.Add(1)
			handler(ctx)
		},
		Concurrency: 256 * 1024,
	}
	go func() { _ = ts.server.Serve(ln) }()
	t.Cleanup(func() { _ = ts.server.Shutdown() })
	return ts
}

// okHandler answers 200 "ok" at once.
func okHandler(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") }

// stallingHandler stalls every request that arrives during [offset, offset+stall) of every
// period, measured from epoch, until the stall ends: the server freezes, like a GC pause or a
// lock convoy, then answers everything at once.
func stallingHandler(epoch time.Time, period, offset, stall time.Duration) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		phase := time.Since(epoch) % period
		if phase >= offset && phase < offset+stall {
			time.Sleep(offset + stall - phase)
		}
		ctx.SetBodyString("ok")
	}
}

func urlMix(target string) []Weighted {
	return []Weighted{{Scenario: URL(target), Weight: 1}}
}
