package loadtest

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// WriteText prints r for a person: what was offered and achieved, the latency percentiles, the
// errors and status codes, the generator's health, the SLO verdict and any warnings.
func WriteText(w io.Writer, r *Result, slo SLO) {
	fmt.Fprintf(w, "\n%s: %s %.6g/s for %s over %d connections", r.Name, r.Arrival, r.Rate, r.Duration, r.Connections)
	if r.Interrupted {
		fmt.Fprintf(w, " (interrupted after %s)", fmtDur(r.Elapsed))
	}
	fmt.Fprintln(w)
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-10s %s\n", label, fmt.Sprintf(format, args...))
	}
	line("requests", "%d (%d errors, %.3g%%)", r.Requests, r.Errors, 100*r.ErrorRate())
	line("achieved", "%.1f/s of %.6g/s offered", r.AchievedRate(), r.Rate)
	line("latency", "%s (from each request's scheduled time)", percentileLine(r.Latency))
	if r.Errors > 0 {
		line("errors", "timeout %d (expired unsent %d), http %d, transport %d", r.Timeouts, r.Expired, r.HTTPErrors, r.TransportErrors)
	}
	if len(r.Status) > 0 {
		line("status", "%s", statusLine(r.Status))
	}
	line("generator", "dispatch lag p99 %s max %s; connection wait p99 %s max %s; CPU %.0f%% of GOMAXPROCS %d, %.1f µs per request",
		fmtDur(quantile(r.Lag, 99)), fmtDur(quantile(r.Lag, 100)), fmtDur(quantile(r.Wait, 99)), fmtDur(quantile(r.Wait, 100)),
		100*r.CPUBusy, r.Procs, float64(r.CPUPerRequest())/1e3)
	if len(r.Scenarios) > 1 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  scenario\tweight\trequests\terrors\tp50\tp90\tp99\tp99.9\tmax\tstatus\t")
		for _, s := range r.Scenarios {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Name, s.Weight, s.Requests, s.Errors,
				fmtDur(quantile(s.Latency, 50)), fmtDur(quantile(s.Latency, 90)), fmtDur(quantile(s.Latency, 99)),
				fmtDur(quantile(s.Latency, 99.9)), fmtDur(quantile(s.Latency, 100)), statusLine(s.Status))
		}
		_ = tw.Flush()
	}
	if len(slo) > 0 {
		if v := slo.Check(r); len(v) > 0 {
			fmt.Fprintf(w, "\n  SLO %s: VIOLATED: %s\n", slo, strings.Join(violationStrings(v), "; "))
		} else {
			fmt.Fprintf(w, "\n  SLO %s: met\n", slo)
		}
	}
	for _, warn := range r.Warnings() {
		fmt.Fprintf(w, "\n  warning: %s\n", warn)
	}
}

// WriteFindMaxText prints a find-max search: one line per step, then the verdict.
func WriteFindMaxText(w io.Writer, f *FindMaxResult) {
	fmt.Fprintf(w, "\nfind-max against SLO %s\n", f.SLO)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  offered/s\tachieved/s\trequests\terrors\tp50\tp99\tp99.9\tmax\tverdict\t")
	for _, s := range f.Steps {
		r := s.Result
		fmt.Fprintf(tw, "  %.6g\t%.1f\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", s.Rate, r.AchievedRate(), r.Requests, r.Errors,
			fmtDur(r.Quantile(50)), fmtDur(r.Quantile(99)), fmtDur(r.Quantile(99.9)), fmtDur(r.Quantile(100)), stepVerdict(s))
	}
	_ = tw.Flush()
	switch {
	case f.Max == 0:
		fmt.Fprintf(w, "\n  no rate met the SLO (the first step, %.6g/s, already failed)\n", firstRate(f))
	case f.LimitedBy == "generator":
		fmt.Fprintf(w, "\n  highest sustainable rate: at least %.6g/s — the generator could not offer more from this machine\n", f.Max)
	default:
		fmt.Fprintf(w, "\n  highest sustainable rate: %.6g/s (search ended by: %s)\n", f.Max, f.LimitedBy)
	}
}

func stepVerdict(s Step) string {
	switch {
	case s.Result.Interrupted:
		return "interrupted"
	case s.GeneratorBehind:
		return "generator behind"
	case len(s.Violations) > 0:
		return "fail: " + strings.Join(violationStrings(s.Violations), "; ")
	}
	return "pass"
}

func firstRate(f *FindMaxResult) float64 {
	if len(f.Steps) == 0 {
		return 0
	}
	return f.Steps[0].Rate
}

func percentileLine(h *hdrhistogram.Histogram) string {
	if h.TotalCount() == 0 {
		return "no requests finished"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
		fmtDur(usToDuration(h.ValueAtQuantile(50))), fmtDur(usToDuration(h.ValueAtQuantile(90))),
		fmtDur(usToDuration(h.ValueAtQuantile(99))), fmtDur(usToDuration(h.ValueAtQuantile(99.9))), fmtDur(usToDuration(h.Max())))
}

func statusLine(m map[int]uint64) string {
	var b strings.Builder
	for i, c := range sortedCodes(m) {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%d:%d", c, m[c])
	}
	return b.String()
}

// ProgressPrinter returns a Config.Progress that prints one line a second to w:
//
//	3s  sent 1000/s  done 1000/s  p50 0.081ms  p99 0.190ms  max 2.42ms  errors 0  queued 0
func ProgressPrinter(w io.Writer) func(Interval) {
	return func(iv Interval) {
		lag := ""
		if iv.MaxLag > 10*time.Millisecond {
			lag = "  generator late " + fmtDur(iv.MaxLag)
		}
		fmt.Fprintf(w, "%6.1fs  sent %.0f/s  done %.0f/s  p50 %s  p99 %s  max %s  errors %d  queued %d%s\n",
			iv.Elapsed.Seconds(), iv.SentRate(), iv.DoneRate(), fmtDur(iv.P50), fmtDur(iv.P99), fmtDur(iv.Max), iv.Errors, iv.Queued, lag)
	}
}
