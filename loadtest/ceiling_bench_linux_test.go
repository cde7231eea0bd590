package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// BenchmarkGeneratorCeiling measures the rate the generator sustains on ONE core: it runs the
// generator with GOMAXPROCS=1 against a trivial fasthttp server in a child process pinned to
// another core (taskset), stepping the offered rate up until the generator falls behind
// (Result.GeneratorBehind: dispatch lag p99 over 5 ms, or fewer requests leaving than offered
// while its core is saturated) or the achieved rate drops below 98% of the offered one, twice in
// a row. Pin the generator itself too:
//
//	taskset -c 0 go test ./loadtest -run '^$' -bench GeneratorCeiling -benchtime 1x
//
// It reports the highest clean rate as req/s, and the generator's CPU time per request at that
// rate (cpu-µs/req, from getrusage: robust to other processes on the machine, which delay the
// generator but do not add to its work). Each step runs 3 s; a full sweep takes under a minute. Without taskset or a second core it falls back to an in-process server, which
// then shares the one core and measures generator plus server.
func BenchmarkGeneratorCeiling(b *testing.B) {
	if b.N > 1 {
		b.Skip("run with -benchtime 1x: one sweep is the measurement")
	}
	target, where := trivialServer(b)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.Logf("target: %s; generator GOMAXPROCS=1", where)

	best, bestCPU, fails := 0.0, 0.0, 0
	for _, rate := range []float64{20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 110_000, 120_000, 140_000} {
		cpu0, _ := processCPU()
		res, err := Run(context.Background(), Config{Mix: urlMix(target), Rate: rate, Duration: 3 * time.Second, Connections: 64})
		if err != nil {
			b.Fatal(err)
		}
		// CPU time per request is the noise-robust figure: other processes on the machine delay
		// the generator but do not make its work bigger.
		cpu1, _ := processCPU()
		cpuPerReq := float64((cpu1 - cpu0).Nanoseconds()) / 1e3 / float64(res.Requests)
		clean := !res.GeneratorBehind() && res.AchievedRate() >= 0.98*rate && res.Errors == 0
		b.Logf("offered %6.0f/s achieved %8.1f/s  p50 %-8s p99 %-8s  dispatch lag p99 %-8s  errors %d  cpu %5.2f µs/req  %s",
			rate, res.AchievedRate(), fmtDur(res.Quantile(50)), fmtDur(res.Quantile(99)), fmtDur(quantile(res.Lag, 99)),
			res.Errors, cpuPerReq, map[bool]string{true: "clean", false: "BEHIND"}[clean])
		time.Sleep(500 * time.Millisecond)
		if !clean {
			// A burst from another process can spoil one step: stop after two in a row.
			if fails++; fails == 2 {
				break
			}
			continue
		}
		fails = 0
		best, bestCPU = rate, cpuPerReq
	}
	b.ReportMetric(best, "req/s")
	b.ReportMetric(bestCPU, "cpu-µs/req")
}

// BenchmarkGeneratorCost measures what the generator costs per request at a rate a service is
// tested at, rather than at its ceiling: 10,000 requests/s for 5 s, open loop, 512 connections,
// against a fasthttp server in a child process (so getrusage counts the generator alone), on
// the machine as it is (no pinning, the generator's GOMAXPROCS as the process has it).
//
//   - url: a GET answered with "ok", the floor;
//   - bidder: the bidder scenario's OpenRTB bodies (3.4 KB on average for CTV pods) answered
//     with 10 KB, the size of a bid response with VAST.
//
// cpu-µs/req is the generator's CPU time (user + system, its sockets' kernel work included)
// per request sent. It is the figure to compare between versions of the generator, alternating
// binaries in the same minutes:
//
//	go test ./loadtest -run '^$' -bench GeneratorCost -benchtime 1x -count 3
func BenchmarkGeneratorCost(b *testing.B) {
	if b.N > 1 {
		b.Skip("run with -benchtime 1x: one run per scenario is the measurement")
	}
	for _, sc := range []struct {
		name   string
		answer int
		build  func(string) *Scenario
	}{
		{"url", 0, func(u string) *Scenario { return URL(u + "/healthz") }},
		{"bidder", 10 << 10, func(u string) *Scenario { return Bidder(u, Options{Seed: 1}) }},
	} {
		b.Run(sc.name, func(b *testing.B) {
			addr, ok := childServer(b, sc.answer)
			if !ok {
				b.Fatal("the child server did not start")
			}
			const rate, d = 10_000, 5 * time.Second
			mix := []Weighted{{Scenario: sc.build("http://" + addr), Weight: 1}}
			cpu0, _ := processCPU()
			res, err := Run(context.Background(), Config{Mix: mix, Rate: rate, Duration: d, Connections: 512})
			if err != nil {
				b.Fatal(err)
			}
			cpu1, _ := processCPU()
			if res.Errors > 0 {
				b.Errorf("%d errors", res.Errors)
			}
			cpuPerReq := float64((cpu1 - cpu0).Nanoseconds()) / 1e3 / float64(res.Requests)
			b.Logf("GOMAXPROCS %d: achieved %.1f/s  p50 %s p99 %s  dispatch lag p99 %s  cpu %.1f µs/req",
				runtime.GOMAXPROCS(0), res.AchievedRate(), fmtDur(res.Quantile(50)), fmtDur(res.Quantile(99)),
				fmtDur(quantile(res.Lag, 99)), cpuPerReq)
			b.ReportMetric(cpuPerReq, "cpu-µs/req")
			b.ReportMetric(float64(res.Quantile(99).Microseconds())/1e3, "p99-ms")
		})
	}
}

// BenchmarkClientCeiling is the yardstick for BenchmarkGeneratorCeiling: the same fasthttp
// client, closed-loop (each of 64 goroutines sends its next request as soon as the previous one
// returns, no schedule, no recording), on one core against the same trivial server. No
// fasthttp-based generator can beat it on this machine; the gap between the two is what the
// open-loop machinery costs.
//
//	taskset -c 0 go test ./loadtest -run '^$' -bench ClientCeiling -benchtime 1x
func BenchmarkClientCeiling(b *testing.B) {
	if b.N > 1 {
		b.Skip("run with -benchtime 1x")
	}
	target, where := trivialServer(b)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.Logf("target: %s; client GOMAXPROCS=1", where)
	hc := &fasthttp.HostClient{Addr: strings.TrimSuffix(strings.TrimPrefix(target, "http://"), "/"), MaxConns: 64}
	const d = 3 * time.Second
	var total atomic.Int64
	stop := time.Now().Add(d)
	cpu0, _ := processCPU()
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			req, resp := &fasthttp.Request{}, &fasthttp.Response{}
			req.SetRequestURI(target)
			n := int64(0)
			for time.Now().Before(stop) {
				if err := hc.Do(req, resp); err != nil {
					b.Error(err)
					return
				}
				n++
			}
			total.Add(n)
		})
	}
	wg.Wait()
	n := float64(total.Load())
	b.ReportMetric(n/d.Seconds(), "req/s")
	cpu1, _ := processCPU()
	b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/1e3/n, "cpu-µs/req")
}

// trivialServer starts a fasthttp server answering "ok" in a child process on CPU 1 when it can,
// else in-process.
func trivialServer(b testing.TB) (url, where string) {
	// runtime.NumCPU counts the CPUs this process may use, which is one under taskset -c 0, so
	// just try CPU 1.
	if _, err := exec.LookPath("taskset"); err == nil {
		if addr, ok := childServer(b, 0, "taskset", "-c", "1"); ok {
			return "http://" + addr + "/", "child process on CPU 1 (GOMAXPROCS=1)"
		}
		b.Log("no trivial server on CPU 1 (single-CPU machine?)")
	}
	return serve(b, okHandler).URL + "/", "in-process (shares the generator's core)"
}

// childServer runs TestHelperTrivialServer in a child process (prefixed by wrap, e.g. taskset),
// answering every request with answerBytes bytes ("ok" when 0), and returns its address.
func childServer(b testing.TB, answerBytes int, wrap ...string) (addr string, ok bool) {
	args := append(wrap, os.Args[0], "-test.run=^TestHelperTrivialServer$")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "LOADTEST_TRIVIAL_SERVER=1", fmt.Sprintf("LOADTEST_TRIVIAL_ANSWER=%d", answerBytes))
	if len(wrap) > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS=1")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		return "", false
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			return addr, true
		}
	}
	return "", false
}

// TestHelperTrivialServer is the child process of the ceiling and cost benchmarks, not a test.
func TestHelperTrivialServer(t *testing.T) {
	if os.Getenv("LOADTEST_TRIVIAL_SERVER") != "1" {
		t.Skip("helper process for BenchmarkGeneratorCeiling and BenchmarkGeneratorCost")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	handler := okHandler
	if n, _ := strconv.Atoi(os.Getenv("LOADTEST_TRIVIAL_ANSWER")); n > 0 {
		answer := bytes.Repeat([]byte("x"), n)
		handler = func(ctx *fasthttp.RequestCtx) { ctx.SetBody(answer) }
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	// A 32 KB write buffer sends a 10 KB answer in one write, as the bidder does.
	_ = (&fasthttp.Server{Handler: handler, WriteBufferSize: 32 << 10}).Serve(ln) // until the benchmark kills us
}
