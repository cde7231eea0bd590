package loadtest

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Interval is one second (the last one may be shorter) of a run, as the live progress line and
// the time-series charts show it. Latencies are of the requests that finished in the interval.
type Interval struct {
	Elapsed  time.Duration // end of the interval, since the start of the run
	Span     time.Duration // length of the interval
	Sent     uint64        // arrivals dispatched in the interval
	Done     uint64        // requests finished in the interval (errors included)
	Errors   uint64
	Queued   int64 // dispatched but not finished at the end of the interval
	P50, P90 time.Duration
	P99, Max time.Duration
	MaxLag   time.Duration // the dispatcher's worst lateness in the interval
}

// SentRate is the dispatch rate over the interval, per second.
func (iv Interval) SentRate() float64 { return perSecond(iv.Sent, iv.Span) }

// DoneRate is the completion rate over the interval, per second.
func (iv Interval) DoneRate() float64 { return perSecond(iv.Done, iv.Span) }

func perSecond(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// collector builds the per-second series from the shards' interval histograms, in a goroutine
// of its own: run until stop, then read intervals.
type collector struct {
	stopC     chan struct{}
	doneC     chan struct{}
	intervals []Interval
	agg       *hdrhistogram.Histogram
	lastAt    int64
	lastSent  uint64
	totalDone uint64
}

func newCollector() *collector {
	return &collector{stopC: make(chan struct{}), doneC: make(chan struct{}), agg: newHistogram()}
}

func (c *collector) run(r *runner) {
	defer close(c.doneC)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.collect(r)
		case <-c.stopC:
			c.collect(r) // the last, partial interval
			return
		}
	}
}

// stop collects the last interval and waits for the goroutine to end.
func (c *collector) stop() {
	close(c.stopC)
	<-c.doneC
}

func (c *collector) collect(r *runner) {
	at := r.now()
	iv := Interval{Elapsed: time.Duration(at), Span: time.Duration(at - c.lastAt)}
	c.lastAt = at
	for _, s := range r.shards {
		h, reqs, errs := s.takeInterval()
		c.agg.Merge(h)
		s.returnSpare(h)
		iv.Done += reqs
		iv.Errors += errs
	}
	sent := r.sent.Load()
	iv.Sent, c.lastSent = sent-c.lastSent, sent
	c.totalDone += iv.Done
	// The counters are read one after another while workers run: clamp the brief negatives.
	iv.Queued = max(0, int64(sent)-int64(c.totalDone)-int64(r.unsent.Load()))
	iv.P50 = usToDuration(c.agg.ValueAtQuantile(50))
	iv.P90 = usToDuration(c.agg.ValueAtQuantile(90))
	iv.P99 = usToDuration(c.agg.ValueAtQuantile(99))
	iv.Max = usToDuration(c.agg.Max())
	if c.agg.TotalCount() == 0 {
		iv.Max = 0
	}
	iv.MaxLag = time.Duration(r.ivMaxLag.Swap(0))
	c.agg.Reset()
	if iv.Span <= 0 || (iv.Span < 50*time.Millisecond && iv.Sent == 0 && iv.Done == 0) {
		return // nothing worth a point on a chart
	}
	c.intervals = append(c.intervals, iv)
	if r.cfg.Progress != nil {
		r.cfg.Progress(iv)
	}
}

func usToDuration(us int64) time.Duration { return time.Duration(us) * time.Microsecond }
