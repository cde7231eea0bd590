package ssai

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/internal/metrics"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

// Config configures the service.
type Config struct {
	// Client fetches source playlists, VAST and beacons (default: 2 s timeout, so a slow origin
	// fails fast).
	Client *http.Client
	Logger *slog.Logger
	// Now is the clock that paces source refreshes and session expiry (default time.Now).
	Now func() time.Time
	// SessionIdle is how long a session lives without a request (default 10 min).
	SessionIdle time.Duration
	// AdServer is the adserver's base URL (GET {AdServer}/vast per break); empty: breaks are
	// filled with the source's slate, or play the content.
	AdServer string
	// DecisionTimeout bounds one break's decision: the adserver's answer and the ads' first
	// playlists (default 150 ms). Past it the break gets slate or content, never a stall.
	DecisionTimeout time.Duration
	// SessionKeys sign session tokens (hex, ≥ 32 bytes each): the first signs, all verify.
	// Instances behind one load balancer share them so any instance serves any session. Empty:
	// a random per-process key (sessions do not survive a restart).
	SessionKeys []string
	// Emitter receives analytics events (SessionStart); nil discards them.
	Emitter producer.Emitter
	// BeaconWorkers and BeaconQueue size server-side beacon firing (default 8 and 8192).
	BeaconWorkers, BeaconQueue int
	// DecisionCacheMB bounds the decision cache (the ads' beacons and names, in bigcache; default
	// 256 MB, about 100,000 sessions of four ads).
	DecisionCacheMB int
}

// Service serves personalized playlists: sources registered by name, a session per playback,
// and each session's media playlists stitched from the shared source playlists.
type Service struct {
	log      *slog.Logger
	now      func() time.Time
	idle     time.Duration
	client   *http.Client
	adserver string
	keys     [][]byte
	emit     producer.Emitter
	beacons  *beaconer

	decisions *decisionCache // the ads' adInfo, off the heap
	mediaSets mediaSets
	closeOnce sync.Once

	decisionTimeout time.Duration

	sources  sources
	fetch    fetcher
	sessions sync.Map // session token → *session
	ladders  sync.Map // source name → *ladder

	sweepMu   sync.Mutex
	lastSweep time.Time
}

// New returns a service with no sources. Close stops its beacon workers.
func New(cfg Config) (*Service, error) {
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
	if cfg.DecisionTimeout <= 0 {
		cfg.DecisionTimeout = 150 * time.Millisecond
	}
	if cfg.BeaconWorkers <= 0 {
		cfg.BeaconWorkers = 8
	}
	if cfg.BeaconQueue <= 0 {
		cfg.BeaconQueue = 8192
	}
	keys, err := parseKeys(cfg.SessionKeys)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		keys = [][]byte{k}
	}
	if cfg.AdServer != "" {
		u, err := url.Parse(cfg.AdServer)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("adserver %q: want the adserver's base URL, http(s)://host:port", cfg.AdServer)
		}
		cfg.AdServer = strings.TrimSuffix(cfg.AdServer, "/")
	}
	if cfg.Emitter == nil {
		cfg.Emitter = discard{}
	}
	if cfg.DecisionCacheMB <= 0 {
		cfg.DecisionCacheMB = 256
	}
	dc, err := newDecisionCache(cfg.DecisionCacheMB)
	if err != nil {
		return nil, err
	}
	return &Service{
		decisions: dc,
		log:       cfg.Logger, now: cfg.Now, idle: cfg.SessionIdle, client: cfg.Client, adserver: cfg.AdServer,
		keys: keys, emit: cfg.Emitter, decisionTimeout: cfg.DecisionTimeout,
		beacons: newBeaconer(cfg.Client, cfg.Logger, cfg.BeaconWorkers, cfg.BeaconQueue),
		fetch:   fetcher{client: cfg.Client, now: cfg.Now},
	}, nil
}

type discard struct{}

func (discard) Emit(events.Event) {}

// Close sends the beacons accepted so far, stops the beacon workers and frees the decision cache.
// Calling it again does nothing.
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		s.beacons.close()
		s.decisions.close()
	})
}

// SetSource registers or replaces a source.
func (s *Service) SetSource(src Source) error {
	if err := validateSource(src); err != nil {
		return err
	}
	s.sources.set(src)
	return nil
}

// Mount adds the service's routes to srv, and closes the service with it.
func (s *Service) Mount(srv *server.Server) {
	srv.Handle("PUT", "/v1/sources/{name}", srv.Admin(s.putSource))
	srv.Handle("GET", "/v1/sources", cors(s.listSources))
	srv.Handle("POST", "/v1/sessions", cors(s.postSession))
	srv.Handle("OPTIONS", "/v1/sessions", cors(func(*fasthttp.RequestCtx) {}))
	srv.Handle("GET", "/ssai/{source}/master.m3u8", cors(s.master))
	srv.Handle("GET", "/ssai/{source}/s/{session}/{rest...}", cors(s.sessionFile))
	srv.OnClose("ssai beacons", func(context.Context) error { s.Close(); return nil })
}

// cors lets players on other origins (the web player on the origin's port) read the session's
// playlists, tracking data and redirects.
func cors(h fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		hd := &ctx.Response.Header
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Expose-Headers", "X-Request-Id, Location")
		if ctx.IsOptions() {
			hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", "Content-Type")
			hd.Set("Access-Control-Max-Age", "600")
			ctx.SetStatusCode(fasthttp.StatusNoContent)
			return
		}
		h(ctx)
	}
}

func (s *Service) putSource(ctx *fasthttp.RequestCtx) {
	var src Source
	if err := json.Unmarshal(ctx.PostBody(), &src); err != nil {
		httpError(ctx, fasthttp.StatusBadRequest, "body: want {\"url\": \"https://…/master.m3u8\"}: "+err.Error())
		return
	}
	src.Name = server.Param(ctx, "name")
	if err := s.SetSource(src); err != nil {
		httpError(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	writeJSON(ctx, src)
}

func (s *Service) listSources(ctx *fasthttp.RequestCtx) { writeJSON(ctx, s.sources.list()) }

// SessionRequest is the body of POST /v1/sessions.
type SessionRequest struct {
	Source  string `json:"source"`
	UID     string `json:"uid"`
	Content string `json:"content,omitempty"`
	Beacons string `json:"beacons,omitempty"` // "server" or "client"; default: the source's
}

// SessionResponse answers POST /v1/sessions.
type SessionResponse struct {
	Session string `json:"session"` // the token: names the session in its URLs
	// ID is the session id analytics events carry (AdDecision, AdTracking, SessionStart).
	ID          string `json:"id"`
	RequestID   string `json:"requestId"`
	ManifestURL string `json:"manifestUrl"`
	TrackingURL string `json:"trackingUrl"`
}

// postSession starts a session and answers where its playlists and tracking data are.
func (s *Service) postSession(ctx *fasthttp.RequestCtx) {
	var req SessionRequest
	if err := json.Unmarshal(ctx.PostBody(), &req); err != nil {
		httpError(ctx, fasthttp.StatusBadRequest, `body: want {"source": "name", "uid": "viewer id"}: `+err.Error())
		return
	}
	sess, ok := s.start(ctx, req)
	if !ok {
		return
	}
	base := "http://" + string(ctx.Host())
	if ctx.IsTLS() || string(ctx.Request.Header.Peek("X-Forwarded-Proto")) == "https" {
		base = "https://" + string(ctx.Host())
	}
	prefix := base + "/ssai/" + sess.c.Source + "/s/" + sess.tok + "/"
	ctx.SetStatusCode(fasthttp.StatusCreated)
	writeJSON(ctx, SessionResponse{Session: sess.tok, ID: sess.c.SessionID(), RequestID: sess.requestID, ManifestURL: prefix + "master.m3u8", TrackingURL: prefix + "tracking.json"})
}

// master starts a session for a plain player: GET /ssai/{source}/master.m3u8?uid=….
func (s *Service) master(ctx *fasthttp.RequestCtx) {
	q := ctx.QueryArgs()
	sess, ok := s.start(ctx, SessionRequest{Source: server.Param(ctx, "source"), UID: string(q.Peek("uid")),
		Content: string(q.Peek("content")), Beacons: string(q.Peek("beacons"))})
	if !ok {
		return
	}
	s.serveMaster(ctx, sess, "s/"+sess.tok+"/")
}

// start validates a session request, opens the session (deciding its first breaks) and
// records it; on failure it has answered the request.
func (s *Service) start(ctx *fasthttp.RequestCtx, req SessionRequest) (*session, bool) {
	t0 := time.Now()
	src, ok := s.sources.get(req.Source)
	if !ok {
		httpError(ctx, fasthttp.StatusNotFound, errUnknownSource.Error())
		return nil, false
	}
	for _, c := range []struct{ name, v string }{{"uid", req.UID}, {"content", req.Content}} {
		if err := checkClaim(c.name, c.v); err != nil {
			httpError(ctx, fasthttp.StatusBadRequest, err.Error())
			return nil, false
		}
	}
	mode := req.Beacons
	if mode == "" {
		mode = src.Beacons
	}
	if mode != "" && mode != beaconsServer && mode != beaconsClient {
		httpError(ctx, fasthttp.StatusBadRequest, `beacons: want "server" or "client"`)
		return nil, false
	}
	requestID := string(ctx.Request.Header.Peek("X-Request-Id"))
	if checkClaim("request id", requestID) != nil || requestID == "" {
		requestID = newID()
	}
	// Interstitials are fetched by the player from the ads' own origin: it fires their beacons.
	c := newClaims(req.Source, req.UID, req.Content, mode == beaconsClient || src.interstitials(), s.now())
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ip, ua := remoteDevice(ctx)
	sess, waited, err := s.open(rctx, c, ip, ua, requestID, false)
	if err != nil {
		s.log.Warn("session start", "source", req.Source, "err", err)
		httpError(ctx, fasthttp.StatusBadGateway, err.Error())
		return nil, false
	}
	s.sessions.Store(sess.tok, sess)
	s.sweep(s.now())
	ctx.Response.Header.Set("X-Request-Id", requestID)
	ev := &events.SessionStart{Header: events.NewHeader("ssai", requestID), SessionID: c.SessionID(), Source: c.Source,
		ContentID: c.Content, Viewer: c.UID, Mode: events.ModeStitched, PrerollAds: sess.prerollAds(),
		DecisionUS: waited.Microseconds(), LatencyUS: time.Since(t0).Microseconds()}
	if src.interstitials() {
		ev.Mode = events.ModeInterstitials
	}
	s.emit.Emit(ev)
	return sess, true
}

// serveMaster writes the session's multivariant playlist: the source's, with every variant and
// rendition (audio included) pointing at the session's media playlists under prefix.
func (s *Service) serveMaster(ctx *fasthttp.RequestCtx, sess *session, prefix string) {
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	mp, err := s.fetch.master(rctx, sess.src.URL)
	if err != nil {
		httpError(ctx, fasthttp.StatusBadGateway, err.Error())
		return
	}
	n := 0
	for i := range mp.Variants {
		mp.Variants[i].URI = prefix + strconv.Itoa(n) + ".m3u8"
		n++
	}
	for i := range mp.Renditions {
		if mp.Renditions[i].URI() == "" {
			continue
		}
		mp.Renditions[i].Attrs = mp.Renditions[i].Attrs.SetQuoted("URI", prefix+strconv.Itoa(n)+".m3u8")
		n++
	}
	if n != len(sess.media) {
		httpError(ctx, fasthttp.StatusBadGateway, "the source's ladder changed: start a new session")
		return
	}
	mp.IFrameVariants = nil // trick play is not stitched: it would show content during ads
	ctx.SetContentType("application/vnd.apple.mpegurl")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(mp.AppendTo(nil))
}

// session finds the session of a request's token: this instance's, or rebuilt from a token
// another instance signed (with a key this one shares).
func (s *Service) session(ctx *fasthttp.RequestCtx) (*session, bool) {
	tok := server.Param(ctx, "session")
	if v, ok := s.sessions.Load(tok); ok {
		sess := v.(*session)
		if sess.c.Source != server.Param(ctx, "source") {
			httpError(ctx, fasthttp.StatusNotFound, "no such session for this source")
			return nil, false
		}
		ip, ua := remoteDevice(ctx)
		sess.seen(s.now(), ip, ua)
		return sess, true
	}
	c, err := parseToken(tok, s.keys)
	if err != nil || c.Source != server.Param(ctx, "source") {
		httpError(ctx, fasthttp.StatusNotFound, "no such session: start one with POST /v1/sessions or GET /ssai/{source}/master.m3u8")
		return nil, false
	}
	if s.now().Sub(c.Created) > maxSessionAge {
		httpError(ctx, fasthttp.StatusGone, "session expired: start a new one")
		return nil, false
	}
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ip, ua := remoteDevice(ctx)
	sess, _, err := s.open(rctx, c, ip, ua, newID(), true)
	if err != nil {
		httpError(ctx, fasthttp.StatusBadGateway, err.Error())
		return nil, false
	}
	sessionsRestored.Inc()
	if v, loaded := s.sessions.LoadOrStore(tok, sess); loaded {
		sess = v.(*session)
	}
	return sess, true
}

// maxSessionAge bounds how long a token opens a session (a day of viewing).
const maxSessionAge = 24 * time.Hour

var sessionsRestored = metrics.Counter(`cuepoint_ssai_sessions_restored_total`)

// sessionFile serves a session's files: master.m3u8, tracking.json, {i}.m3u8 and a/… (ads).
func (s *Service) sessionFile(ctx *fasthttp.RequestCtx) {
	sess, ok := s.session(ctx)
	if !ok {
		return
	}
	rest := server.Param(ctx, "rest")
	switch {
	case rest == "master.m3u8":
		s.serveMaster(ctx, sess, "")
	case rest == "tracking.json":
		sess.mu.Lock()
		t := s.tracking(sess)
		sess.mu.Unlock()
		ctx.Response.Header.Set("Cache-Control", "no-store")
		writeJSON(ctx, t)
	case strings.HasPrefix(rest, "a/"):
		s.adSegment(ctx, sess, rest[2:])
	case strings.HasPrefix(rest, "assets/"):
		s.assetList(ctx, sess, rest[len("assets/"):])
	case strings.HasPrefix(rest, "i/"):
		s.adMaster(ctx, sess, rest[2:])
	default:
		s.media(ctx, sess, rest)
	}
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// media serves one of a session's media playlists, stitched with the session's plan.
func (s *Service) media(ctx *fasthttp.RequestCtx, sess *session, file string) {
	name, ok := strings.CutSuffix(file, ".m3u8")
	idx, err := strconv.Atoi(name)
	if !ok || err != nil || idx < 0 || idx >= len(sess.media) {
		httpError(ctx, fasthttp.StatusNotFound, "no such playlist in this session")
		return
	}
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	src, err := s.fetch.media(rctx, sess.media[idx])
	if err != nil {
		s.log.Warn("source media", "source", sess.c.Source, "err", err)
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
		sess.refSeen = ref
		sess.planner.Update(ref)
	}
	plan := &sess.planner.Plan
	if sess.src.interstitials() {
		out := appendInterstitials((*bp)[:0], src, sess.refSeen, plan, sess.c.Created, sess.adDuration)
		sess.mu.Unlock()
		*bp = out
		ctx.SetContentType("application/vnd.apple.mpegurl")
		ctx.Response.Header.Set("Cache-Control", "no-store")
		ctx.SetBody(out)
		return
	}
	adsOf := s.adPlaylists(rctx, sess, idx)
	out, err := sess.writers[idx].Append((*bp)[:0], src, plan, adsOf)
	if err != nil { // an ad or the slate lacks this rendition: the content plays
		s.log.Warn("stitch", "source", sess.c.Source, "err", err)
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

// adPlaylists returns rendition idx of every ad the plan's breaks use (indexed like
// session.ads; nil for ads no break uses any more). sess.mu is held.
func (s *Service) adPlaylists(ctx context.Context, sess *session, idx int) []*hls.MediaPlaylist {
	out := make([]*hls.MediaPlaylist, len(sess.ads))
	for _, br := range sess.planner.Plan.Breaks {
		for _, pc := range br.Fill {
			if out[pc.Ad] != nil {
				continue
			}
			a := sess.ads[pc.Ad]
			if a.media == nil || a.media[idx] == "" {
				continue
			}
			out[pc.Ad], _ = s.fetch.media(ctx, a.media[idx]) // VOD: fetched once, shared
		}
	}
	return out
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

// newID returns a random 24-character hex id (request ids).
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
