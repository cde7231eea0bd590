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
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// BenchmarkSend is one worker's hot path: reset, fill and send a pre-built request over a
// keep-alive loopback connection, read the response. The target is in-process, so ns/op
// includes the server's share; allocs/op shows the generator allocates nothing per request.
func BenchmarkSend(b *testing.B) {
	for _, build := range []func(string) *Scenario{
		func(u string) *Scenario { return URL(u) },
		func(u string) *Scenario { return Bidder(u, Options{Pool: 64}) },
	} {
		ts := serve(b, okHandler)
		sc := build(ts.URL)
		b.Run(sc.Name, func(b *testing.B) {
			r := &runner{cfg: Config{Mix: []Weighted{{Scenario: sc, Weight: 1}}, Connections: 1}}
			r.endpoints = r.buildEndpoints()
			w := newWorker(newShard(1))
			deadline := time.Now().Add(time.Hour)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, o := w.send(&r.endpoints[0], &sc.Requests[i%len(sc.Requests)], deadline); o != outcomeOK {
					b.Fatal("send failed")
				}
			}
		})
	}
}

// BenchmarkDispatchAndRecord is the generator's own bookkeeping per arrival, without I/O: the
// schedule, the mix, the queue hand-off and recording the outcome.
func BenchmarkDispatchAndRecord(b *testing.B) {
	mix := []Weighted{{Scenario: URL("http://x/"), Weight: 3}, {Scenario: URL("http://y/"), Weight: 1}}
	sched := newSchedule(Poisson, 1e6, 1)
	il := newInterleaver(mix)
	q := make(chan job, 1024)
	sh := newShard(len(mix))
	lag := newHistogram()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		due := sched.next()
		s := il.next()
		recordUS(lag, 1500)
		q <- job{due: due, req: &mix[s].Scenario.Requests[0], scen: uint8(s)}
		j := <-q
		sh.record(int(j.scen), 250_000, 1_000, j.due, 200, outcomeOK)
	}
}

// BenchmarkGeneratorCeiling measures the rate the generator sustains on ONE core: it runs the
// generator with GOMAXPROCS=1 against a trivial fasthttp server in a child process pinned to
// another core (taskset), stepping the offered rate up until the generator falls behind (its
// dispatch lag p99 passes 5 ms) or the achieved rate drops below 98% of the offered one. Pin the
// generator itself too:
//
//	taskset -c 0 go test ./loadtest -run '^$' -bench GeneratorCeiling -benchtime 1x
//
// It reports the highest clean rate as req/s. Each step runs 3 s; the whole sweep takes about
// half a minute. Without taskset or a second core it falls back to an in-process server, which
// then shares the one core and measures generator plus server.
func BenchmarkGeneratorCeiling(b *testing.B) {
	if b.N > 1 {
		b.Skip("run with -benchtime 1x: one sweep is the measurement")
	}
	target, where := trivialServer(b)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.Logf("target: %s; generator GOMAXPROCS=1", where)

	best := 0.0
	for _, rate := range []float64{20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 120_000} {
		res, err := Run(context.Background(), Config{Mix: urlMix(target), Rate: rate, Duration: 3 * time.Second, Connections: 64})
		if err != nil {
			b.Fatal(err)
		}
		clean := !res.GeneratorBehind() && res.AchievedRate() >= 0.98*rate && res.Errors == 0
		b.Logf("offered %6.0f/s achieved %8.1f/s  p50 %-9s p99 %-9s  dispatch lag p99 %-9s wait p99 %-9s errors %d  %s",
			rate, res.AchievedRate(), fmtDur(res.Quantile(50)), fmtDur(res.Quantile(99)), fmtDur(quantile(res.Lag, 99)),
			fmtDur(quantile(res.Wait, 99)), res.Errors, map[bool]string{true: "clean", false: "BEHIND"}[clean])
		if !clean {
			break
		}
		best = rate
		time.Sleep(500 * time.Millisecond)
	}
	b.ReportMetric(best, "req/s")
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
