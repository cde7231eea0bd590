package bidder

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// HandleNotice serves GET (or POST) /v1/notice/{kind} for kind win, bill, loss, imp (the VAST
// impression / banner pixel), event (VAST tracking) and vast (the win notice of a bid whose
// VAST is served by its nurl: a win notice answered with the VAST document, replays too).
//
//	403  the token's signature does not verify, or ${AUCTION_ID} differs from the signed request
//	410  the token is older than --notice-ttl
//	400  an unreadable price
//	200  accepted, including a replay (acknowledged, counted once)
//
// Effects, each once per bid whatever the number and order of notices: the first win or bill
// notice settles the bid's budget reservation at the clearing price (capped at our bid: an
// exchange cannot charge more) and teaches the shader a win; a loss notice releases the
// reservation (and, with ${AUCTION_MIN_TO_WIN}, teaches the shader every level's outcome); the first win, bill or impression notice increments the viewer's frequency
// counter for the campaign. Every win, bill and loss notice, replays included, is emitted.
func (b *Bidder) HandleNotice(ctx *fasthttp.RequestCtx) {
	// The kind is the last path segment (the route is /v1/notice/{kind}).
	path := ctx.Path()
	kind := string(path[bytes.LastIndexByte(path, '/')+1:])
	switch kind {
	case kindWin, kindBill, kindLoss, kindImp, kindVAST, "event":
	default:
		ctx.Error("unknown notice kind "+strconv.Quote(kind)+": want win, bill, loss, imp, vast or event", fasthttp.StatusNotFound)
		return
	}
	serveVAST := kind == kindVAST
	if serveVAST {
		kind = kindWin // counted, deduplicated and emitted as the win it is
	}
	args := ctx.QueryArgs()
	tok := args.Peek("t")
	t, err := b.signer.parseToken(string(tok))
	if err != nil {
		b.noticeCounter(kind, "forbidden").Inc()
		ctx.Error("notice signature invalid", fasthttp.StatusForbidden)
		return
	}
	now := b.now()
	issued := time.UnixMilli(t.Issued)
	if now.Sub(issued) > b.cfg.NoticeTTL {
		b.noticeCounter(kind, "expired").Inc()
		ctx.Error("notice expired", fasthttp.StatusGone)
		return
	}
	if a := args.Peek("a"); len(a) > 0 && !isMacro(a) && string(a) != t.RequestID {
		b.noticeCounter(kind, "forbidden").Inc()
		ctx.Error("notice auction id does not match the signed request", fasthttp.StatusForbidden)
		return
	}
	clearing, lossCode := t.PriceMicros, 0
	if kind == kindWin || kind == kindBill {
		if p := args.Peek("p"); len(p) > 0 && !isMacro(p) {
			v, err := b.parsePrice(p)
			if err != nil {
				b.noticeCounter(kind, "bad_price").Inc()
				ctx.Error("notice price: "+err.Error(), fasthttp.StatusBadRequest)
				return
			}
			clearing = min(v, t.PriceMicros)
		}
	}
	if kind == kindLoss {
		clearing = 0
		if m := args.Peek("m"); len(m) > 0 && !isMacro(m) {
			if v, err := b.parsePrice(m); err == nil {
				clearing = v // ${AUCTION_MIN_TO_WIN}: the price that would have won
			}
		}
		lossCode, _ = strconv.Atoi(string(args.Peek("l")))
	}
	expiry := issued.Add(b.cfg.NoticeTTL)
	ns := kind
	if kind == "event" {
		ns += ":" + string(args.Peek("e"))
	}
	// Replays: this instance's record first, then (for what spends or counts) the record shared
	// by every instance, under one short deadline (dedupe.go). Tracking events are per instance;
	// an impression pixel asks the shared record only when it may count a frequency cap.
	dctx, cancel := context.WithTimeout(context.Background(), b.cfg.DedupeTimeout)
	defer cancel()
	needShared := kind != "event" && (kind != kindImp || (t.ViewerID != "" && b.counters != nil))
	fate := b.fate(dctx, kind, ns, t.BidID, needShared, expiry, now)
	if !fate.first {
		b.noticeCounter(kind, "replay").Inc()
		b.emitNotice(kind, t, clearing, lossCode)
		if serveVAST {
			b.serveVAST(ctx, t, tok)
			return
		}
		b.noticeReply(ctx, kind)
		return
	}
	b.noticeCounter(kind, "ok").Inc()
	c, _ := b.index.Load().Campaign(t.CampaignID)
	switch kind {
	case kindWin, kindBill:
		if fate.settle {
			if c != nil {
				usd := int64(float64(clearing) * b.fxOf(t.Currency))
				b.pacer.Settle(c, t.Reserved, (usd+999)/1000, issued, now)
			}
			if t.AT == 1 {
				b.shader.Win(t.ShadeBucket, t.ShadeLevel)
			}
		}
	case kindLoss:
		if fate.settle && c != nil {
			b.pacer.Release(c, t.Reserved, issued, now)
		}
		if t.AT == 1 && clearing > 0 {
			b.shader.Lost(t.ShadeBucket, t.ShadeLevel, t.PriceMicros, clearing)
		}
	}
	if fate.cap {
		b.countImpression(t, now)
	}
	b.emitNotice(kind, t, clearing, lossCode)
	if serveVAST {
		b.serveVAST(ctx, t, tok)
		return
	}
	b.noticeReply(ctx, kind)
}

// serveVAST answers a nurl that serves the bid's VAST: the document the bid's adm would have
// carried, made from the campaign's creative and the same token (so its impression and
// tracking URLs are the bid's). A campaign paused since the bid is read from the store; one
// deleted since, or a creative removed from it, is a 404 (the win is counted all the same).
func (b *Bidder) serveVAST(ctx *fasthttp.RequestCtx, t *noticeToken, tok []byte) {
	c, ok := b.index.Load().Campaign(t.CampaignID)
	if !ok {
		sctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		c, _ = b.store.Get(sctx, t.CampaignID)
		cancel()
	}
	var cr *Creative
	if c != nil {
		for i := range c.Creatives {
			if c.Creatives[i].ID == t.CreativeID && c.Creatives[i].Type == TypeVideo {
				cr = &c.Creatives[i]
			}
		}
	}
	ctx.Response.Header.Set(fasthttp.HeaderCacheControl, "no-store")
	if cr == nil {
		b.noticeCounter(kindVAST, "gone").Inc()
		ctx.Error("the creative of this bid is no longer available", fasthttp.StatusNotFound)
		return
	}
	body, mark := b.appendMarkup(nil, c, cr, t.BidID, tok)
	ctx.SetContentType("application/xml; charset=utf-8")
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetBody(body[mark:])
}

// countImpression increments the viewer's frequency counter (once per bid: see fate).
func (b *Bidder) countImpression(t *noticeToken, now time.Time) {
	if t.ViewerID == "" || b.counters == nil {
		return
	}
	cctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := b.counters.Increment(cctx, t.ViewerID, t.CampaignID, now); err != nil {
		b.log.Warn("frequency counter increment failed", "campaign", t.CampaignID, "err", err)
	}
}

func (b *Bidder) fxOf(cur string) float64 {
	if r, ok := b.cfg.FX[cur]; ok {
		return r
	}
	return 1
}

// parsePrice reads a substituted ${AUCTION_PRICE}: a decimal CPM, or an encrypted price when
// price keys are configured. It returns micros.
func (b *Bidder) parsePrice(p []byte) (int64, error) {
	if v, err := strconv.ParseFloat(string(p), 64); err == nil {
		if v < 0 || v > 1e6 {
			return 0, strconv.ErrRange
		}
		return int64(v*1e6 + 0.5), nil
	}
	if b.cfg.PriceEncryptionKey == nil {
		return 0, errNotDecimal
	}
	return decryptPrice(b.cfg.PriceEncryptionKey, b.cfg.PriceIntegrityKey, string(p))
}

type constError string

func (e constError) Error() string { return string(e) }

const errNotDecimal = constError("not a decimal CPM (and no price keys configured to decrypt it)")

func isMacro(v []byte) bool {
	return bytes.HasPrefix(v, []byte("${")) || bytes.HasPrefix(v, []byte("%24%7B"))
}

// transparentGIF is a 1×1 transparent GIF for pixel notices.
var transparentGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

func (b *Bidder) noticeReply(ctx *fasthttp.RequestCtx, kind string) {
	ctx.Response.Header.Set(fasthttp.HeaderCacheControl, "no-store")
	if kind == kindImp || kind == "event" {
		ctx.SetContentType("image/gif")
		ctx.SetBody(transparentGIF)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
}
