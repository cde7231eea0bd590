package collector

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"encoding/json"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

// Path is where Mount serves the collector.
const Path = "/v1/events"

// Defaults for the options below.
const (
	DefaultMaxBodyBytes  = 1 << 20
	DefaultMaxEvents     = 500
	DefaultClockSkew     = 5 * time.Minute
	DefaultMaxEventAge   = 24 * time.Hour
	DefaultMaxTokenTTL   = 4 * time.Hour
	DefaultDedupCapacity = 1 << 20
)

// Collector takes batches of events from players, partners and services over HTTP, checks who
// sent them and what they are, and emits the good ones to Kafka through a producer.
type Collector struct {
	p             *producer.Producer
	log           *slog.Logger
	senders       map[string]*Sender
	maxBody       int
	maxEvents     int
	skew          time.Duration
	maxAge        time.Duration
	maxTokenTTL   time.Duration
	dedupCapacity int
	now           func() time.Time

	dedup *dedup
	m     *collectorMetrics
	bufs  sync.Pool // *bytes.Buffer for inflated bodies
}

// Option configures a Collector.
type Option func(*Collector)

// WithSenders sets the senders allowed to post (see LoadSenders). Without any, every request is
// refused.
func WithSenders(senders ...Sender) Option {
	return func(c *Collector) {
		for i := range senders {
			s := senders[i]
			c.senders[s.ID] = &s
		}
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *Collector) { c.log = l } }

// WithMaxBodyBytes caps a request body after gzip inflation (default 1 MiB). The server's own
// body cap (server.WithMaxBodySize) bounds the bytes on the wire.
func WithMaxBodyBytes(n int) Option { return func(c *Collector) { c.maxBody = n } }

// WithMaxEvents caps the events in one request (default 500).
func WithMaxEvents(n int) Option { return func(c *Collector) { c.maxEvents = n } }

// WithClockSkew sets how far a signature's time and an event's time may be ahead of the
// server's clock (default 5 min); a signature may also be that much older.
func WithClockSkew(d time.Duration) Option { return func(c *Collector) { c.skew = d } }

// WithMaxEventAge refuses events older than d (default 24 h): players that were offline send
// late, but not days late.
func WithMaxEventAge(d time.Duration) Option { return func(c *Collector) { c.maxAge = d } }

// WithMaxTokenTTL refuses browser tokens valid for longer than d from now (default 4 h), so a
// mistakenly long-lived token is refused rather than trusted.
func WithMaxTokenTTL(d time.Duration) Option { return func(c *Collector) { c.maxTokenTTL = d } }

// WithDedupCapacity sets how many recently accepted event ids are remembered to refuse
// retried ones (default 1 Mi, about 16 MiB).
func WithDedupCapacity(n int) Option { return func(c *Collector) { c.dedupCapacity = n } }

// New returns a collector that emits accepted events with p. It fails on an invalid sender.
func New(p *producer.Producer, opts ...Option) (*Collector, error) {
	c := &Collector{
		p:             p,
		log:           logging.Discard,
		senders:       map[string]*Sender{},
		maxBody:       DefaultMaxBodyBytes,
		maxEvents:     DefaultMaxEvents,
		skew:          DefaultClockSkew,
		maxAge:        DefaultMaxEventAge,
		maxTokenTTL:   DefaultMaxTokenTTL,
		dedupCapacity: DefaultDedupCapacity,
		now:           time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	if p == nil {
		return nil, errors.New("collector: nil producer")
	}
	for _, s := range c.senders {
		if err := s.validate(); err != nil {
			return nil, fmt.Errorf("collector: %w", err)
		}
	}
	if c.maxBody <= 0 || c.maxEvents <= 0 || c.skew <= 0 || c.maxAge <= 0 || c.maxTokenTTL <= 0 || c.dedupCapacity <= 0 {
		return nil, errors.New("collector: size caps, clock skew, max event age, max token TTL and dedup capacity must be positive")
	}
	c.dedup = newDedup(c.dedupCapacity)
	return c, nil
}

// Mount registers POST /v1/events on srv, and OPTIONS for browsers' CORS preflight. Metrics
// carry srv's name as their service label.
func (c *Collector) Mount(srv *server.Server) {
	c.m = newCollectorMetrics(srv.Name())
	c.log = c.log.With("service", srv.Name(), "route", Path)
	srv.Handle("POST", Path, c.serve)
	srv.Handle("OPTIONS", Path, preflight)
}

// response is the body of every answer that judged the events: 200 when at least one was
// accepted or already had been, 400 when every one was rejected.
type response struct {
	Accepted   int         `json:"accepted"`
	Duplicates int         `json:"duplicates"`
	Rejected   []rejection `json:"rejected"`
}

type rejection struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

func (c *Collector) serve(ctx *fasthttp.RequestCtx) {
	now := c.now()
	sender, err := c.authenticate(ctx, now)
	if err != nil {
		var ae *AuthError
		if errors.As(err, &ae) {
			c.m.refuse(ae.Reason)
			if ae.Status == fasthttp.StatusUnauthorized {
				ctx.Response.Header.Set(fasthttp.HeaderWWWAuthenticate, `CuepointHMAC realm="events"`)
			}
			writeError(ctx, ae.Status, ae.Error())
			return
		}
		c.m.refuse(refusedMissingCredentials)
		writeError(ctx, fasthttp.StatusUnauthorized, err.Error())
		return
	}

	buf, _ := c.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer c.bufs.Put(buf)
	body, err := server.Body(ctx, c.maxBody, buf)
	if err != nil {
		if errors.Is(err, server.ErrBodyTooLarge) {
			c.m.refuse(refusedTooLarge)
			writeError(ctx, fasthttp.StatusRequestEntityTooLarge, err.Error())
			return
		}
		c.m.refuse(refusedMalformedBody)
		writeError(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	items, err := parseBatch(body, c.maxEvents)
	if err != nil {
		if errors.Is(err, errBatchTooLarge) {
			c.m.refuse(refusedTooLarge)
			writeError(ctx, fasthttp.StatusRequestEntityTooLarge, err.Error())
			return
		}
		c.m.refuse(refusedMalformedBody)
		writeError(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}

	resp := response{Rejected: []rejection{}}
	for i := range items {
		ev, label, reason := c.judge(sender, &items[i], now)
		if reason != "" {
			c.m.reject(label)
			resp.Rejected = append(resp.Rejected, rejection{Index: i, Reason: reason})
			continue
		}
		h := ev.EventHeader()
		if !c.dedup.add(sender.ID, h.ID) {
			c.m.duplicates[ev.Family()].Inc()
			resp.Duplicates++
			continue
		}
		stampReceived(ev, now)
		if err := c.p.TryEmit(ev); err != nil {
			// The producer cannot take more (overloaded, or shutting down): refuse the rest.
			// The client retries the whole batch; the events accepted so far are then
			// duplicates and are not emitted twice.
			c.dedup.remove(sender.ID, h.ID)
			c.m.refuse(refusedOverloaded)
			ctx.Response.Header.Set(fasthttp.HeaderRetryAfter, "1")
			writeError(ctx, fasthttp.StatusServiceUnavailable,
				fmt.Sprintf("events pipeline cannot take more now (%v): %d events of this batch were accepted; retry the whole batch", err, resp.Accepted))
			return
		}
		c.m.accepted[ev.Family()].Inc()
		resp.Accepted++
	}
	status := fasthttp.StatusOK
	if resp.Accepted == 0 && resp.Duplicates == 0 {
		status = fasthttp.StatusBadRequest
	}
	writeJSON(ctx, status, resp)
}

// judge decodes and checks one item. It returns the event, or the metric label and the reason
// sent back to the client.
func (c *Collector) judge(s *Sender, it *item, now time.Time) (ev events.Typed, label, reason string) {
	if it.err != "" {
		return nil, reasonMalformed, it.err
	}
	if !s.allows(it.family) {
		if !isFamily(it.family) {
			return nil, string(events.ReasonUnknownFamily), fmt.Sprintf("unknown family %q", it.family)
		}
		return nil, reasonNotAllowed, fmt.Sprintf("sender %s may not send %s events", s.ID, it.family)
	}
	decoded, err := events.Decode(it.family, it.event)
	if err != nil {
		return nil, string(events.ReasonOf(err)), err.Error()
	}
	ev = decoded.(events.Typed)
	t := ev.EventHeader().Time
	if d := t.Sub(now); d > c.skew {
		return nil, reasonClockSkew, fmt.Sprintf("time %s is %s ahead of the server's clock (limit %s)", t.Format(time.RFC3339Nano), d.Round(time.Second), c.skew)
	}
	if d := now.Sub(t); d > c.maxAge {
		return nil, reasonTooOld, fmt.Sprintf("time %s is older than %s", t.Format(time.RFC3339Nano), c.maxAge)
	}
	return ev, "", ""
}

func isFamily(f events.Family) bool {
	for _, known := range events.Families {
		if f == known {
			return true
		}
	}
	return false
}

// authenticate finds the sender of a request: by browser token when there is one, else by
// sender id and body signature.
func (c *Collector) authenticate(ctx *fasthttp.RequestCtx, now time.Time) (*Sender, error) {
	token := ctx.Request.Header.Peek(HeaderToken)
	if len(token) == 0 {
		token = ctx.QueryArgs().Peek(QueryToken)
	}
	if len(token) > 0 {
		origin := string(ctx.Request.Header.Peek(fasthttp.HeaderOrigin))
		s, err := verifyToken(c.senders, string(token), origin, now, c.maxTokenTTL)
		if err != nil {
			return nil, err
		}
		// Let the page read the answer (fetch); sendBeacon does not care.
		ctx.Response.Header.Set(fasthttp.HeaderAccessControlAllowOrigin, origin)
		ctx.Response.Header.Set(fasthttp.HeaderVary, "Origin")
		return s, nil
	}
	id := ctx.Request.Header.Peek(HeaderSender)
	sig := ctx.Request.Header.Peek(HeaderSignature)
	if len(id) == 0 || len(sig) == 0 {
		return nil, &AuthError{Status: fasthttp.StatusUnauthorized, Reason: refusedMissingCredentials,
			msg: fmt.Sprintf("no credentials: servers send %s and %s, browsers a token (%s header or ?%s=)", HeaderSender, HeaderSignature, HeaderToken, QueryToken)}
	}
	s := c.senders[string(id)]
	if s == nil {
		return nil, unauthorized("unknown_sender", "unknown sender %q", id)
	}
	if err := verifySignature(s, string(sig), ctx.PostBody(), now, c.skew); err != nil {
		return nil, err
	}
	return s, nil
}

// preflight answers browsers' CORS preflight for POST /v1/events from any origin: what a page
// may post is decided by its token, which the preflight does not carry.
func preflight(ctx *fasthttp.RequestCtx) {
	origin := ctx.Request.Header.Peek(fasthttp.HeaderOrigin)
	if len(origin) == 0 {
		writeError(ctx, fasthttp.StatusBadRequest, "CORS preflight without Origin")
		return
	}
	h := &ctx.Response.Header
	h.SetBytesV(fasthttp.HeaderAccessControlAllowOrigin, origin)
	h.Set(fasthttp.HeaderVary, "Origin")
	h.Set(fasthttp.HeaderAccessControlAllowMethods, "POST")
	h.Set(fasthttp.HeaderAccessControlAllowHeaders, "Content-Type, Content-Encoding, "+HeaderToken)
	h.Set(fasthttp.HeaderAccessControlMaxAge, "600")
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	out, err := json.Marshal(v)
	if err != nil {
		ctx.Error("internal error", fasthttp.StatusInternalServerError)
		return
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(out)
}

func writeError(ctx *fasthttp.RequestCtx, status int, msg string) {
	writeJSON(ctx, status, struct {
		Error string `json:"error"`
	}{msg})
}
