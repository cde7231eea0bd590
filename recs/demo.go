package recs

import (
	_ "embed"

	"github.com/valyala/fasthttp"
)

// demoPage is a viewer's home screen in miniature: pick a viewer, see their row and the "up
// next" row beside a title; clicking a poster reports a click and a play (as a player does)
// and the rows refresh, so a row visibly follows what the viewer watches.
//
//go:embed demo.html
var demoPage []byte

func (s *Service) handleDemo(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.SetBody(demoPage)
}
