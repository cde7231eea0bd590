package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// loadtestTarget serves handler on loopback for the duration of the test.
func loadtestTarget(t *testing.T, handler fasthttp.RequestHandler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: handler}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String() + "/"
}

// Exit codes through the real command dispatcher: 0 when the SLO holds, 1 when it is violated,
// 2 for bad settings. The slow target answers in 20 ms, four times the 5 ms objective, so the
// verdicts do not depend on the machine's speed.
func TestLoadtestSLOExitCodes(t *testing.T) {
	fast := loadtestTarget(t, func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") })
	slow := loadtestTarget(t, func(ctx *fasthttp.RequestCtx) {
		time.Sleep(20 * time.Millisecond)
		ctx.SetBodyString("ok")
	})
	common := []string{"loadtest", "--rate", "50", "--duration", "1s", "--connections", "8", "--progress=false"}
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"met", []string{"--target", fast, "--slo", "p99=30s,errors=1%", "--timeout", "20s"}, 0},
		{"no slo", []string{"--target", fast}, 0},
		{"violated", []string{"--target", slow, "--slo", "p99=5ms"}, 1},
		{"errors violated", []string{"--target", "http://127.0.0.1:1/", "--slo", "errors=1%", "--timeout", "200ms"}, 1},
		{"find-max none passes", []string{"--target", slow, "--slo", "p50=5ms", "--find-max"}, 1},
		{"bad rate", []string{"--target", fast, "--rate", "-3"}, 2},
		{"bad slo", []string{"--target", fast, "--slo", "p99=fast"}, 2},
		{"bad scenario", []string{"--target", fast, "--scenario", "nope"}, 2},
		{"url needs target", nil, 2},
		{"find-max needs slo", []string{"--target", fast, "--find-max"}, 2},
		{"mix only with mixed", []string{"--target", fast, "--mix", "bidder=1"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(append(append([]string{}, common...), c.args...)); got != c.want {
				t.Errorf("exit code %d, want %d", got, c.want)
			}
		})
	}
}

// --output json prints one JSON document with the fields the issue names; --output html writes
// a report file.
func TestLoadtestOutputs(t *testing.T) {
	target := loadtestTarget(t, func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") })
	var stdout, stderr bytes.Buffer
	err := loadtestMain(context.Background(), []string{"--target", target, "--rate", "100", "--duration", "1s", "--output", "json"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	var got struct {
		Requests     *uint64            `json:"requests"`
		Errors       *uint64            `json:"errors"`
		AchievedRate *float64           `json:"achieved_rate"`
		LatencyMS    map[string]float64 `json:"latency_ms"`
	}
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Error("more than one JSON document on stdout")
	}
	if got.Requests == nil || *got.Requests != 100 || got.Errors == nil || got.AchievedRate == nil {
		t.Errorf("summary = %+v", got)
	}
	for _, k := range []string{"p50", "p90", "p99", "p999", "max"} {
		if _, ok := got.LatencyMS[k]; !ok {
			t.Errorf("latency_ms.%s missing", k)
		}
	}
	if !strings.Contains(stderr.String(), "sent ") {
		t.Errorf("no progress line on stderr: %q", stderr.String())
	}

	report := filepath.Join(t.TempDir(), "r.html")
	stdout.Reset()
	err = loadtestMain(context.Background(), []string{"--target", target, "--rate", "100", "--duration", "1s", "--output", "html", "--report", report, "--progress=false"}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "<svg"); n < 3 {
		t.Errorf("report has %d charts, want ≥ 3", n)
	}
}

// Cancelling the context (Ctrl-C) stops the run early and still prints the summary.
func TestLoadtestInterruptPrintsSummary(t *testing.T) {
	target := loadtestTarget(t, func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	var stdout, stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- loadtestMain(ctx, []string{"--target", target, "--rate", "100", "--duration", "30s", "--progress=false"}, &stdout, &stderr)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("loadtest did not stop within 10s of the interrupt")
	}
	if !strings.Contains(stdout.String(), "interrupted after") || !strings.Contains(stdout.String(), "latency") {
		t.Errorf("summary missing after interrupt:\n%s", stdout.String())
	}
}
