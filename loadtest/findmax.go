package loadtest

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// FindMaxOptions tune the search for the highest sustainable rate.
type FindMaxOptions struct {
	// Factor multiplies the rate after each passing step; default 1.25.
	Factor float64
	// Refine is how many bisection steps follow the first failure; default 2 (which pins the
	// answer to within Factor^(1/4), ~6%).
	Refine int
	// MaxSteps bounds the ramp (refinement steps excluded); default 30.
	MaxSteps int
	// MaxRate stops the ramp; 0 means MaxRate (the package constant).
	MaxRate float64
	// Pause between steps lets the target drain what the previous step left; default 1 s.
	Pause time.Duration
	// OnStep, when set, is called after each step.
	OnStep func(Step)
}

// Step is one run of a FindMax search.
type Step struct {
	Rate       float64
	Result     *Result
	Violations []Violation
	// GeneratorBehind is true when the generator, not the target, limited the step.
	GeneratorBehind bool
}

// Pass reports whether the step met the SLO with the generator keeping up.
func (s Step) Pass() bool {
	return len(s.Violations) == 0 && !s.GeneratorBehind && !s.Result.Interrupted
}

// FindMaxResult is the outcome of a search.
type FindMaxResult struct {
	SLO SLO
	// Max is the highest rate that passed; 0 if none did.
	Max float64
	// Best is the result of the step at Max (nil if none passed).
	Best *Result
	// Steps in the order they ran.
	Steps []Step
	// LimitedBy says what ended the search: "slo" (the target broke it), "generator" (this
	// machine could not offer more: Max is a lower bound), "max-rate", "max-steps" or
	// "interrupted".
	LimitedBy string
}

// FindMax ramps the rate from cfg.Rate by opts.Factor, running cfg.Duration at each step, until
// a step breaks slo; then it bisects between the last passing and the first failing rate. It
// reports the highest passing rate. A step where the generator falls behind ends the search:
// rates above it cannot be tested from here.
func FindMax(ctx context.Context, cfg Config, slo SLO, opts FindMaxOptions) (*FindMaxResult, error) {
	return findMax(ctx, cfg, slo, opts, Run)
}

type runFunc func(context.Context, Config) (*Result, error)

func findMax(ctx context.Context, cfg Config, slo SLO, opts FindMaxOptions, run runFunc) (*FindMaxResult, error) {
	if len(slo) == 0 {
		return nil, errors.New("loadtest: find-max needs an SLO to know when to stop")
	}
	if opts.Factor == 0 {
		opts.Factor = 1.25
	}
	if !(opts.Factor > 1) {
		return nil, fmt.Errorf("loadtest: find-max factor must be > 1, got %g", opts.Factor)
	}
	if opts.Refine == 0 {
		opts.Refine = 2
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = 30
	}
	if opts.MaxRate <= 0 || opts.MaxRate > MaxRate {
		opts.MaxRate = MaxRate
	}
	if opts.Pause == 0 {
		opts.Pause = time.Second
	}
	out := &FindMaxResult{SLO: slo}
	step := func(rate float64) (Step, error) {
		if len(out.Steps) > 0 && opts.Pause > 0 {
			select {
			case <-time.After(opts.Pause):
			case <-ctx.Done():
			}
		}
		c := cfg
		c.Rate = rate
		res, err := run(ctx, c)
		if err != nil {
			return Step{}, err
		}
		s := Step{Rate: rate, Result: res, Violations: slo.Check(res), GeneratorBehind: res.GeneratorBehind()}
		out.Steps = append(out.Steps, s)
		if s.Pass() && rate > out.Max {
			out.Max, out.Best = rate, res
		}
		if opts.OnStep != nil {
			opts.OnStep(s)
		}
		return s, nil
	}

	rate := cfg.Rate
	var failed float64
	for n := 0; ; n++ {
		if n == opts.MaxSteps {
			out.LimitedBy = "max-steps"
			return out, nil
		}
		s, err := step(rate)
		if err != nil {
			return out, err
		}
		switch {
		case s.Result.Interrupted:
			out.LimitedBy = "interrupted"
			return out, nil
		case s.GeneratorBehind:
			out.LimitedBy = "generator"
			return out, nil
		case !s.Pass():
			failed = rate
		}
		if failed > 0 {
			break
		}
		if rate >= opts.MaxRate {
			out.LimitedBy = "max-rate"
			return out, nil
		}
		rate = min(rate*opts.Factor, opts.MaxRate)
	}
	out.LimitedBy = "slo"
	// Bisect between the last pass (or nothing) and the first failure.
	lo, hi := out.Max, failed
	for range opts.Refine {
		if lo == 0 {
			break // the first step failed: nothing to refine towards
		}
		mid := (lo + hi) / 2
		s, err := step(mid)
		if err != nil {
			return out, err
		}
		if s.Result.Interrupted {
			out.LimitedBy = "interrupted"
			return out, nil
		}
		if s.Pass() {
			lo = mid
		} else {
			hi = mid
		}
	}
	return out, nil
}
