package loadtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SLO is a set of objectives a run must meet, written like "p99=5ms,p999=20ms,errors=0.1%".
// Latency objectives (p50, p90, p99, p999, max) are upper bounds on the latency at that
// percentile; errors is an upper bound on the share of failed requests, as a percentage ("1%")
// or a fraction ("0.01").
type SLO []Objective

// Objective is one bound of an SLO.
type Objective struct {
	Metric   string        // p50, p90, p99, p999, max or errors
	Latency  time.Duration // for latency metrics
	ErrorPct float64       // for errors, in percent
}

// latencyMetrics maps an objective's name to its percentile (100 = max).
var latencyMetrics = map[string]float64{"p50": 50, "p90": 90, "p99": 99, "p999": 99.9, "max": 100}

// ParseSLO reads a comma-separated list of metric=bound. The empty string is an empty SLO, which
// every run meets.
func ParseSLO(s string) (SLO, error) {
	var slo SLO
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		// metric=bound, and the ways people also write it: metric<bound, metric<=bound.
		i := strings.IndexAny(part, "<=")
		ok := i > 0
		var k, v string
		if ok {
			k, v = part[:i], strings.TrimPrefix(strings.TrimPrefix(part[i:], "<"), "=")
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || v == "" {
			return nil, fmt.Errorf("SLO objective %q: want metric=bound, e.g. p99=5ms or errors=0.1%%", part)
		}
		if k == "p99.9" {
			k = "p999"
		}
		if seen[k] {
			return nil, fmt.Errorf("SLO objective %q: %s given twice", part, k)
		}
		seen[k] = true
		o := Objective{Metric: k}
		switch _, isLatency := latencyMetrics[k]; {
		case isLatency:
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("SLO objective %q: %q is not a positive duration like 5ms", part, v)
			}
			o.Latency = d
		case k == "errors":
			pct, err := parsePercent(v)
			if err != nil {
				return nil, fmt.Errorf("SLO objective %q: %v", part, err)
			}
			o.ErrorPct = pct
		default:
			return nil, fmt.Errorf("SLO objective %q: unknown metric %q (want p50, p90, p99, p999, max or errors)", part, k)
		}
		slo = append(slo, o)
	}
	return slo, nil
}

func parsePercent(v string) (float64, error) {
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a share like 0.1%% or 0.001", v)
	}
	if !pct {
		f *= 100
	}
	if f > 100 {
		return 0, fmt.Errorf("%q is more than 100%%", v)
	}
	return f, nil
}

func (o Objective) String() string {
	if o.Metric == "errors" {
		return "errors≤" + strconv.FormatFloat(o.ErrorPct, 'g', -1, 64) + "%"
	}
	return o.Metric + "≤" + o.Latency.String()
}

func (s SLO) String() string {
	parts := make([]string, len(s))
	for i, o := range s {
		if o.Metric == "errors" {
			parts[i] = "errors=" + strconv.FormatFloat(o.ErrorPct, 'g', -1, 64) + "%"
		} else {
			parts[i] = o.Metric + "=" + o.Latency.String()
		}
	}
	return strings.Join(parts, ",")
}

// Violation is an objective a run did not meet.
type Violation struct {
	Objective
	Measured    time.Duration // for latency metrics
	MeasuredPct float64       // for errors, in percent
}

func (v Violation) String() string {
	if v.Metric == "errors" {
		return fmt.Sprintf("errors %.3g%% > %g%%", v.MeasuredPct, v.ErrorPct)
	}
	return fmt.Sprintf("%s %s > %s", v.Metric, fmtDur(v.Measured), fmtDur(v.Latency))
}

// Check returns the objectives r does not meet. A run without a single finished request meets
// no latency objective: nothing was shown to be fast.
func (s SLO) Check(r *Result) []Violation {
	var out []Violation
	for _, o := range s {
		if o.Metric == "errors" {
			pct := 100 * r.ErrorRate()
			if r.Requests == 0 {
				pct = 100
			}
			if pct > o.ErrorPct {
				out = append(out, Violation{Objective: o, MeasuredPct: pct})
			}
			continue
		}
		got := r.Quantile(latencyMetrics[o.Metric])
		if r.Requests == 0 || got > o.Latency {
			out = append(out, Violation{Objective: o, Measured: got})
		}
	}
	return out
}
