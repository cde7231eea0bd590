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

// BenchmarkServeParam measures a parametric route: one allocation, the path as a string.
func BenchmarkServeParam(b *testing.B) {
	srv := New("bench-param", "127.0.0.1:0")
	srv.Handle("GET", "/live/{channel}/{rendition}/index.m3u8", func(ctx *fasthttp.RequestCtx) {
		if Param(ctx, "channel") == "" {
			ctx.SetStatusCode(500)
		}
	})
	h := srv.Handler()
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("GET")
	ctx.Request.SetRequestURI("/live/news/720p/index.m3u8")
	b.ReportAllocs()
	for b.Loop() {
		h(&ctx)
		ctx.ResetUserValues()
	}
}
