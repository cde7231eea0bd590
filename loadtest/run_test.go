package loadtest

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// These tests measure wall-clock behaviour, as the issue requires, on a 2-core machine that may be
// busy with other test binaries. Noise only ever adds latency and lateness, so:
//   - assertions that a stall shows (p99 high) are checked once: noise cannot hide a stall;
//   - assertions that things are fast or on time (healthy p99, rate accuracy) get a few attempts
//     and pass on the first clean one: a real bug fails them all. A failed attempt in which the
//     generator itself reports that it fell behind measured the machine, not the code: it does
//     not count, and when no attempt could measure, the test is skipped if the machine is
//     overloaded (load average above twice its CPUs) and fails otherwise;
//   - counts are exact: the schedule is a pure function of rate and duration;
//   - timeouts are generous, so a starved machine does not turn into errors.

// attempt is one measurement: behind reports that the generator could not keep up (the attempt
// is inconclusive); otherwise ok and why are the verdict.
type attempt struct {
	behind bool
	ok     bool
	why    string
}

func attempts(t *testing.T, n int, try func() attempt) {
	t.Helper()
	var whys []string
	conclusive := 0
	for i := 1; i <= n; i++ {
		a := try()
		if a.ok {
			return
		}
		if a.behind {
			t.Logf("attempt %d inconclusive: the generator fell behind (%s)", i, a.why)
			continue
		}
		conclusive++
		t.Logf("attempt %d: %s", i, a.why)
		whys = append(whys, a.why)
	}
	if conclusive == 0 {
		if load, busy := machineBusy(); busy {
			t.Skipf("the generator fell behind in all %d attempts on an overloaded machine (load average %.1f)", n, load)
		}
		t.Fatalf("the generator fell behind in all %d attempts on a machine that is not overloaded", n)
	}
	t.Errorf("failed %d attempts: %q", conclusive, whys)
}

// machineBusy reports the 1-minute load average and whether it exceeds twice the CPUs.
func machineBusy() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	var load float64
	if _, err := fmt.Sscan(string(b), &load); err != nil {
		return 0, false
	}
	return load, load > 2*float64(runtime.NumCPU())
}

// The headline property: against a server that stalls 300 ms every 3 s, an open-loop
// generator at 1000 requests/s reports the stall in the p99 (closed-loop tools report ~3 ms).
// A 3.2 s run holds one stall, at 1.0–1.3 s: ~10% of the requests are due during it and wait up
// to 300 ms, so p99 lands near 270 ms; the assertion asks for 150 ms, a wide margin.
func TestStallShowsInP99(t *testing.T) {
	epoch := time.Now()
	ts := serve(t, stallingHandler(epoch, 3*time.Second, time.Second, 300*time.Millisecond))
	res, err := Run(context.Background(), Config{
		Mix: urlMix(ts.URL), Rate: 1000, Duration: 3200 * time.Millisecond, Connections: 32, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("requests %d errors %d achieved %.1f/s p50 %s p99 %s max %s", res.Requests, res.Errors, res.AchievedRate(),
		res.Quantile(50), res.Quantile(99), res.Quantile(100))
	if p99 := res.Quantile(99); p99 < 150*time.Millisecond {
		t.Errorf("p99 = %s: the 300 ms stall does not show (coordinated omission?)", p99)
	}
	if res.Errors != 0 {
		t.Errorf("errors = %d, want 0", res.Errors)
	}
	// Open loop: the stall does not thin out the schedule. A closed-loop client with 32
	// connections would have lost the ~300 requests due during the stall.
	if res.Requests != 3200 {
		t.Errorf("requests = %d, want exactly 3200", res.Requests)
	}
	// The stall is visible second by second too (the HTML chart's data).
	var worst time.Duration
	for _, iv := range res.Intervals {
		worst = max(worst, iv.Max)
	}
	if worst < 150*time.Millisecond {
		t.Errorf("no interval shows the stall: worst interval max %s", worst)
	}
}

// The same run against a healthy server keeps p99 far below the stall.
func TestHealthyServerLowP99(t *testing.T) {
	ts := serve(t, okHandler)
	attempts(t, 3, func() attempt {
		res, err := Run(context.Background(), Config{Mix: urlMix(ts.URL), Rate: 1000, Duration: 2 * time.Second, Connections: 32, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("requests %d p50 %s p99 %s max %s lag p99 %s", res.Requests, res.Quantile(50), res.Quantile(99), res.Quantile(100), quantile(res.Lag, 99))
		if res.Requests != 2000 {
			t.Fatalf("requests %d, want 2000", res.Requests)
		}
		p99 := res.Quantile(99)
		return attempt{behind: res.GeneratorBehind(), ok: p99 < 100*time.Millisecond && res.Errors == 0,
			why: fmt.Sprintf("p99 %s and %d errors against a healthy server, want < 100ms and 0", p99, res.Errors)}
	})
}

// Rate accuracy: the achieved rate is within 2% of the offered one, for both arrival processes.
func TestRateAccuracy(t *testing.T) {
	ts := serve(t, okHandler)
	const d = 3 * time.Second
	for _, c := range []struct {
		rate    float64
		arrival Arrival
	}{{500, Constant}, {2000, Constant}, {2000, Poisson}} {
		t.Run(c.arrival.String(), func(t *testing.T) {
			attempts(t, 3, func() attempt {
				res, err := Run(context.Background(), Config{Mix: urlMix(ts.URL), Rate: c.rate, Arrival: c.arrival, Duration: d, Connections: 16, Seed: 7, Timeout: 10 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				got := res.AchievedRate()
				t.Logf("offered %.0f/s achieved %.1f/s (%d requests in %s)", c.rate, got, res.Requests, res.Elapsed)
				if c.arrival == Constant && res.Requests != uint64(c.rate*d.Seconds()) {
					t.Fatalf("requests = %d, want exactly %.0f", res.Requests, c.rate*d.Seconds())
				}
				// A Poisson count over 3 s at 2000/s is 6000 ± 77 (1σ): the seed fixes it, and
				// the check is that the realized rate is honest, so compare against the count.
				want := c.rate
				if c.arrival == Poisson {
					want = float64(res.Requests) / d.Seconds()
					if math.Abs(want-c.rate)/c.rate > 0.05 {
						t.Fatalf("poisson: %d arrivals in %s is far from %.0f/s", res.Requests, d, c.rate)
					}
				}
				return attempt{behind: res.GeneratorBehind(), ok: math.Abs(got-want)/want <= 0.02,
					why: fmt.Sprintf("achieved %.1f/s for %.1f/s", got, want)}
			})
		})
	}
}

// Cancelling the context stops the schedule and returns what was measured.
func TestInterruptReturnsPartialResult(t *testing.T) {
	ts := serve(t, okHandler)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	res, err := Run(ctx, Config{Mix: urlMix(ts.URL), Rate: 200, Duration: time.Minute, Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Requests == 0 || res.Requests > 200*10 {
		t.Errorf("interrupted %v requests %d", res.Interrupted, res.Requests)
	}
	if res.Elapsed >= time.Minute {
		t.Errorf("elapsed %s: the schedule did not stop", res.Elapsed)
	}
}

// Failures are classified: HTTP statuses, timeouts (counted from the due time), transport.
func TestErrorsAreClassified(t *testing.T) {
	bad := serve(t, func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(503) })
	slow := serve(t, func(ctx *fasthttp.RequestCtx) { time.Sleep(300 * time.Millisecond) })
	cfg := Config{Rate: 50, Duration: 400 * time.Millisecond, Connections: 4, Timeout: 10 * time.Second}

	cfg.Mix = urlMix(bad.URL)
	res, _ := Run(context.Background(), cfg)
	if res.HTTPErrors != 20 || res.Errors != 20 || res.Status[503] != 20 {
		t.Errorf("503s: http %d errors %d status %v", res.HTTPErrors, res.Errors, res.Status)
	}

	cfg.Mix = urlMix(slow.URL)
	cfg.Timeout = 100 * time.Millisecond // the server takes 300 ms
	res, _ = Run(context.Background(), cfg)
	if res.Timeouts != 20 || res.Errors != 20 || res.Quantile(50) < 100*time.Millisecond {
		t.Errorf("slow: timeouts %d errors %d p50 %s", res.Timeouts, res.Errors, res.Quantile(50))
	}

	// A session that overruns its deadline holds the only connection: the requests queued
	// behind it are past their deadline before they can be sent, so they expire unsent.
	cfg.Mix = []Weighted{{Scenario: &Scenario{Name: "stuck", Player: sleepyPlayer(150 * time.Millisecond),
		Requests: []Request{{Method: "GET", URI: "http://127.0.0.1:1/"}}}, Weight: 1}}
	cfg.Connections = 1
	res, _ = Run(context.Background(), cfg)
	if res.Expired == 0 || res.Timeouts < res.Expired || res.Requests != 20 {
		t.Errorf("stuck: expired %d timeouts %d requests %d", res.Expired, res.Timeouts, res.Requests)
	}
	cfg.Connections, cfg.Timeout = 4, 10*time.Second

	cfg.Mix = urlMix("http://127.0.0.1:1/")
	res, _ = Run(context.Background(), cfg)
	if res.TransportErrors != 20 {
		t.Errorf("refused: transport errors %d (timeouts %d)", res.TransportErrors, res.Timeouts)
	}
}

// A mix sends each scenario its exact share.
func TestMixSharesAreExact(t *testing.T) {
	a, b := serve(t, okHandler), serve(t, okHandler)
	res, err := Run(context.Background(), Config{
		Mix:  []Weighted{{Scenario: URL(a.URL), Weight: 3}, {Scenario: URL(b.URL + "/b"), Weight: 1}},
		Rate: 400, Duration: time.Second, Connections: 8, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.hits.Load() != 300 || b.hits.Load() != 100 || res.Scenarios[0].Requests != 300 || res.Scenarios[1].Requests != 100 {
		t.Errorf("hits %d/%d, scenarios %d/%d, want 300/100", a.hits.Load(), b.hits.Load(), res.Scenarios[0].Requests, res.Scenarios[1].Requests)
	}
}

func TestConfigValidation(t *testing.T) {
	good := Config{Mix: urlMix("http://127.0.0.1:1/"), Rate: 1, Duration: time.Second, Connections: 1}
	for name, mut := range map[string]func(*Config){
		"rate":        func(c *Config) { c.Rate = 0 },
		"duration":    func(c *Config) { c.Duration = 0 },
		"connections": func(c *Config) { c.Connections = 0 },
		"timeout":     func(c *Config) { c.Timeout = time.Hour },
		"procs":       func(c *Config) { c.Procs = -2 },
		"empty mix":   func(c *Config) { c.Mix = nil },
		"weight":      func(c *Config) { c.Mix = []Weighted{{Scenario: URL("http://x/"), Weight: 0}} },
		"relative":    func(c *Config) { c.Mix = urlMix("/path") },
		"two hosts": func(c *Config) {
			c.Mix = []Weighted{{Scenario: &Scenario{Name: "x", Requests: []Request{{Method: "GET", URI: "http://a/"}, {Method: "GET", URI: "http://b/"}}}, Weight: 1}}
		},
	} {
		c := good
		mut(&c)
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%s: invalid config accepted", name)
		}
	}
}

// Procs sets GOMAXPROCS for the run only, the result says which it was and what the run cost
// per request; AutoProcs gives one P per ProcsRate arrivals/s, within the CPUs there are.
func TestProcs(t *testing.T) {
	ts := serve(t, okHandler)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	res, err := Run(context.Background(), Config{Mix: urlMix(ts.URL), Rate: 200, Duration: 200 * time.Millisecond, Connections: 4, Procs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Procs != 1 || runtime.GOMAXPROCS(0) != 2 {
		t.Errorf("Procs 1: result says %d, GOMAXPROCS after the run %d; want 1 and 2 (restored)", res.Procs, runtime.GOMAXPROCS(0))
	}
	if res.Requests != 40 || res.Errors != 0 {
		t.Errorf("%d requests, %d errors; want 40, 0", res.Requests, res.Errors)
	}
	if runtime.GOOS == "linux" && (res.CPU <= 0 || res.CPUPerRequest() != res.CPU/40) {
		t.Errorf("CPU %s, per request %s", res.CPU, res.CPUPerRequest())
	}
	if got := Summarize(res, nil, false).Generator; got.Procs != 1 || got.CPUPerReq != round3(float64(res.CPUPerRequest())/1e3) {
		t.Errorf("summary generator %+v", got)
	}

	cpus := runtime.NumCPU()
	for _, tc := range []struct {
		procs int
		rate  float64
		want  int
	}{
		{0, 100, 0}, {3, 100, 3}, {AutoProcs, 100, 1}, {AutoProcs, ProcsRate, 1},
		{AutoProcs, ProcsRate + 1, min(2, cpus)}, {AutoProcs, MaxRate, cpus},
	} {
		c := Config{Mix: urlMix("http://x/"), Rate: tc.rate, Procs: tc.procs}
		if got := c.procs(); got != tc.want {
			t.Errorf("Procs %d at %g/s: %d; want %d", tc.procs, tc.rate, got, tc.want)
		}
	}
	c := Config{Mix: []Weighted{{Scenario: &Scenario{Name: "s", Player: sleepyPlayer(0)}, Weight: 1}}, Rate: 100, Procs: AutoProcs}
	if got := c.procs(); got != 0 {
		t.Errorf("AutoProcs with viewer sessions: %d; want 0 (as it is)", got)
	}
}

// sleepyPlayer takes d per session, ignoring its deadline, and then succeeds.
type sleepyPlayer time.Duration

func (p sleepyPlayer) Play(string, time.Time) error {
	time.Sleep(time.Duration(p))
	return nil
}
