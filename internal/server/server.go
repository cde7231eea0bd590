package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Defaults for the options below.
const (
	DefaultMaxBodySize     = 1 << 20
	DefaultReadTimeout     = 5 * time.Second
	DefaultWriteTimeout    = 5 * time.Second
	DefaultIdleTimeout     = 90 * time.Second
	DefaultShutdownTimeout = 20 * time.Second
	DefaultReadyTimeout    = 2 * time.Second
)

// Server is one service's HTTP server. Create it with New, add routes with Handle, readiness
// checks with Ready and dependencies to close with OnClose, then run it with Run.
type Server struct {
	name string
	addr string
	log  *slog.Logger

	maxBody         int
	writeBuf        int // fasthttp WriteBufferSize (0: fasthttp's 4 KB)
	readTimeout     time.Duration
	writeTimeout    time.Duration
	idleTimeout     time.Duration
	shutdownTimeout time.Duration
	readyTimeout    time.Duration
	adminToken      string

	rt       router
	checks   []check
	closers  []closer
	srv      *fasthttp.Server
	ln       net.Listener
	draining atomic.Bool

	panics   *vm.Counter
	notFound *vm.Counter
}

type check struct {
	name string
	fn   func(context.Context) error
}

type closer struct {
	name string
	fn   func(context.Context) error
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithMaxBodySize caps request bodies at n bytes; larger requests get 413.
func WithMaxBodySize(n int) Option { return func(s *Server) { s.maxBody = n } }

// WithWriteBufferSize sets each connection's write buffer. A response larger than the buffer
// leaves in two or three write syscalls instead of one (each waking the peer): services whose
// answers are ~10 KB (the bidder's VAST bids) pass a buffer that holds them.
func WithWriteBufferSize(n int) Option { return func(s *Server) { s.writeBuf = n } }

// WithTimeouts sets the read, write and idle timeouts of connections.
func WithTimeouts(read, write, idle time.Duration) Option {
	return func(s *Server) { s.readTimeout, s.writeTimeout, s.idleTimeout = read, write, idle }
}

// WithShutdownTimeout bounds how long shutdown waits for in-flight requests to drain.
func WithShutdownTimeout(d time.Duration) Option { return func(s *Server) { s.shutdownTimeout = d } }

// WithAdminToken sets the bearer token that Admin-wrapped handlers require.
func WithAdminToken(token string) Option { return func(s *Server) { s.adminToken = token } }

// New returns a server for the service name listening on addr ("host:port"; port 0 picks a
// free port, see Addr after Listen).
func New(name, addr string, opts ...Option) *Server {
	s := &Server{
		name:            name,
		addr:            addr,
		log:             logging.Discard,
		maxBody:         DefaultMaxBodySize,
		readTimeout:     DefaultReadTimeout,
		writeTimeout:    DefaultWriteTimeout,
		idleTimeout:     DefaultIdleTimeout,
		shutdownTimeout: DefaultShutdownTimeout,
		readyTimeout:    DefaultReadyTimeout,
		panics:          metrics.Counter(`cuepoint_http_panics_total{service="` + name + `"}`),
		notFound:        metrics.Counter(`cuepoint_http_requests_unrouted_total{service="` + name + `"}`),
	}
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.With("service", name)
	s.Handle("GET", "/healthz", s.healthz)
	s.Handle("GET", "/readyz", s.readyz)
	s.Handle("GET", "/metrics", serveMetrics)
	return s
}

// Name returns the service name.
func (s *Server) Name() string { return s.name }

// Logger returns the service's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Handle registers h for method and path pattern. Registering after Run has started is a bug.
func (s *Server) Handle(method, pattern string, h fasthttp.RequestHandler) {
	s.rt.add(newRoute(s.name, method, pattern, h))
}

// Ready adds a readiness check reported by /readyz; name is the dependency it checks.
func (s *Server) Ready(name string, fn func(context.Context) error) {
	s.checks = append(s.checks, check{name, fn})
}

// OnClose registers a dependency to close after in-flight requests drained, in reverse order of
// registration.
func (s *Server) OnClose(name string, fn func(context.Context) error) {
	s.closers = append(s.closers, closer{name, fn})
}

// Handler returns the server's root handler (routing, recovery, metrics), for tests and
// benchmarks that call it without a listener.
func (s *Server) Handler() fasthttp.RequestHandler { return s.serve }

func (s *Server) serve(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	r, mismatch := s.rt.find(ctx, ctx.Method(), ctx.Path())
	if r == nil {
		s.notFound.Inc()
		if mismatch {
			ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
			return
		}
		ctx.Error("not found: "+string(ctx.Path()), fasthttp.StatusNotFound)
		return
	}
	defer func() {
		if p := recover(); p != nil {
			s.panics.Inc()
			s.log.Error("handler panicked", "route", r.pattern, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			ctx.ResetBody()
			ctx.Error("internal error", fasthttp.StatusInternalServerError)
		}
		code := ctx.Response.StatusCode() / 100
		if code < 1 || code > 5 {
			code = 5
		}
		r.codes[code].Inc()
		r.latency.Update(time.Since(start).Seconds())
	}()
	r.handler(ctx)
}

func (s *Server) healthz(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString("ok\n")
}

func serveMetrics(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	metrics.WritePrometheus(ctx)
}

// Listen binds the address. Run calls it; call it yourself to fail early or learn the port.
func (s *Server) Listen() error {
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("%s: listen on %s: %w", s.name, s.addr, err)
	}
	s.ln = ln
	return nil
}

// Addr returns the bound address after Listen, or the configured one before.
func (s *Server) Addr() string {
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.addr
}

func (s *Server) fasthttp() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                       s.serve,
		Name:                          "cuepoint",
		ReadTimeout:                   s.readTimeout,
		WriteTimeout:                  s.writeTimeout,
		IdleTimeout:                   s.idleTimeout,
		MaxRequestBodySize:            s.maxBody,
		WriteBufferSize:               s.writeBuf,
		DisableHeaderNamesNormalizing: false,
		NoDefaultServerHeader:         true,
		NoDefaultDate:                 true,
		CloseOnShutdown:               true,
		Logger:                        fasthttpLogger{s.log},
		ErrorHandler: func(ctx *fasthttp.RequestCtx, err error) {
			if errors.Is(err, fasthttp.ErrBodyTooLarge) {
				ctx.Error(fmt.Sprintf("request body larger than %d bytes", s.maxBody), fasthttp.StatusRequestEntityTooLarge)
				return
			}
			ctx.Error("bad request: "+err.Error(), fasthttp.StatusBadRequest)
		},
	}
}

type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) { f.l.Debug(fmt.Sprintf(format, args...)) }

// serveListener serves until the listener is closed by shutdown.
func (s *Server) serveListener() error {
	err := s.srv.Serve(s.ln)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%s: serve: %w", s.name, err)
	}
	return nil
}

// shutdown stops accepting, waits for in-flight requests up to the shutdown timeout, then
// closes the registered dependencies in reverse order.
func (s *Server) shutdown() error {
	s.draining.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	var errs []error
	if s.srv != nil {
		if err := s.srv.ShutdownWithContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: drain: %w", s.name, err))
		}
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		c := s.closers[i]
		if err := c.fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: close %s: %w", s.name, c.name, err))
		}
	}
	return errors.Join(errs...)
}

// Run listens on every server's address (failing, with nothing left running, when any address
// is taken), serves until ctx is cancelled or a server fails, then shuts every server down
// concurrently: stop accepting, drain in-flight requests, close dependencies.
func Run(ctx context.Context, log *slog.Logger, servers ...*Server) error {
	for i, s := range servers {
		if err := s.Listen(); err != nil {
			for _, prev := range servers[:i] {
				_ = prev.ln.Close()
			}
			return err
		}
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		s.srv = s.fasthttp()
		log.Info("serving", "service", s.name, "addr", s.Addr())
		go func(s *Server) { errc <- s.serveListener() }(s)
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	log.Info("shutting down: draining in-flight requests")
	var wg sync.WaitGroup
	errs := make([]error, len(servers))
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.shutdown()
		}()
	}
	wg.Wait()
	return errors.Join(append([]error{runErr}, errs...)...)
}
