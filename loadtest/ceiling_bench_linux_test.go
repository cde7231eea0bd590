package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
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
		cmd := exec.Command("taskset", "-c", "1", os.Args[0], "-test.run=^TestHelperTrivialServer$")
		cmd.Env = append(os.Environ(), "LOADTEST_TRIVIAL_SERVER=1", "GOMAXPROCS=1")
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err == nil {
			b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if addr, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
					return "http://" + addr + "/", "child process on CPU 1 (GOMAXPROCS=1)"
				}
			}
			b.Log("no trivial server on CPU 1 (single-CPU machine?)")
		}
	}
	return serve(b, okHandler).URL + "/", "in-process (shares the generator's core)"
}

// TestHelperTrivialServer is the child process of BenchmarkGeneratorCeiling, not a test.
func TestHelperTrivialServer(t *testing.T) {
	if os.Getenv("LOADTEST_TRIVIAL_SERVER") != "1" {
		t.Skip("helper process for BenchmarkGeneratorCeiling")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	_ = (&fasthttp.Server{Handler: okHandler}).Serve(ln) // until the benchmark kills us
}
