package loadtest

import (
	"fmt"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Result is everything one run measured. Histograms hold microseconds.
type Result struct {
	Name        string
	Arrival     Arrival
	Rate        float64 // offered, per second
	Duration    time.Duration
	Connections int
	Timeout     time.Duration

	// Elapsed is the sending window the achieved rate is measured over: the schedule's duration,
	// longer if sending ran late, shorter if the run was interrupted.
	Elapsed time.Duration
	// Requests counts arrivals that finished: answered, failed, or expired unsent.
	Requests uint64
	// Errors = Timeouts + HTTPErrors + TransportErrors. Expired is part of Timeouts.
	Errors, Timeouts, Expired, HTTPErrors, TransportErrors uint64
	// Unsent counts arrivals that were due but dropped because the run was interrupted.
	Unsent      uint64
	Interrupted bool

	// Latency is from each request's due time to the end of its response (or its failure).
	Latency *hdrhistogram.Histogram
	// Wait is from queueing to send: time spent waiting for a free connection. Together with
	// Lag (due → queued) it is the part of Latency spent before the request left.
	Wait *hdrhistogram.Histogram
	// Lag is how late the dispatcher handed each arrival to the queue: the generator's own
	// delay. It is part of Latency.
	Lag *hdrhistogram.Histogram
	// QueueFull is how long the dispatcher was blocked because the queue was full.
	QueueFull time.Duration
	// LagThreshold is the dispatch lag (p99) above which the generator counts as behind.
	LagThreshold time.Duration
	// CPUBusy is the share of the CPU available to this process (GOMAXPROCS × the run's wall
	// time) that it used during the run: near 1, the generator (or whatever else runs in the
	// process) had no CPU to spare. 0 where the platform does not say.
	CPUBusy float64
	// CPU is the CPU time (user + system, the kernel's work on its sockets included) the process
	// used during the run, 0 where the platform does not say; Procs is its GOMAXPROCS then.
	CPU   time.Duration
	Procs int

	Status    map[int]uint64 // by HTTP status code, successes included
	Scenarios []ScenarioResult
	Intervals []Interval
}

// ScenarioResult is one scenario's share of a run.
type ScenarioResult struct {
	Name     string
	Target   string
	Weight   int
	Requests uint64
	Errors   uint64
	Latency  *hdrhistogram.Histogram
	Status   map[int]uint64
}

// Sent is the number of requests that were actually sent (finished, minus those that expired
// in the queue).
func (r *Result) Sent() uint64 { return r.Requests - r.Expired }

// CPUPerRequest is the generator's CPU time per request sent (0 when unknown): what the
// generator costs the machine it shares with the target. The process's other work (an
// in-process target in tests) counts too.
func (r *Result) CPUPerRequest() time.Duration {
	if r.Sent() == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Sent())
}

// AchievedRate is the rate at which requests were actually sent, per second.
func (r *Result) AchievedRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sent()) / r.Elapsed.Seconds()
}

// ErrorRate is Errors / Requests.
func (r *Result) ErrorRate() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Requests)
}

// Quantile returns the latency at q in [0, 100] (99.9 for p99.9), or the maximum for q = 100.
func (r *Result) Quantile(q float64) time.Duration { return quantile(r.Latency, q) }

func quantile(h *hdrhistogram.Histogram, q float64) time.Duration {
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	if q >= 100 {
		return usToDuration(h.Max())
	}
	return usToDuration(h.ValueAtQuantile(q))
}

// GeneratorBehind reports whether the generator itself could not hold the schedule: either its
// dispatcher ran late (dispatch lag p99 above LagThreshold), or fewer requests left than were
// offered while the process had no CPU to spare (CPUBusy ≥ 95%). The latencies then include the
// generator's delay, and the achieved rate is what this machine could do, not what the target
// can.
func (r *Result) GeneratorBehind() bool {
	return r.dispatchLate() || r.cpuBound()
}

func (r *Result) dispatchLate() bool { return quantile(r.Lag, 99) > r.LagThreshold }

func (r *Result) cpuBound() bool {
	return r.CPUBusy >= 0.95 && !r.Interrupted && r.AchievedRate() < 0.98*r.Rate
}

// Warnings explains, in sentences, anything that makes the numbers less than they seem.
func (r *Result) Warnings() []string {
	var w []string
	achieved := r.AchievedRate()
	switch {
	case r.dispatchLate():
		msg := fmt.Sprintf("the generator could not keep up: it dispatched requests up to %s late (p99 %s, limit %s) and sent %.1f/s of the %.1f/s offered; its lateness is included in the latencies",
			fmtDur(quantile(r.Lag, 100)), fmtDur(quantile(r.Lag, 99)), fmtDur(r.LagThreshold), achieved, r.Rate)
		if r.QueueFull > 0 {
			msg += fmt.Sprintf("; the queue of due requests was full for %s (the workers could not even drain it)", fmtDur(r.QueueFull))
		}
		w = append(w, msg+". Lower --rate, or run the generator on more cores or machines.")
	case r.cpuBound():
		w = append(w, fmt.Sprintf("the generator could not keep up: it sent %.1f/s of the %.1f/s offered while its process used %.0f%% of the CPU it may use (GOMAXPROCS=%d); requests waited for a busy worker, and that wait is in the latencies. Lower --rate, or run the generator on more cores or machines.",
			achieved, r.Rate, 100*r.CPUBusy, r.Procs))
	case !r.Interrupted && r.Rate > 0 && achieved < 0.98*r.Rate:
		w = append(w, fmt.Sprintf("achieved %.1f/s of the %.1f/s offered: requests waited for a free connection (wait p99 %s) or expired unsent (%d).",
			achieved, r.Rate, fmtDur(quantile(r.Wait, 99)), r.Expired))
	}
	if wp99, lp99 := quantile(r.Wait, 99), quantile(r.Latency, 99); wp99 > time.Millisecond && wp99*5 > lp99 {
		w = append(w, fmt.Sprintf("requests queued for a free connection (wait p99 %s of latency p99 %s): at times all %d connections were busy. That is what a client with %d connections sees; to measure the target alone, use about rate × p99 latency = %.0f connections.",
			fmtDur(wp99), fmtDur(lp99), r.Connections, r.Connections, math.Ceil(r.Rate*lp99.Seconds())))
	}
	if r.Expired > 0 {
		w = append(w, fmt.Sprintf("%d requests expired unsent: they waited longer than the %s timeout for a connection and count as timeouts.", r.Expired, fmtDur(r.Timeout)))
	}
	if r.Interrupted {
		w = append(w, fmt.Sprintf("interrupted after %s: %d due requests were not sent.", fmtDur(r.Elapsed), r.Unsent))
	}
	return w
}

// result merges the shards into a Result. Workers and collector have stopped.
func (r *runner) result(interrupted bool, intervals []Interval) *Result {
	cfg := r.cfg
	res := &Result{
		Name: cfg.Name, Arrival: cfg.Arrival, Rate: cfg.Rate, Duration: cfg.Duration,
		Connections: cfg.Connections, Timeout: cfg.Timeout,
		Interrupted: interrupted, Unsent: r.unsent.Load(),
		Latency: newHistogram(), Wait: newHistogram(), Lag: r.lag,
		QueueFull: r.queueFull, LagThreshold: cfg.LagThreshold,
		Status: map[int]uint64{}, Intervals: intervals,
	}
	var lastStart int64
	res.Scenarios = make([]ScenarioResult, len(cfg.Mix))
	for i, w := range cfg.Mix {
		res.Scenarios[i] = ScenarioResult{Name: w.Scenario.Name, Target: w.Scenario.Target, Weight: w.Weight,
			Latency: newHistogram(), Status: map[int]uint64{}}
	}
	for _, s := range r.shards {
		res.Wait.Merge(s.wait)
		lastStart = max(lastStart, s.lastStart)
		for i := range s.scen {
			st, sr := &s.scen[i], &res.Scenarios[i]
			sr.Requests += st.requests
			sr.Errors += st.byOutcome[outcomeHTTP] + st.byOutcome[outcomeTimeout] + st.byOutcome[outcomeTransport]
			sr.Latency.Merge(st.latency)
			for code, n := range st.status {
				if n > 0 {
					sr.Status[code] += n
					res.Status[code] += n
				}
			}
			res.Timeouts += st.byOutcome[outcomeTimeout]
			res.HTTPErrors += st.byOutcome[outcomeHTTP]
			res.TransportErrors += st.byOutcome[outcomeTransport]
			res.Expired += st.expired
		}
	}
	for i := range res.Scenarios {
		res.Requests += res.Scenarios[i].Requests
		res.Errors += res.Scenarios[i].Errors
		res.Latency.Merge(res.Scenarios[i].Latency)
	}
	res.Elapsed = time.Duration(max(r.dispatchEnd, lastStart))
	return res
}

// fmtDur prints a duration with three significant digits in ms or s ("0.412ms", "281ms", "2.5s").
func fmtDur(d time.Duration) string {
	ms := float64(d) / 1e6
	switch {
	case d == 0:
		return "0ms"
	case ms < 1:
		return fmt.Sprintf("%.3fms", ms)
	case ms < 10:
		return fmt.Sprintf("%.2fms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.0fms", ms)
	default:
		return fmt.Sprintf("%.2fs", ms/1000)
	}
}
