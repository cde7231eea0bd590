package server

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkServeStatic measures the wrapper's own cost on a static route: routing, recovery,
// per-route counter and latency histogram. Compare with BenchmarkBareHandler (the floor).
func BenchmarkServeStatic(b *testing.B) {
	srv := New("bench", "127.0.0.1:0")
	srv.Handle("POST", "/openrtb2/bid", func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(204) })
	h := srv.Handler()
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI("/openrtb2/bid")
	b.ReportAllocs()
	for b.Loop() {
		h(&ctx)
	}
}

func BenchmarkBareHandler(b *testing.B) {
	h := func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(204) }
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI("/openrtb2/bid")
	b.ReportAllocs()
	for b.Loop() {
		h(&ctx)
	}
}
