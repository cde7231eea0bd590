package bidder

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
)

// HandleBid serves POST /openrtb2/bid.
//
//	200  a bid response (gzip when the exchange accepts it), x-openrtb-version: 2.6
//	204  no bid; the reason is counted (cuepoint_bidder_nobids_total{reason}) and emitted
//	400  malformed JSON, no imp, or an invalid field: the body names it
//	413  a body over --max-body-bytes (after gzip inflation)
//
// The deadline is the request's arrival + tmax − --network-allowance. With less than
// --min-work left the answer is an immediate 204, and a decision that overruns the deadline is
// dropped (its budget reservations released) for a 204: a late bid is worse than none.
// Overload is shed before any work: beyond the adaptive in-flight limit (see admission.go) a
// request gets 204 at once.
func (b *Bidder) HandleBid(ctx *fasthttp.RequestCtx) {
	arrival, start := ctx.Time(), time.Now()
	if arrival.IsZero() || arrival.After(start) {
		arrival = start // a RequestCtx not made by a server (tests, benchmarks)
	}
	defer b.latency.UpdateDuration(start)
	ctx.Response.Header.Set("X-Openrtb-Version", "2.6")
	if !b.admission.admit() {
		b.noBid(ctx, nil, reasonOverload)
		return
	}
	defer b.admission.done()

	rc := getRequestCtx()
	defer rc.release()
	rc.now, rc.start = b.now(), start
	body, err := server.Body(ctx, b.cfg.MaxBodyBytes, &rc.in)
	if err != nil {
		code := fasthttp.StatusBadRequest
		if errors.Is(err, server.ErrBodyTooLarge) {
			code = fasthttp.StatusRequestEntityTooLarge
		}
		b.invalid(ctx, code, "invalid bid request: "+err.Error())
		return
	}
	if err := parseRequest(body, &rc.req, &rc.facts); err != nil {
		b.invalid(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	tmax := b.cfg.DefaultTmax
	if rc.req.TMax > 0 {
		tmax = time.Duration(rc.req.TMax) * time.Millisecond
	}
	tmax = min(tmax, b.cfg.MaxTmax)
	rc.deadline = arrival.Add(tmax - b.cfg.NetworkAllowance + b.slack)
	rc.traceID = string(ctx.Request.Header.Peek("X-Request-Id"))
	if time.Until(rc.deadline) < b.cfg.MinWork {
		b.noBid(ctx, rc, reasonDeadline)
		return
	}
	reason := b.decide(context.Background(), rc)
	if reason == reasonNone && time.Now().After(rc.deadline) {
		reason = reasonDeadline
	}
	if reason != reasonNone {
		b.releaseBids(rc) // bids of imps decided before the deadline struck are not sent
		b.noBid(ctx, rc, reason)
		return
	}
	rc.out = b.appendResponse(rc.out[:0], rc)
	b.emitRequest(rc, rc.traceID, reasonNone, time.Since(start))
	ctx.SetContentType("application/json")
	if ctx.Request.Header.HasAcceptEncoding("gzip") {
		rc.zbuf.Reset()
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&rc.zbuf)
		_, _ = zw.Write(rc.out)
		_ = zw.Close()
		gzipWriters.Put(zw)
		ctx.Response.Header.Set(fasthttp.HeaderContentEncoding, "gzip")
		ctx.SetBody(rc.zbuf.Bytes())
	} else {
		// A copy (~0.3 µs for 10 KB) rather than SwapBody: a swapped buffer would go to
		// fasthttp's body pool, which drops the larger ones, and rc.out would grow again.
		ctx.SetBody(rc.out)
	}
	b.bidResponses.Inc()
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// releaseBids returns the budget reserved for bids that will not be sent.
func (b *Bidder) releaseBids(rc *requestCtx) {
	for i := range rc.bids {
		bo := &rc.bids[i]
		b.pacer.Release(bo.c.e.c, bo.reserved, rc.now, rc.now)
	}
	rc.bids = rc.bids[:0]
}

func (b *Bidder) noBid(ctx *fasthttp.RequestCtx, rc *requestCtx, reason string) {
	b.nobidCounter(reason).Inc()
	if rc != nil {
		b.emitRequest(rc, rc.traceID, reason, time.Since(rc.start))
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

func (b *Bidder) invalid(ctx *fasthttp.RequestCtx, code int, msg string) {
	b.invalidRequests.Inc()
	ctx.SetStatusCode(code)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString(msg + "\n")
}
