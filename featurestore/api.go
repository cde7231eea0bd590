package featurestore

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/jsonw"
	"github.com/cuepoint/cuepoint/internal/server"
)

// API serves a Store over HTTP (docs/features.md has the reference):
//
//	GET    /v1/features/{entity_type}/{entity_id}?views=a,b     one entity
//	POST   /v1/features:batchGet                                 {"entity_type","ids","views"} → {"entities":[…]}
//	PUT    /v1/features/{entity_type}/{entity_id}/{view}        JSON object of feature values (admin)
//	DELETE /v1/features/{entity_type}/{entity_id}/{view}        (admin)
//	GET    /v1/features:registry                                 the catalogue
//
// Reads take an optional timeout_ms query parameter (default: the Store's ReadTimeout, at most
// MaxAPITimeout) and always answer within it. Mistakes get 400 with {"error": reason}.
type API struct {
	s *Store
}

// MaxAPITimeout caps the timeout_ms a client may ask for.
const MaxAPITimeout = time.Second

// maxRequestBody caps a request body (after gzip inflation): a batch of MaxBatch ids of
// MaxIDLen bytes fits.
const maxRequestBody = 1 << 20

// NewAPI returns the HTTP API of s.
func NewAPI(s *Store) *API { return &API{s: s} }

// Mount registers the API's routes on srv, the writes behind srv's admin token, and the
// Store's readiness check.
func (a *API) Mount(srv *server.Server) {
	srv.Handle("GET", "/v1/features/{entity_type}/{entity_id}", a.get)
	srv.Handle("POST", "/v1/features:batchGet", a.batchGet)
	srv.Handle("GET", "/v1/features:registry", a.registry)
	srv.Handle("PUT", "/v1/features/{entity_type}/{entity_id}/{view}", srv.Admin(a.put))
	srv.Handle("DELETE", "/v1/features/{entity_type}/{entity_id}/{view}", srv.Admin(a.del))
	srv.Ready("cassandra", a.s.Ping)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// readContext is the deadline of one API read.
func (a *API) readContext(ctx *fasthttp.RequestCtx) (context.Context, context.CancelFunc, error) {
	d := a.s.cfg.ReadTimeout
	if raw := ctx.QueryArgs().Peek("timeout_ms"); len(raw) > 0 {
		ms, err := strconv.Atoi(string(raw))
		if err != nil || ms < 1 {
			return nil, nil, badRequest("timeout_ms %q: want a positive integer", raw)
		}
		d = min(time.Duration(ms)*time.Millisecond, MaxAPITimeout)
	}
	c, cancel := context.WithTimeout(context.Background(), d)
	return c, cancel, nil
}

func (a *API) get(ctx *fasthttp.RequestCtx) {
	c, cancel, err := a.readContext(ctx)
	if err != nil {
		writeError(ctx, err)
		return
	}
	defer cancel()
	var views []string
	if raw := ctx.QueryArgs().Peek("views"); len(raw) > 0 {
		views = strings.Split(string(raw), ",")
	}
	e, err := a.s.Get(c, server.Param(ctx, "entity_type"), server.Param(ctx, "entity_id"), views...)
	if err != nil {
		writeError(ctx, err)
		return
	}
	bp := bufPool.Get().(*[]byte)
	*bp = appendEntityJSON((*bp)[:0], &e)
	writeJSON(ctx, *bp)
	bufPool.Put(bp)
}

// BatchRequest is the body of POST /v1/features:batchGet.
type BatchRequest struct {
	EntityType string   `json:"entity_type"`
	IDs        []string `json:"ids"`
	Views      []string `json:"views,omitempty"`
}

// ParseBatchRequest decodes and checks a batchGet body (unknown fields are an error, so a
// misspelt "view" does not silently mean "all views").
func ParseBatchRequest(body []byte) (BatchRequest, error) {
	var r BatchRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, badRequest("invalid batchGet body: %v", err)
	}
	if dec.More() {
		return r, badRequest("invalid batchGet body: data after the JSON object")
	}
	if r.EntityType == "" {
		return r, badRequest(`batchGet body needs "entity_type"`)
	}
	if r.IDs == nil {
		return r, badRequest(`batchGet body needs "ids"`)
	}
	return r, nil
}

// answerPool holds batchGet's answers, reused from request to request.
var answerPool = sync.Pool{New: func() any { return new(Answer) }}

func (a *API) batchGet(ctx *fasthttp.RequestCtx) {
	body, err := server.Body(ctx, maxRequestBody, nil)
	if err != nil {
		writeError(ctx, badRequest("%v", err))
		return
	}
	req, err := ParseBatchRequest(body)
	if err != nil {
		writeError(ctx, err)
		return
	}
	c, cancel, err := a.readContext(ctx)
	if err != nil {
		writeError(ctx, err)
		return
	}
	defer cancel()
	ans := answerPool.Get().(*Answer)
	defer answerPool.Put(ans) // after the answer was written: its Values point into it
	if err := a.s.BatchGetInto(c, ans, req.EntityType, req.IDs, req.Views); err != nil {
		writeError(ctx, err)
		return
	}
	ents := ans.Entities
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], `{"entities":[`...)
	for i := range ents {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEntityJSON(b, &ents[i])
	}
	b = append(b, "]}"...)
	writeJSON(ctx, b)
	*bp = b
	bufPool.Put(bp)
}

func (a *API) put(ctx *fasthttp.RequestCtx) {
	v, err := a.s.reg.View(server.Param(ctx, "entity_type"), server.Param(ctx, "view"))
	if err != nil {
		writeError(ctx, err)
		return
	}
	id := server.Param(ctx, "entity_id")
	if err := CheckID(id); err != nil {
		writeError(ctx, err)
		return
	}
	eventTime, err := parseEventTime(string(ctx.QueryArgs().Peek("event_time")))
	if err != nil {
		writeError(ctx, err)
		return
	}
	body, err := server.Body(ctx, maxRequestBody, nil)
	if err != nil {
		writeError(ctx, badRequest("%v", err))
		return
	}
	fields, err := v.ParseFields(body)
	if err != nil {
		writeError(ctx, err)
		return
	}
	value, err := v.Encode(fields, nil)
	if err != nil {
		writeError(ctx, err)
		return
	}
	if err := a.s.PutEncoded(context.Background(), v, id, value, eventTime); err != nil {
		writeError(ctx, err)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// parseEventTime reads an event_time parameter: RFC 3339 or Unix milliseconds; "" is now.
func parseEventTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badRequest("event_time %q: want RFC 3339 or Unix milliseconds", s)
	}
	return t, nil
}

func (a *API) del(ctx *fasthttp.RequestCtx) {
	err := a.s.Delete(context.Background(), server.Param(ctx, "entity_type"), server.Param(ctx, "entity_id"), server.Param(ctx, "view"))
	if err != nil {
		writeError(ctx, err)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

func (a *API) registry(ctx *fasthttp.RequestCtx) {
	writeJSON(ctx, appendRegistryJSON(nil, a.s.reg))
}

func writeJSON(ctx *fasthttp.RequestCtx, body []byte) {
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

// writeError answers 400 for a request to fix, 503 when Cassandra failed, 500 otherwise.
func writeError(ctx *fasthttp.RequestCtx, err error) {
	code := fasthttp.StatusInternalServerError
	switch {
	case IsRequestError(err):
		code = fasthttp.StatusBadRequest
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		code = fasthttp.StatusServiceUnavailable
	}
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	b := append([]byte(`{"error":`), nil...)
	b = jsonw.AppendString(b, err.Error())
	ctx.SetBody(append(b, '}'))
}
