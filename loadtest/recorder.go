package loadtest

import (
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histograms hold microseconds, from 1 µs to 10 minutes, at 3 significant digits (a value is
// off by at most 0.1%). Larger values are clamped to the top, so a pathological wait is still
// counted as the worst case rather than dropped.
const (
	histLowest  = 1
	histHighest = 10 * 60 * 1_000_000
	histDigits  = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// recordUS records a duration given in nanoseconds as microseconds, clamped to the range.
func recordUS(h *hdrhistogram.Histogram, ns int64) {
	us := ns / 1000
	if us < histLowest {
		us = histLowest
	} else if us > histHighest {
		us = histHighest
	}
	_ = h.RecordValue(us) // cannot fail: us is in range
}

// outcome classifies one finished request.
type outcome uint8

const (
	outcomeOK        outcome = iota // 2xx (a bidder's 204 no-bid included)
	outcomeHTTP                     // a response with another status
	outcomeTimeout                  // no response before the deadline (sent or not)
	outcomeTransport                // connection refused, reset, malformed response...
)

// maxStatus bounds the status codes counted one by one; others go to statusOther.
const maxStatus = 600

// scenarioStats are one scenario's totals in one shard.
type scenarioStats struct {
	latency   *hdrhistogram.Histogram
	requests  uint64
	byOutcome [4]uint64
	expired   uint64 // timeouts that were never sent (they waited past their deadline)
	status    [maxStatus]uint64
}

// shard is the unit of recording: a few workers share one, under a mutex that is almost never
// contended (shards ≈ 2 × GOMAXPROCS). The collector swaps the interval histogram out once a
// second, so it holds the lock for a pointer swap, not a merge.
type shard struct {
	mu        sync.Mutex
	scen      []scenarioStats
	wait      *hdrhistogram.Histogram // queued → sent: waiting for a free connection
	interval  *hdrhistogram.Histogram // latencies finished since the last collection
	spare     *hdrhistogram.Histogram // the collector's, reset, swapped in next time
	ivReqs    uint64
	ivErrs    uint64
	lastStart int64 // latest send start, ns since t0
	_         [64]byte
}

func newShard(scenarios int) *shard {
	s := &shard{
		scen:     make([]scenarioStats, scenarios),
		wait:     newHistogram(),
		interval: newHistogram(),
		spare:    newHistogram(),
	}
	for i := range s.scen {
		s.scen[i].latency = newHistogram()
	}
	return s
}

// record adds one finished request. latency (from the due time) and wait (from the moment it
// was queued to its send) are nanoseconds; start is the send start (ns since t0), or -1 when the
// request expired unsent.
func (s *shard) record(scen int, latency, wait, start int64, status int, o outcome) {
	s.mu.Lock()
	st := &s.scen[scen]
	st.requests++
	st.byOutcome[o]++
	if status > 0 && status < maxStatus {
		st.status[status]++
	}
	recordUS(st.latency, latency)
	recordUS(s.interval, latency)
	s.ivReqs++
	if o != outcomeOK {
		s.ivErrs++
	}
	if start < 0 {
		st.expired++
	} else {
		recordUS(s.wait, wait)
		if start > s.lastStart {
			s.lastStart = start
		}
	}
	s.mu.Unlock()
}

// takeInterval swaps out the interval histogram and counters. The returned histogram belongs
// to the caller until it hands it back with returnSpare (reset).
func (s *shard) takeInterval() (h *hdrhistogram.Histogram, reqs, errs uint64) {
	s.mu.Lock()
	h, s.interval, s.spare = s.interval, s.spare, nil
	reqs, errs = s.ivReqs, s.ivErrs
	s.ivReqs, s.ivErrs = 0, 0
	s.mu.Unlock()
	return h, reqs, errs
}

func (s *shard) returnSpare(h *hdrhistogram.Histogram) {
	h.Reset()
	s.mu.Lock()
	s.spare = h
	s.mu.Unlock()
}
