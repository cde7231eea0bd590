package ssai

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

// Config configures the service.
type Config struct {
	// Client fetches source playlists (default: 2 s timeout, so a slow origin fails fast).
	Client *http.Client
	Logger *slog.Logger
	// Now is the clock that paces source refreshes and session expiry (default time.Now).
	Now func() time.Time
	// SessionIdle is how long a session lives without a request (default 10 min).
	SessionIdle time.Duration
}

// Service serves personalized playlists: sources registered by name, a session per playback,
// and each session's media playlists stitched from the shared source playlists.
type Service struct {
	log      *slog.Logger
	now      func() time.Time
	idle     time.Duration
	sources  sources
	fetch    fetcher
	sessions sync.Map // session id → *session

	sweepMu   sync.Mutex
	lastSweep time.Time
}

// New returns a service with no sources.
func New(cfg Config) *Service {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 2 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 10 * time.Minute
	}
	return &Service{log: cfg.Logger, now: cfg.Now, idle: cfg.SessionIdle, fetch: fetcher{client: cfg.Client, now: cfg.Now}}
}

// SetSource registers or replaces a source.
func (s *Service) SetSource(src Source) error {
	if err := validateSource(src); err != nil {
		return err
	}
	s.sources.set(src)
	return nil
}

// Mount adds the service's routes to srv.
func (s *Service) Mount(srv *server.Server) {
	srv.Handle("PUT", "/v1/sources/{name}", srv.Admin(s.putSource))
	srv.Handle("GET", "/v1/sources", s.listSources)
	srv.Handle("GET", "/ssai/{source}/master.m3u8", s.master)
	srv.Handle("GET", "/ssai/{source}/s/{session}/{file}", s.media)
}

func (s *Service) putSource(ctx *fasthttp.RequestCtx) {
	var body struct {
		URL   string `json:"url"`
		Slate string `json:"slate"`
	}
	if err := json.Unmarshal(ctx.PostBody(), &body); err != nil {
		httpError(ctx, fasthttp.StatusBadRequest, "body: want {\"url\": \"https://…/master.m3u8\"}: "+err.Error())
		return
	}
	src := Source{Name: server.Param(ctx, "name"), URL: body.URL, Slate: body.Slate}
	if err := s.SetSource(src); err != nil {
		httpError(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	writeJSON(ctx, src)
}

func (s *Service) listSources(ctx *fasthttp.RequestCtx) { writeJSON(ctx, s.sources.list()) }

// session is one playback: the source's media playlist URLs it was given and its splice plan.
type session struct {
	source string
	uid    string
	media  []string // source media playlist URLs: variants first, then renditions
	slate  []string // the slate's media playlist URL matching each of media ("" when none)
	ref    int      // index in media of the reference rendition (the first variant)

	used atomic.Int64 // unix nanoseconds of the last request

	mu      sync.Mutex
	planner stitch.Planner
	refSeen *hls.MediaPlaylist // the reference refresh the plan was last updated from
}

// master starts a session: it fetches the source's multivariant playlist and points every
// variant and rendition at the session's media playlists.
func (s *Service) master(ctx *fasthttp.RequestCtx) {
	src, ok := s.sources.get(server.Param(ctx, "source"))
	if !ok {
		httpError(ctx, fasthttp.StatusNotFound, "no such source: register it with PUT /v1/sources/{name}")
		return
	}
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	body, err := s.fetch.get(rctx, src.URL)
	if err != nil {
		s.log.Warn("source master", "source", src.Name, "err", err)
		httpError(ctx, fasthttp.StatusBadGateway, err.Error())
		return
	}
	mp, err := hls.ParseMasterString(body)
	if err != nil {
		httpError(ctx, fasthttp.StatusBadGateway, "source master playlist: "+err.Error())
		return
	}
	base, _ := url.Parse(src.URL)
	resolve := func(ref string) string {
		r, err := url.Parse(ref)
		if err != nil {
			return ref
		}
		return base.ResolveReference(r).String()
	}
	sess := &session{source: src.Name, uid: string(ctx.QueryArgs().Peek("uid"))}
	id := newID()
	for i := range mp.Variants {
		sess.media = append(sess.media, resolve(mp.Variants[i].URI))
		mp.Variants[i].URI = "s/" + id + "/" + strconv.Itoa(len(sess.media)-1) + ".m3u8"
	}
	for i := range mp.Renditions {
		uri := mp.Renditions[i].URI()
		if uri == "" {
			continue
		}
		sess.media = append(sess.media, resolve(uri))
		mp.Renditions[i].Attrs = mp.Renditions[i].Attrs.SetQuoted("URI", "s/"+id+"/"+strconv.Itoa(len(sess.media)-1)+".m3u8")
	}
	if len(mp.Variants) == 0 {
		httpError(ctx, fasthttp.StatusBadGateway, "source master playlist has no variant streams")
		return
	}
	mp.IFrameVariants = nil // trick play is not stitched: it would show content during ads
	if src.Slate != "" {
		if err := s.matchSlate(rctx, sess, src.Slate, mp, len(mp.Variants)); err != nil {
			s.log.Warn("slate", "source", src.Name, "err", err) // breaks play the content
			sess.slate = nil
		}
	}
	if sess.slate != nil {
		sess.planner.Decide = s.slateFill(sess)
	}
	now := s.now()
	sess.used.Store(now.UnixNano())
	s.sessions.Store(id, sess)
	s.sweep(now)
	ctx.SetContentType("application/vnd.apple.mpegurl")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(mp.AppendTo(nil))
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// media serves one of a session's media playlists, stitched with the session's plan.
func (s *Service) media(ctx *fasthttp.RequestCtx) {
	v, ok := s.sessions.Load(server.Param(ctx, "session"))
	if !ok {
		httpError(ctx, fasthttp.StatusNotFound, "no such session: start one with GET /ssai/{source}/master.m3u8")
		return
	}
	sess := v.(*session)
	sess.used.Store(s.now().UnixNano())
	name, ok := strings.CutSuffix(server.Param(ctx, "file"), ".m3u8")
	idx, err := strconv.Atoi(name)
	if !ok || err != nil || idx < 0 || idx >= len(sess.media) || sess.source != server.Param(ctx, "source") {
		httpError(ctx, fasthttp.StatusNotFound, "no such playlist in this session")
		return
	}
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	src, err := s.fetch.media(rctx, sess.media[idx])
	if err != nil {
		s.log.Warn("source media", "source", sess.source, "err", err)
		httpError(ctx, fasthttp.StatusBadGateway, err.Error())
		return
	}
	ref := src
	if idx != sess.ref {
		if ref, err = s.fetch.media(rctx, sess.media[sess.ref]); err != nil {
			ref = nil // the plan waits for the reference; this rendition still plays
		}
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	sess.mu.Lock()
	if ref != nil && ref != sess.refSeen {
		sess.planner.Update(ref)
		sess.refSeen = ref
	}
	var ads [1]*hls.MediaPlaylist
	if sess.slate != nil && sess.slate[idx] != "" {
		ads[0], _ = s.fetch.media(rctx, sess.slate[idx]) // VOD: fetched once, shared
	}
	plan := &sess.planner.Plan
	if ads[0] == nil && len(plan.Breaks) > 0 {
		plan = &stitch.Plan{Shift: plan.Shift, Slid: plan.Slid} // no slate for this rendition: content
	}
	out, err := stitch.Append((*bp)[:0], src, plan, ads[:])
	if err != nil { // the slate lacks a segment the plan uses: the content plays
		s.log.Warn("stitch", "source", sess.source, "err", err)
		out, err = stitch.Append((*bp)[:0], src, &stitch.Plan{Shift: plan.Shift, Slid: plan.Slid}, nil)
	}
	sess.mu.Unlock()
	if err != nil {
		httpError(ctx, fasthttp.StatusInternalServerError, err.Error())
		return
	}
	*bp = out
	ctx.SetContentType("application/vnd.apple.mpegurl")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(out)
}

// sweep forgets sessions idle for longer than the configured time, at most once a minute (a
// player that comes back later starts a new session from the multivariant playlist).
func (s *Service) sweep(now time.Time) {
	if !s.sweepMu.TryLock() {
		return
	}
	defer s.sweepMu.Unlock()
	if now.Sub(s.lastSweep) < time.Minute {
		return
	}
	s.lastSweep = now
	cutoff := now.Add(-s.idle).UnixNano()
	s.sessions.Range(func(k, v any) bool {
		if v.(*session).used.Load() < cutoff {
			s.sessions.Delete(k)
		}
		return true
	})
}

func newID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func httpError(ctx *fasthttp.RequestCtx, code int, msg string) {
	ctx.SetStatusCode(code)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString(msg + "\n")
}

func writeJSON(ctx *fasthttp.RequestCtx, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		httpError(ctx, fasthttp.StatusInternalServerError, err.Error())
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}
