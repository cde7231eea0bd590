package bidder

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
)

// The admin API (behind the server's admin token):
//
//	GET    /v1/campaigns        every campaign, JSON array
//	GET    /v1/campaigns/{id}   one campaign; 404 when absent
//	PUT    /v1/campaigns/{id}   create or replace; 400 with every problem when invalid, 200 with
//	                            the stored campaign; the index is rebuilt before the answer
//	DELETE /v1/campaigns/{id}   remove; 204 (also when absent)
//	GET    /v1/pacing/{id}      today's committed spend at this instance
//
// Campaigns are JSON documents (see Campaign); unknown fields are refused so that a typo in a
// targeting key cannot silently widen a campaign.

func (b *Bidder) adminList(ctx *fasthttp.RequestCtx) {
	sctx, cancel := storeCtx()
	defer cancel()
	cs, err := b.store.List(sctx)
	if err != nil {
		ctx.Error("campaign store: "+err.Error(), fasthttp.StatusServiceUnavailable)
		return
	}
	writeJSON(ctx, fasthttp.StatusOK, cs)
}

func (b *Bidder) adminGet(ctx *fasthttp.RequestCtx) {
	sctx, cancel := storeCtx()
	defer cancel()
	c, err := b.store.Get(sctx, server.Param(ctx, "id"))
	switch {
	case errors.Is(err, ErrNotFound):
		ctx.Error("campaign not found", fasthttp.StatusNotFound)
	case err != nil:
		ctx.Error("campaign store: "+err.Error(), fasthttp.StatusServiceUnavailable)
	default:
		writeJSON(ctx, fasthttp.StatusOK, c)
	}
}

func (b *Bidder) adminPut(ctx *fasthttp.RequestCtx) {
	sctx, cancel := storeCtx()
	defer cancel()
	id := server.Param(ctx, "id")
	body, err := server.Body(ctx, 1<<20, nil)
	if err != nil {
		ctx.Error(err.Error(), fasthttp.StatusBadRequest)
		return
	}
	dec := stdjson.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	c := new(Campaign)
	if err := dec.Decode(c); err != nil {
		ctx.Error("campaign JSON: "+err.Error(), fasthttp.StatusBadRequest)
		return
	}
	if c.ID == "" {
		c.ID = id
	}
	if c.ID != id {
		ctx.Error("campaign id "+c.ID+" does not match the path id "+id, fasthttp.StatusBadRequest)
		return
	}
	if err := c.Validate(); err != nil {
		ctx.Error("invalid campaign:\n"+err.Error(), fasthttp.StatusBadRequest)
		return
	}
	if err := b.store.Put(sctx, c); err != nil {
		ctx.Error("campaign store: "+err.Error(), fasthttp.StatusServiceUnavailable)
		return
	}
	if err := b.Reload(sctx); err != nil {
		ctx.Error("stored, but reloading campaigns failed: "+err.Error(), fasthttp.StatusServiceUnavailable)
		return
	}
	b.log.Info("campaign stored", "campaign", c.ID)
	writeJSON(ctx, fasthttp.StatusOK, c)
}

func (b *Bidder) adminDelete(ctx *fasthttp.RequestCtx) {
	sctx, cancel := storeCtx()
	defer cancel()
	id := server.Param(ctx, "id")
	if err := b.store.Delete(sctx, id); err != nil {
		ctx.Error("campaign store: "+err.Error(), fasthttp.StatusServiceUnavailable)
		return
	}
	if err := b.Reload(sctx); err != nil {
		ctx.Error("deleted, but reloading campaigns failed: "+err.Error(), fasthttp.StatusServiceUnavailable)
		return
	}
	b.log.Info("campaign deleted", "campaign", id)
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

func (b *Bidder) adminPacing(ctx *fasthttp.RequestCtx) {
	id := server.Param(ctx, "id")
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"campaign": id, "committed_micros": b.pacer.Committed(id)})
}

func storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

func writeJSON(ctx *fasthttp.RequestCtx, code int, v any) {
	out, err := stdjson.MarshalIndent(v, "", "  ")
	if err != nil {
		ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
		return
	}
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(out, '\n'))
}
