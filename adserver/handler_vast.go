package adserver

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

var vastBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// HandleVAST serves GET /vast: an ad pod for one break.
//
//	200  VAST 4.2 (application/xml): the pod, or the empty <VAST version="4.2"/> when nothing
//	     can play
//	400  a bad parameter; the body names it and says what is wrong (see ParseBreak)
//	503  overloaded: the request waited longer than --max-queue-time before it was handled, or
//	     --max-in-flight decisions are running; nothing is decided (the stitcher plays slate)
//
// Shedding happens before any work: an overloaded adserver answers at once rather than late,
// so a break is never decided after its deadline.
func (a *AdServer) HandleVAST(ctx *fasthttp.RequestCtx) {
	arrival := ctx.Time()
	if n := a.inflight.Add(1); n > a.maxInFlight || time.Since(arrival) > a.cfg.MaxQueueTime {
		a.inflight.Add(-1)
		a.shed.Inc()
		ctx.Response.Header.Set(fasthttp.HeaderRetryAfter, "1")
		ctx.Error("overloaded: try again", fasthttp.StatusServiceUnavailable)
		return
	}
	defer a.inflight.Add(-1)
	br, err := ParseBreak(ctx.QueryArgs(), &a.cfg)
	if err != nil {
		a.badRequests.Inc()
		code := fasthttp.StatusBadRequest
		if !errors.Is(err, errParam) {
			code = fasthttp.StatusInternalServerError
		}
		ctx.SetStatusCode(code)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString(err.Error() + "\n")
		return
	}
	br.RequestID = string(ctx.Request.Header.Peek("X-Request-Id"))
	ctx.SetContentType("application/xml; charset=utf-8")
	ctx.Response.Header.Set(fasthttp.HeaderCacheControl, "no-store")
	keyed := br.Session != "" && br.ID != ""
	if keyed && br.Again { // asked again (a retry, another stitcher instance): the same pod
		pctx, cancel := context.WithDeadline(context.Background(), arrival.Add(a.cfg.PodTimeout))
		doc, ok, err := a.pods.Pod(pctx, br.Session, br.ID)
		cancel()
		if err != nil {
			a.podsFail.Inc()
		}
		if ok {
			a.podsHit.Inc()
			ctx.SetBody(doc)
			return
		}
	}
	d := a.Decide(br, arrival)
	bp := vastBuffers.Get().(*[]byte)
	out := vast.AppendDocument((*bp)[:0], a.Document(d))
	ctx.SetBody(out) // copies
	if keyed {
		// The request's strings may share fasthttp's buffers, reused once the handler returns.
		doc, session, id := append([]byte(nil), out...), strings.Clone(br.Session), strings.Clone(br.ID)
		go func() { // off the request path: a lost write only costs a fresh decision if asked again
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := a.pods.SavePod(sctx, session, id, doc); err != nil {
				a.podsFail.Inc()
			}
		}()
	}
	*bp = out
	vastBuffers.Put(bp)
	a.decisions.Inc()
	if len(d.Ads) == 0 {
		a.empty.Inc()
	}
	a.filled.Add(len(d.Ads))
	total := time.Since(arrival)
	a.decisionTime.Update(total.Seconds())
	a.overhead.Update((total - d.AuctionWait - d.FreqWait).Seconds())
	a.emitDecision(d)
}
