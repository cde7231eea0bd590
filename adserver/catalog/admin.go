package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/condition"
	"github.com/cuepoint/cuepoint/internal/server"
)

// Mount registers the catalog's admin API (admin token required) and the media handler on srv.
//
//	GET    /v1/creatives                 the catalog
//	GET    /v1/creatives/{id}            one creative with its conditioning state
//	PUT    /v1/creatives/{id}            register a creative: {"mezzanine_url", "duration_ms",
//	                                     "uaid_registry", "uaid", "title", "advertiser"}; 202,
//	                                     conditioning is queued
//	DELETE /v1/creatives/{id}
//	POST   /v1/creatives/{id}/condition  condition again
//	GET    /v1/conditioning              the ladder, the jobs queued and running with progress,
//	                                     and the creatives by state
//	GET    /v1/lineitems                 direct and house line items
//	GET|PUT|DELETE /v1/lineitems/{id}
//	GET    /media/{path...}              conditioned renditions and mezzanines (public)
func (c *Catalog) Mount(srv *server.Server, mediaRoot string) {
	srv.Handle("GET", "/v1/creatives", srv.Admin(c.adminList))
	srv.Handle("GET", "/v1/creatives/{id}", srv.Admin(c.adminGet))
	srv.Handle("PUT", "/v1/creatives/{id}", srv.Admin(c.adminPut))
	srv.Handle("DELETE", "/v1/creatives/{id}", srv.Admin(adminDelete(c.DeleteCreative)))
	srv.Handle("POST", "/v1/creatives/{id}/condition", srv.Admin(c.adminRecondition))
	srv.Handle("GET", "/v1/conditioning", srv.Admin(c.adminConditioning))
	srv.Handle("GET", "/v1/lineitems", srv.Admin(c.adminLineItems))
	srv.Handle("GET", "/v1/lineitems/{id}", srv.Admin(c.adminLineItem))
	srv.Handle("PUT", "/v1/lineitems/{id}", srv.Admin(c.adminPutLineItem))
	srv.Handle("DELETE", "/v1/lineitems/{id}", srv.Admin(adminDelete(c.DeleteLineItem)))
	srv.Handle("GET", "/media/{path...}", MediaHandler(mediaRoot))
	srv.Handle("HEAD", "/media/{path...}", MediaHandler(mediaRoot))
}

const maxAdminBody = 64 << 10

func writeJSON(ctx *fasthttp.RequestCtx, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		ctx.Error(err.Error(), http.StatusInternalServerError)
		return
	}
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

func fail(ctx *fasthttp.RequestCtx, code int, msg string) {
	ctx.SetStatusCode(code)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString(msg + "\n")
}

func (c *Catalog) adminList(ctx *fasthttp.RequestCtx) { writeJSON(ctx, 200, c.Creatives()) }

func (c *Catalog) adminGet(ctx *fasthttp.RequestCtx) {
	cr, ok := c.Creative(server.Param(ctx, "id"))
	if !ok {
		fail(ctx, 404, "no creative "+server.Param(ctx, "id"))
		return
	}
	writeJSON(ctx, 200, cr)
}

func (c *Catalog) adminPut(ctx *fasthttp.RequestCtx) {
	opctx, cancel := adminContext()
	defer cancel()
	body, err := server.Body(ctx, maxAdminBody, nil)
	if err != nil {
		fail(ctx, 400, err.Error())
		return
	}
	var cr Creative
	if err := json.Unmarshal(body, &cr); err != nil {
		fail(ctx, 400, "creative: "+err.Error())
		return
	}
	cr.ID = server.Param(ctx, "id")
	cr.Status, cr.Renditions, cr.Audio, cr.MediaHash, cr.Ladder, cr.Master = "", nil, nil, "", "", "" // the catalog's to set
	out, err := c.PutCreative(opctx, cr)
	if err != nil {
		fail(ctx, 400, "creative: "+err.Error())
		return
	}
	writeJSON(ctx, 202, out)
}

// adminDelete answers DELETE of the entry named by the path's id with del: 204, or 404 when
// there is no such entry.
func adminDelete(del func(context.Context, string) error) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		opctx, cancel := adminContext()
		defer cancel()
		if err := del(opctx, server.Param(ctx, "id")); err != nil {
			code := 500
			if errors.Is(err, ErrNotFound) {
				code = 404
			}
			fail(ctx, code, err.Error())
			return
		}
		ctx.SetStatusCode(204)
	}
}

func (c *Catalog) adminRecondition(ctx *fasthttp.RequestCtx) {
	if err := c.Recondition(server.Param(ctx, "id")); err != nil {
		fail(ctx, 404, err.Error())
		return
	}
	cr, _ := c.Creative(server.Param(ctx, "id"))
	writeJSON(ctx, 202, cr)
}

func (c *Catalog) adminConditioning(ctx *fasthttp.RequestCtx) {
	counts := map[string]int{}
	for _, cr := range c.Creatives() {
		counts[cr.Status]++
	}
	writeJSON(ctx, 200, struct {
		Ladder      *condition.Ladder    `json:"ladder"`
		Fingerprint string               `json:"fingerprint"`
		Jobs        []condition.Progress `json:"jobs"`
		Creatives   map[string]int       `json:"creatives"`
	}{c.Ladder(), c.cond.Fingerprint(), c.Jobs(), counts})
}

func (c *Catalog) adminLineItems(ctx *fasthttp.RequestCtx) { writeJSON(ctx, 200, c.LineItems()) }

func (c *Catalog) adminLineItem(ctx *fasthttp.RequestCtx) {
	id := server.Param(ctx, "id")
	for _, l := range c.LineItems() {
		if l.ID == id {
			writeJSON(ctx, 200, l)
			return
		}
	}
	fail(ctx, 404, "no line item "+id)
}

func (c *Catalog) adminPutLineItem(ctx *fasthttp.RequestCtx) {
	opctx, cancel := adminContext()
	defer cancel()
	body, err := server.Body(ctx, maxAdminBody, nil)
	if err != nil {
		fail(ctx, 400, err.Error())
		return
	}
	var l LineItem
	if err := json.Unmarshal(body, &l); err != nil {
		fail(ctx, 400, "line item: "+err.Error())
		return
	}
	l.ID = server.Param(ctx, "id")
	if err := c.PutLineItem(opctx, l); err != nil {
		fail(ctx, 400, "line item: "+err.Error())
		return
	}
	writeJSON(ctx, 200, l)
}

// adminTimeout bounds an admin write to the store.
const adminTimeout = 10 * time.Second

// adminContext is the context of an admin write. Not the *fasthttp.RequestCtx: used as a
// context.Context it races with the server's shutdown (see internal/server).
func adminContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), adminTimeout)
}
