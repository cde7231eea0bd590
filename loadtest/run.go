package loadtest

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// job is one arrival: which request, of which scenario, due when and queued when (ns since t0).
type job struct {
	due  int64
	enq  int64
	req  *Request
	scen uint8
}

// runner is the state of one Run.
type runner struct {
	cfg       Config
	t0        time.Time
	queue     chan job
	endpoints []endpoint
	shards    []*shard
	stopping  atomic.Bool   // interrupted: workers drop queued jobs unsent
	sent      atomic.Uint64 // jobs handed to the queue
	unsent    atomic.Uint64
	ivMaxLag  atomic.Int64 // ns, the dispatcher's worst lag since the last collection

	// Dispatcher-owned until Run assembles the result.
	lag         *hdrhistogram.Histogram
	queueFull   time.Duration
	dispatchEnd int64
}

// now is the run's clock: nanoseconds since t0, monotonic.
func (r *runner) now() int64 { return int64(time.Since(r.t0)) }

// Run sends cfg.Mix at cfg.Rate for cfg.Duration, open-loop, and returns what it measured.
//
// Cancelling ctx stops the schedule: queued requests are dropped (counted in Result.Unsent),
// in-flight ones get until their deadline, and the partial result is returned with
// Interrupted set and a nil error. Errors are returned only for an invalid Config.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	procs := runtime.GOMAXPROCS(0)
	if n := cfg.procs(); n > 0 && n != procs {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
		procs = n
	}
	r := &runner{cfg: cfg, lag: newHistogram()}
	r.endpoints = r.buildEndpoints()
	defer r.closeEndpoints()

	nShards := min(cfg.Connections, 2*procs)
	r.shards = make([]*shard, nShards)
	for i := range r.shards {
		r.shards[i] = newShard(len(cfg.Mix))
	}
	// The queue holds what is due but not yet sent. Jobs older than the timeout are skipped
	// (not sent), so rate × timeout bounds what can usefully wait; past that, the dispatcher
	// blocks and its lag shows the generator cannot drain the queue.
	qcap := int(min(max(cfg.Rate*cfg.Timeout.Seconds()+float64(2*cfg.Connections), 4096), 1<<18))
	r.queue = make(chan job, qcap)

	var workers sync.WaitGroup
	col := newCollector()
	cpu0, cpuOK := processCPU()
	r.t0 = time.Now()
	for i := range cfg.Connections {
		w := newWorker(r.shards[i%nShards])
		workers.Go(func() { w.loop(r) })
	}
	go col.run(r)

	interrupted := r.dispatch(ctx)
	close(r.queue)
	workers.Wait()
	col.stop()

	res := r.result(interrupted, col.intervals)
	res.Procs = procs
	if cpu1, ok := processCPU(); ok && cpuOK {
		res.CPU = cpu1 - cpu0
		res.CPUBusy = float64(res.CPU) / (float64(time.Since(r.t0)) * float64(procs))
	}
	return res, nil
}

// dispatch is the open-loop heart: it computes each arrival's due time from the schedule alone,
// sleeps until the next one is due, and enqueues every job that is due, never waiting for a
// response. It reports whether ctx interrupted the run.
func (r *runner) dispatch(ctx context.Context) (interrupted bool) {
	p := newPacer()
	defer p.close()
	sched := newSchedule(r.cfg.Arrival, r.cfg.Rate, r.cfg.Seed)
	il := newInterleaver(r.cfg.Mix)
	cursor := make([]int, len(r.cfg.Mix))
	end := int64(r.cfg.Duration)
	done := ctx.Done()

	next := sched.next()
	for next < end {
		select {
		case <-done:
			r.stopping.Store(true)
			r.dispatchEnd = r.now()
			return true
		default:
		}
		now := r.now()
		if wait := time.Duration(next - now); wait > 0 {
			// Even a wait of a few microseconds is slept, not spun: spinning (Gosched in a
			// loop) was measured to cost more CPU per request near the ceiling than it gains.
			p.sleep(min(wait, maxSleep))
			continue
		}
		var batch uint64
		for next <= now && next < end {
			s := il.next()
			reqs := r.cfg.Mix[s].Scenario.Requests
			j := job{due: next, enq: now, req: &reqs[cursor[s]], scen: uint8(s)}
			if cursor[s]++; cursor[s] == len(reqs) {
				cursor[s] = 0
			}
			lag := now - next
			recordUS(r.lag, lag)
			if lag > r.ivMaxLag.Load() {
				r.ivMaxLag.Store(lag)
			}
			select {
			case r.queue <- j:
			default:
				// Every worker is busy and the backlog is full: block, and remember for how
				// long. Due times stay as scheduled, so the delay still shows as latency.
				t := time.Now()
				select {
				case r.queue <- j:
				case <-done:
					r.sent.Add(batch)
					r.stopping.Store(true)
					r.dispatchEnd = r.now()
					return true
				}
				r.queueFull += time.Since(t)
				now = r.now()
			}
			batch++
			next = sched.next()
		}
		r.sent.Add(batch)
	}
	// The schedule covers [0, Duration): wait out the last gap so the achieved rate is measured
	// over the same window as the offered one.
	for {
		wait := time.Duration(end - r.now())
		if wait <= 0 {
			break
		}
		select {
		case <-done:
			r.stopping.Store(true)
			r.dispatchEnd = r.now()
			return true
		default:
		}
		p.sleep(min(wait, maxSleep))
	}
	r.dispatchEnd = r.now()
	return false
}
