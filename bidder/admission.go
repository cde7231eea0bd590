package bidder

import (
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// Admission sheds load before any work is done, so that the requests admitted still finish
// within tmax when the machine is saturated (a late answer is as useless as none, and costs
// the same CPU).
//
// Requests beyond the in-flight limit get an immediate 204. The limit adapts (AIMD) to the Go
// scheduler's latency — the time runnable goroutines wait for a core, read from runtime/metrics
// every adjustEvery: when its p99 over the last interval exceeds --max-queue-time the CPU is
// oversubscribed and the limit shrinks by a quarter (not below minLimit); otherwise it grows
// back by a sixteenth of the maximum (--max-in-flight). Scheduler latency, not response time,
// is the signal: it rises the moment the cores are oversubscribed, whatever the requests cost.
type admission struct {
	inflight atomic.Int64
	limit    atomic.Int64
	max, min int64
	maxQueue time.Duration

	sample []metrics.Sample
	prev   []uint64 // previous cumulative bucket counts of /sched/latencies
}

const (
	adjustEvery = 250 * time.Millisecond
	minLimit    = 8
)

func newAdmission(max int64, maxQueue time.Duration) *admission {
	a := &admission{max: max, min: min(minLimit, max), maxQueue: maxQueue,
		sample: []metrics.Sample{{Name: "/sched/latencies:seconds"}}}
	a.limit.Store(max)
	return a
}

// admit reserves an in-flight slot; false means shed. Call done after an admitted request.
func (a *admission) admit() bool {
	if a.inflight.Add(1) > a.limit.Load() {
		a.inflight.Add(-1)
		return false
	}
	return true
}

func (a *admission) done() { a.inflight.Add(-1) }

// adjust moves the limit for the scheduler latency p99 of the last interval.
func (a *admission) adjust(schedP99 time.Duration) {
	l := a.limit.Load()
	if schedP99 > a.maxQueue {
		l = max(a.min, l*3/4)
	} else {
		l = min(a.max, l+max(a.max/16, 1))
	}
	a.limit.Store(l)
}

// schedP99 returns the p99 scheduler latency since the previous call (0 before any data).
func (a *admission) schedP99() time.Duration {
	metrics.Read(a.sample)
	if a.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	h := a.sample[0].Value.Float64Histogram()
	if len(a.prev) != len(h.Counts) {
		a.prev = append(a.prev[:0], h.Counts...)
		return 0
	}
	var total uint64
	for i, c := range h.Counts {
		total += c - a.prev[i]
	}
	p := time.Duration(0)
	if total > 0 {
		want, seen := total-total/100, uint64(0)
		for i, c := range h.Counts {
			seen += c - a.prev[i]
			if seen >= want {
				// Counts[i] covers [Buckets[i], Buckets[i+1]): report the bucket's upper bound.
				p = time.Duration(h.Buckets[min(i+1, len(h.Buckets)-1)] * float64(time.Second))
				break
			}
		}
	}
	copy(a.prev, h.Counts)
	return p
}

// run adjusts the limit until stop is closed.
func (a *admission) run(stop <-chan struct{}) {
	t := time.NewTicker(adjustEvery)
	defer t.Stop()
	a.schedP99()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			a.adjust(a.schedP99())
		}
	}
}
