package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/logging"
)

// start runs srv on a free loopback port until the test ends.
func start(t *testing.T, srv *Server) (base string, stop func() error) {
	t.Helper()
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, logging.Discard, srv) }()
	var stopped bool
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { _ = stop() })
	base = "http://" + srv.Addr()
	waitUp(t, base)
	return base, stop
}

func waitUp(t *testing.T, base string) {
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server at %s never answered", base)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRoutingAndParams(t *testing.T) {
	srv := New("t-routing", "127.0.0.1:0")
	srv.Handle("GET", "/v1/features/{type}/{id}", func(ctx *fasthttp.RequestCtx) {
		fmt.Fprintf(ctx, "%s/%s", Param(ctx, "type"), Param(ctx, "id"))
	})
	srv.Handle("GET", "/media/{path...}", func(ctx *fasthttp.RequestCtx) {
		ctx.WriteString(Param(ctx, "path"))
	})
	srv.Handle("POST", "/static", func(ctx *fasthttp.RequestCtx) { ctx.WriteString("posted") })
	base, _ := start(t, srv)

	cases := []struct {
		path string
		code int
		body string
	}{
		{"/v1/features/user/u1", 200, "user/u1"},
		{"/v1/features/user", 404, ""},
		{"/v1/features/user/u1/extra", 404, ""},
		{"/media/a/b/c.ts", 200, "a/b/c.ts"},
		{"/static", 405, ""},
		{"/nope", 404, ""},
		{"/healthz", 200, "ok\n"},
	}
	for _, c := range cases {
		code, body := get(t, base+c.path)
		if code != c.code || (c.body != "" && body != c.body) {
			t.Errorf("GET %s = %d %q, want %d %q", c.path, code, body, c.code, c.body)
		}
	}
}

func TestPanicRecovery(t *testing.T) {
	srv := New("t-panic", "127.0.0.1:0")
	srv.Handle("GET", "/boom", func(ctx *fasthttp.RequestCtx) {
		ctx.WriteString("partial")
		panic("kaboom")
	})
	base, _ := start(t, srv)
	before := srv.panics.Get()
	code, body := get(t, base+"/boom")
	if code != 500 || strings.Contains(body, "partial") || strings.Contains(body, "kaboom") {
		t.Fatalf("panic answered %d %q; want 500 without leaking the partial body or panic value", code, body)
	}
	if got := srv.panics.Get() - before; got != 1 {
		t.Fatalf("panics counted %d, want 1", got)
	}
	// The server keeps serving.
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("after panic /healthz = %d", code)
	}
}

func TestBodySizeCap(t *testing.T) {
	srv := New("t-cap", "127.0.0.1:0", WithMaxBodySize(1024))
	srv.Handle("POST", "/in", func(ctx *fasthttp.RequestCtx) { fmt.Fprintf(ctx, "%d", len(ctx.PostBody())) })
	base, _ := start(t, srv)
	for _, n := range []int{10, 1024, 1025, 1 << 20} {
		resp, err := http.Post(base+"/in", "application/octet-stream", bytes.NewReader(make([]byte, n)))
		if err != nil {
			// A server may close the connection while a large body is still being sent.
			if n > 1024 {
				continue
			}
			t.Fatal(err)
		}
		resp.Body.Close()
		want := 200
		if n > 1024 {
			want = 413
		}
		if resp.StatusCode != want {
			t.Errorf("POST %d bytes: %d, want %d", n, resp.StatusCode, want)
		}
	}
}

func TestGzipBodyCap(t *testing.T) {
	srv := New("t-gzip", "127.0.0.1:0")
	srv.Handle("POST", "/in", func(ctx *fasthttp.RequestCtx) {
		b, err := Body(ctx, 4096, nil)
		if err != nil {
			code := 400
			if errors.Is(err, ErrBodyTooLarge) {
				code = 413
			}
			ctx.Error(err.Error(), code)
			return
		}
		ctx.Write(b)
	})
	base, _ := start(t, srv)
	post := func(payload []byte) (int, string) {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(payload)
		zw.Close()
		req, _ := http.NewRequest("POST", base+"/in", &z)
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post([]byte("hello")); code != 200 || body != "hello" {
		t.Fatalf("small gzip body: %d %q", code, body)
	}
	// 1 MiB of zeros compresses to ~1 KB: a bomb the raw-size cap alone would let through.
	if code, _ := post(make([]byte, 1<<20)); code != 413 {
		t.Fatalf("gzip bomb: %d, want 413", code)
	}
}

func TestMetricsCountRoutesAndCodes(t *testing.T) {
	srv := New("t-metrics", "127.0.0.1:0")
	srv.Handle("GET", "/teapot", func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(418) })
	base, _ := start(t, srv)
	for i := 0; i < 3; i++ {
		get(t, base+"/teapot")
	}
	_, body := get(t, base+"/metrics")
	for _, want := range []string{
		`cuepoint_http_requests_total{service="t-metrics",method="GET",route="/teapot",code="4xx"} 3`,
		`cuepoint_http_request_duration_seconds_count{service="t-metrics",method="GET",route="/teapot"} 3`,
		`cuepoint_http_request_duration_seconds_bucket{service="t-metrics",method="GET",route="/teapot",le="+Inf"} 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestReadyz(t *testing.T) {
	var down atomic.Bool
	srv := New("t-ready", "127.0.0.1:0")
	srv.Ready("clickhouse", func(context.Context) error {
		if down.Load() {
			return errors.New("dial tcp 127.0.0.1:9000: connection refused")
		}
		return nil
	})
	base, _ := start(t, srv)
	if code, body := get(t, base+"/readyz"); code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Fatalf("readyz up: %d %s", code, body)
	}
	down.Store(true)
	code, body := get(t, base+"/readyz")
	if code != 503 || !strings.Contains(body, "connection refused") {
		t.Fatalf("readyz down: %d %s", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("healthz must stay up while a dependency is down, got %d", code)
	}
}

func TestShutdownDrainsInFlightThenCloses(t *testing.T) {
	srv := New("t-drain", "127.0.0.1:0", WithShutdownTimeout(10*time.Second))
	entered := make(chan struct{})
	release := make(chan struct{})
	srv.Handle("GET", "/slow", func(ctx *fasthttp.RequestCtx) {
		close(entered)
		<-release
		ctx.WriteString("finished")
	})
	var order []string
	var drained atomic.Bool
	srv.OnClose("first", func(context.Context) error { order = append(order, "first"); return nil })
	srv.OnClose("second", func(context.Context) error {
		order = append(order, "second")
		drained.Store(true)
		return nil
	})
	base, stop := start(t, srv)

	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()

	// While the request is in flight, shutdown must not have closed dependencies.
	select {
	case <-stopped:
		t.Fatal("shutdown returned before the in-flight request finished")
	case <-time.After(200 * time.Millisecond):
	}
	if drained.Load() {
		t.Fatal("dependencies closed while a request was in flight")
	}
	close(release)
	r := <-res
	if r.err != nil || r.code != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "second,first" {
		t.Fatalf("closers ran in order %v, want reverse of registration", order)
	}
	// No longer accepting.
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("server still accepts after shutdown")
	}
}

func TestRunFailsOnPortInUseAndReleasesOthers(t *testing.T) {
	a := New("t-a", "127.0.0.1:0")
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	defer a.ln.Close()
	b := New("t-b", "127.0.0.1:0")
	c := New("t-c", a.Addr()) // taken
	err := Run(context.Background(), logging.Discard, b, c)
	if err == nil || !strings.Contains(err.Error(), "t-c") || !strings.Contains(err.Error(), a.Addr()) {
		t.Fatalf("Run with a taken port: %v; want an error naming the service and address", err)
	}
	// b's port was released.
	if err := New("t-b2", b.Addr()).Listen(); err != nil {
		t.Fatalf("port of the first server was not released: %v", err)
	}
}

func TestAdmin(t *testing.T) {
	tok := strings.Repeat("a", 32)
	srv := New("t-admin", "127.0.0.1:0", WithAdminToken(tok))
	srv.Handle("GET", "/admin", srv.Admin(func(ctx *fasthttp.RequestCtx) { ctx.WriteString("secret stuff") }))
	noTok := New("t-admin-empty", "127.0.0.1:0")
	noTok.Handle("GET", "/admin", noTok.Admin(func(ctx *fasthttp.RequestCtx) { ctx.WriteString("secret stuff") }))
	base, _ := start(t, srv)
	base2, _ := start(t, noTok)
	try := func(base, auth string) int {
		req, _ := http.NewRequest("GET", base+"/admin", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		base, auth string
		want       int
	}{
		{base, "", 401},
		{base, "Bearer wrong", 401},
		{base, "Bearer " + tok + "x", 401},
		{base, "Bearer " + tok, 200},
		{base2, "Bearer ", 401}, // no token configured: closed, not open
	} {
		if got := try(c.base, c.auth); got != c.want {
			t.Errorf("auth %q: %d, want %d", c.auth, got, c.want)
		}
	}
}

func TestEnsureAdminToken(t *testing.T) {
	file := t.TempDir() + "/sub/admin-token"
	tok, created, err := EnsureAdminToken("", file)
	if err != nil || !created || len(tok) < MinAdminTokenLength {
		t.Fatalf("first: %q %v %v", tok, created, err)
	}
	again, created, err := EnsureAdminToken("", file)
	if err != nil || created || again != tok {
		t.Fatalf("second call must reuse the saved token: %q %v %v", again, created, err)
	}
	given, _, _ := EnsureAdminToken("explicit", file)
	if given != "explicit" {
		t.Fatal("an explicit token must win")
	}
	if ValidateAdminToken("short") == nil || ValidateAdminToken(tok) != nil {
		t.Fatal("ValidateAdminToken")
	}
}
