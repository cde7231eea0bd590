package loadtest

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"
)

// Config is one open-loop run.
type Config struct {
	// Name labels the run in reports ("bidder", "mixed", ...). Defaults to the scenario's name.
	Name string
	// Mix is what to send: one entry for a single scenario, several for a mix.
	Mix []Weighted
	// Rate is the offered rate in requests (arrivals) per second, held whatever the target does.
	Rate float64
	// Duration is how long requests are scheduled for. In-flight requests are then given until
	// their deadline to finish.
	Duration time.Duration
	// Arrival spaces the due times: Constant (default) or Poisson.
	Arrival Arrival
	// Connections is the number of workers, each with at most one request on its own
	// connection. By Little's law a target answering in L needs about Rate × L of them; fewer,
	// and requests queue for a connection (which is counted as latency, and reported as wait).
	Connections int
	// Timeout bounds each request from its due time, not from its send: a request that waited
	// for a connection has less time left. Default 2 s.
	Timeout time.Duration
	// Seed makes Poisson gaps reproducible.
	Seed uint64
	// LagThreshold is how late (p99) the dispatcher may run before the result warns that the
	// generator could not keep up. Default 5 ms.
	LagThreshold time.Duration
	// Procs is the GOMAXPROCS the run uses, restored afterwards: 0 leaves it as it is, AutoProcs
	// picks one per ProcsRate arrivals/s offered. Fewer Ps cost less per request at moderate
	// rates: with one P, a due request or an answer is handed between goroutines on the same
	// thread instead of waking another, and a generator on a shared machine leaves the other
	// cores to the target. GOMAXPROCS is process-wide, so a program that serves anything else
	// from the same process (a test's in-process target) should leave this at 0.
	Procs int
	// Progress, when set, is called once a second (and once at the end) with the interval just
	// finished, from a goroutine of its own. It must not block for long.
	Progress func(Interval)
}

// AutoProcs, as Config.Procs, gives the run one P per ProcsRate arrivals/s offered, at least one
// and at most the CPUs the process may use; a mix with viewer sessions (a Player) keeps
// GOMAXPROCS as it is, as a session is many requests.
const AutoProcs = -1

// ProcsRate is the rate one P carries under AutoProcs. One core sustains 80,000–90,000
// requests/s at saturation (BenchmarkGeneratorCeiling): at half that it keeps a margin.
const ProcsRate = 40_000

// Limits of a run's settings.
const (
	MaxProcs       = 1024
	MaxRate        = 10_000_000
	MaxConnections = 100_000
	MaxTimeout     = time.Minute
)

func (c *Config) withDefaults() Config {
	d := *c
	if d.Timeout == 0 {
		d.Timeout = 2 * time.Second
	}
	if d.LagThreshold == 0 {
		d.LagThreshold = 5 * time.Millisecond
	}
	if d.Name == "" && len(d.Mix) == 1 && d.Mix[0].Scenario != nil {
		d.Name = d.Mix[0].Scenario.Name
	}
	return d
}

func (c *Config) validate() error {
	switch {
	case !(c.Rate > 0) || c.Rate > MaxRate:
		return fmt.Errorf("loadtest: rate must be in (0, %d], got %g", MaxRate, c.Rate)
	case c.Duration <= 0:
		return fmt.Errorf("loadtest: duration must be positive, got %s", c.Duration)
	case c.Connections < 1 || c.Connections > MaxConnections:
		return fmt.Errorf("loadtest: connections must be in [1, %d], got %d", MaxConnections, c.Connections)
	case c.Timeout <= 0 || c.Timeout > MaxTimeout:
		return fmt.Errorf("loadtest: timeout must be in (0, %s], got %s", MaxTimeout, c.Timeout)
	case c.Procs < AutoProcs || c.Procs > MaxProcs:
		return fmt.Errorf("loadtest: procs must be %d (auto), 0 (as is) or in [1, %d], got %d", AutoProcs, MaxProcs, c.Procs)
	case len(c.Mix) == 0:
		return errors.New("loadtest: nothing to send (empty mix)")
	case len(c.Mix) > 255:
		return errors.New("loadtest: at most 255 scenarios in a mix")
	}
	for _, w := range c.Mix {
		if _, _, err := w.Scenario.validate(); err != nil {
			return err
		}
		if w.Weight < 1 {
			return fmt.Errorf("loadtest: weight of %s must be at least 1, got %d", w.Scenario.Name, w.Weight)
		}
	}
	return nil
}

// procs is the GOMAXPROCS the run should have, 0 for "as it is".
func (c *Config) procs() int {
	if c.Procs != AutoProcs {
		return c.Procs
	}
	for _, w := range c.Mix {
		if w.Scenario.Player != nil {
			return 0
		}
	}
	return max(1, min(runtime.NumCPU(), int(math.Ceil(c.Rate/ProcsRate))))
}
