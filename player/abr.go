package player

import (
	"math"
	"time"
)

// ABR is the rate adaptation: a throughput estimate from measured segment downloads and a rule,
// with hysteresis, for when to change variant.
//
// The estimate is the lower of a fast and a slow exponentially weighted moving average of each
// segment's throughput (bits over download time), so a drop shows at once and a spike must last
// to count. The player switches down as soon as its variant's BANDWIDTH exceeds Safety × the
// estimate (to the best variant under that), and up only when a better variant fits in Up × the
// estimate and Hold segments have been downloaded since the last switch. Up < Safety is the
// hysteresis band: an estimate between the two keeps the current variant, so a throughput that
// hovers near one variant's bitrate does not make the player flap.
type ABR struct {
	Safety float64 // stay or go down at ≤ Safety × estimate; default 0.9
	Up     float64 // go up only to a variant ≤ Up × estimate; default 0.7
	Hold   int     // segments after a switch before going up again; default 2
	Fast   float64 // weight of a new sample in the fast average; default 0.5
	Slow   float64 // weight of a new sample in the slow average; default 0.1
}

// DefaultABR is the default rate adaptation.
var DefaultABR = ABR{Safety: 0.9, Up: 0.7, Hold: 2, Fast: 0.5, Slow: 0.1}

// estimator is the throughput estimate of one session.
type estimator struct {
	abr        ABR
	fast, slow float64
	samples    int
	start      float64
}

func newEstimator(a ABR, start int64) *estimator {
	if a.Safety <= 0 {
		a.Safety = DefaultABR.Safety
	}
	if a.Up <= 0 {
		a.Up = DefaultABR.Up
	}
	if a.Fast <= 0 || a.Fast > 1 {
		a.Fast = DefaultABR.Fast
	}
	if a.Slow <= 0 || a.Slow > 1 {
		a.Slow = DefaultABR.Slow
	}
	return &estimator{abr: a, start: float64(start)}
}

// sample adds a download of n bytes that took d.
func (e *estimator) sample(n int64, d time.Duration) {
	if n <= 0 {
		return
	}
	if d < 100*time.Microsecond {
		d = 100 * time.Microsecond // a loopback transfer of a few bytes is not infinite bandwidth
	}
	bps := float64(n) * 8 / d.Seconds()
	if e.samples == 0 {
		e.fast, e.slow = bps, bps
	} else {
		e.fast += e.abr.Fast * (bps - e.fast)
		e.slow += e.abr.Slow * (bps - e.slow)
	}
	e.samples++
}

// estimate is the throughput estimate in bits per second.
func (e *estimator) estimate() float64 {
	if e.samples == 0 {
		return e.start
	}
	return math.Min(e.fast, e.slow)
}

// ladder is a master playlist's variants ordered by bandwidth, lowest first.
type ladder struct {
	order []int   // variant indices, by bandwidth
	bw    []int64 // bandwidth of order[i]
}

// choose returns the variant index to play next, given the current one (an index into the
// master's variants), the estimate and the segments downloaded since the last switch.
func (e *estimator) choose(l *ladder, current int, sinceSwitch int) int {
	if len(l.order) == 0 {
		return current
	}
	est := e.estimate()
	pos := 0
	for i, v := range l.order {
		if v == current {
			pos = i
		}
	}
	best := func(limit float64) int { // highest rung ≤ limit, else the lowest
		p := 0
		for i, b := range l.bw {
			if float64(b) <= limit {
				p = i
			}
		}
		return p
	}
	if float64(l.bw[pos]) > e.abr.Safety*est {
		if p := best(e.abr.Safety * est); p < pos {
			return l.order[p]
		}
		return current
	}
	if sinceSwitch < e.abr.Hold {
		return current
	}
	if p := best(e.abr.Up * est); p > pos {
		return l.order[p]
	}
	return current
}
