package loadtest

import (
	"fmt"
	"math/rand/v2"
)

// Arrival is the process that spaces the due times of requests. Either way the schedule is fixed
// before the first response arrives: that is what makes the generator open-loop.
type Arrival uint8

const (
	// Constant spaces requests evenly: request i is due at i/rate. Best for comparing runs.
	Constant Arrival = iota
	// Poisson draws exponential gaps with mean 1/rate: independent clients (a population of
	// players or SSPs) arriving at random. Bursts happen, as they do in production.
	Poisson
)

// ParseArrival accepts "constant" or "poisson".
func ParseArrival(s string) (Arrival, error) {
	switch s {
	case "constant":
		return Constant, nil
	case "poisson":
		return Poisson, nil
	}
	return 0, fmt.Errorf("unknown arrival process %q (want constant or poisson)", s)
}

func (a Arrival) String() string {
	if a == Poisson {
		return "poisson"
	}
	return "constant"
}

// schedule yields the due time of each request, in nanoseconds since the start of the run.
// It is used by the dispatcher goroutine only.
type schedule struct {
	arrival Arrival
	rate    float64
	gapNs   float64 // 1e9 / rate
	i       uint64  // index of the next request (Constant)
	t       float64 // due time of the next request (Poisson), ns
	rng     *rand.Rand
}

func newSchedule(a Arrival, rate float64, seed uint64) *schedule {
	return &schedule{
		arrival: a,
		rate:    rate,
		gapNs:   1e9 / rate,
		rng:     rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
	}
}

// next returns the due time of the next request. Constant due times are computed from the index
// rather than accumulated, so they carry no rounding drift over long runs.
func (s *schedule) next() int64 {
	if s.arrival == Poisson {
		due := s.t
		s.t += s.rng.ExpFloat64() * s.gapNs
		return int64(due)
	}
	due := float64(s.i) * 1e9 / s.rate
	s.i++
	return int64(due)
}
