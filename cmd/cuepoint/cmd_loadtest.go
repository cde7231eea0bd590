package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/loadtest"
)

const loadtestSummary = "Open-loop load test of a Cuepoint service or any URL (exit 1 when --slo is violated)."

func init() {
	register(command{name: "loadtest", summary: loadtestSummary, run: runLoadtest})
}

func runLoadtest(ctx context.Context, args []string) error {
	return loadtestMain(ctx, args, os.Stdout, os.Stderr)
}

// loadtestMain is the whole command with its outputs injected: the summary goes to stdout,
// progress and step lines to stderr, so `--output json | jq` works.
func loadtestMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := config.NewFlagSet("loadtest", loadtestSummary+`

Requests are scheduled at the arrival rate whatever the target does, and each one's latency is
measured from its scheduled time: a stalling target shows in the percentiles (no coordinated
omission). See docs/loadtest.md.`)
	target := fs.String("target", "", "base URL of the service; or name=URL,... per scenario; default each service's port on 127.0.0.1 (required for --scenario url)")
	scenario := fs.String("scenario", "url", "workload: "+strings.Join(loadtest.ScenarioNames, "|")+" (url: plain GET of --target)")
	rate := fs.Float64("rate", 100, "offered requests per second (find-max: the first step)")
	duration := fs.Duration("duration", 10*time.Second, "how long to send (find-max: each step)")
	connections := fs.Int("connections", 64, "connections (workers); a target answering in L needs about rate×L")
	arrival := fs.String("arrival", "constant", "arrival process: constant|poisson")
	timeout := fs.Duration("timeout", 2*time.Second, "per-request deadline, counted from the scheduled time")
	output := fs.String("output", "text", "summary format: text|json|html")
	report := fs.String("report", "loadtest-report.html", "file --output html writes")
	sloSpec := fs.String("slo", "", `objectives, e.g. "p99=5ms,p999=20ms,errors=0.1%"; exit code 1 when violated`)
	findMax := fs.Bool("find-max", false, "ramp the rate by --find-max-factor until --slo breaks; report the highest sustainable rate")
	factor := fs.Float64("find-max-factor", 1.25, "rate multiplier between find-max steps")
	mixSpec := fs.String("mix", "", "proportions for --scenario mixed, e.g. bidder=60,recs=40 (default "+loadtest.FormatMix(loadtest.DefaultMix)+")")
	seed := fs.Uint64("seed", 1, "seed of the generated payloads and Poisson gaps")
	pool := fs.Int("pool", 2048, "distinct pre-built requests per scenario")
	sources := fs.StringList("ssai-sources", []string{"demo"}, "SSAI sources for /ssai/{source}/master.m3u8")
	liveSessions := fs.Int("live-sessions", 5000, "sessions --scenario ssai-live starts (of the first --ssai-sources, a live source) before refreshing their media playlists")
	progress := fs.Bool("progress", true, "print a progress line every second to stderr")
	procs := fs.Int("procs", 0, fmt.Sprintf("GOMAXPROCS of the generator: 0 picks one per %d requests/s offered (unless $GOMAXPROCS is set); fewer cost less CPU per request and leave the other cores to the target", loadtest.ProcsRate))

	var (
		arr     loadtest.Arrival
		slo     loadtest.SLO
		targets map[string]string
		weights map[string]int
	)
	usage := func(setting string, err error) error { return &config.UsageError{Setting: setting, Err: err} }
	fs.Check(func() (err error) {
		switch {
		case !slices.Contains(loadtest.ScenarioNames, *scenario):
			return usage("scenario", fmt.Errorf("unknown scenario %q (want %s)", *scenario, strings.Join(loadtest.ScenarioNames, ", ")))
		case !(*rate > 0) || *rate > loadtest.MaxRate:
			return usage("rate", fmt.Errorf("must be in (0, %d], got %g", loadtest.MaxRate, *rate))
		case *duration <= 0:
			return usage("duration", fmt.Errorf("must be positive, got %s", *duration))
		case *connections < 1 || *connections > loadtest.MaxConnections:
			return usage("connections", fmt.Errorf("must be in [1, %d], got %d", loadtest.MaxConnections, *connections))
		case *timeout <= 0 || *timeout > loadtest.MaxTimeout:
			return usage("timeout", fmt.Errorf("must be in (0, %s], got %s", loadtest.MaxTimeout, *timeout))
		case *output != "text" && *output != "json" && *output != "html":
			return usage("output", fmt.Errorf("want text, json or html, got %q", *output))
		case !(*factor > 1):
			return usage("find-max-factor", fmt.Errorf("must be > 1, got %g", *factor))
		case *procs < 0 || *procs > loadtest.MaxProcs:
			return usage("procs", fmt.Errorf("must be in [0, %d], got %d", loadtest.MaxProcs, *procs))
		case *pool < 1 || *pool > 1<<20:
			return usage("pool", fmt.Errorf("must be in [1, %d], got %d", 1<<20, *pool))
		}
		if arr, err = loadtest.ParseArrival(*arrival); err != nil {
			return usage("arrival", err)
		}
		if slo, err = loadtest.ParseSLO(*sloSpec); err != nil {
			return usage("slo", err)
		}
		if *findMax && len(slo) == 0 {
			return usage("find-max", fmt.Errorf("needs --slo to know when to stop"))
		}
		if targets, err = loadtest.ParseTargets(*target); err != nil {
			return usage("target", err)
		}
		if *scenario == "url" && targets["*"] == "" {
			return usage("target", fmt.Errorf("--scenario url needs --target URL"))
		}
		if *mixSpec != "" {
			if *scenario != "mixed" {
				return usage("mix", fmt.Errorf("only applies to --scenario mixed"))
			}
			if weights, err = loadtest.ParseMix(*mixSpec); err != nil {
				return usage("mix", err)
			}
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}

	opts := loadtest.Options{Seed: *seed, Pool: *pool, SSAISources: *sources, Connections: *connections, LiveSessions: *liveSessions}
	var mix []loadtest.Weighted
	switch *scenario {
	case "mixed":
		if weights == nil {
			weights = loadtest.DefaultMix
		}
		resolved := map[string]string{}
		for name := range weights {
			resolved[name] = loadtest.TargetFor(targets, name)
		}
		var err error
		if mix, err = loadtest.BuildMix(weights, resolved, opts); err != nil {
			return usage("target", err)
		}
	case "url":
		mix = []loadtest.Weighted{{Scenario: loadtest.URL(targets["*"]), Weight: 1}}
	default:
		s, err := loadtest.Build(*scenario, loadtest.TargetFor(targets, *scenario), opts)
		if err != nil {
			return usage("target", err)
		}
		mix = []loadtest.Weighted{{Scenario: s, Weight: 1}}
	}
	cfg := loadtest.Config{
		Name: *scenario, Mix: mix, Rate: *rate, Duration: *duration, Arrival: arr,
		Connections: *connections, Timeout: *timeout, Seed: *seed, Procs: *procs,
	}
	if *procs == 0 && os.Getenv("GOMAXPROCS") == "" {
		cfg.Procs = loadtest.AutoProcs
	}
	if *progress {
		cfg.Progress = loadtest.ProgressPrinter(stderr)
	}
	for _, w := range mix {
		fmt.Fprintf(stderr, "loadtest: %s → %s (weight %d, %d distinct requests)\n", w.Scenario.Name, w.Scenario.Target, w.Weight, len(w.Scenario.Requests))
	}

	if *findMax {
		return loadtestFindMax(ctx, cfg, slo, *factor, *output, *report, stdout, stderr)
	}
	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return err
	}
	switch *output {
	case "json":
		if err := loadtest.WriteJSON(stdout, loadtest.Summarize(res, slo, false)); err != nil {
			return err
		}
	case "html":
		if err := writeReport(*report, func(w io.Writer) error { return loadtest.WriteHTML(w, res, slo) }); err != nil {
			return err
		}
		loadtest.WriteText(stdout, res, slo)
		fmt.Fprintf(stdout, "\nreport: %s\n", *report)
	default:
		loadtest.WriteText(stdout, res, slo)
	}
	if v := slo.Check(res); len(v) > 0 {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = x.String()
		}
		return &exitError{code: 1, err: fmt.Errorf("SLO %s violated: %s", slo, strings.Join(parts, "; "))}
	}
	return nil
}

func loadtestFindMax(ctx context.Context, cfg loadtest.Config, slo loadtest.SLO, factor float64, output, report string, stdout, stderr io.Writer) error {
	cfg.Progress = nil // one line per step instead
	fmt.Fprintf(stderr, "loadtest: find-max from %.6g/s ×%g, %s per step, SLO %s\n", cfg.Rate, factor, cfg.Duration, slo)
	f, err := loadtest.FindMax(ctx, cfg, slo, loadtest.FindMaxOptions{
		Factor: factor,
		OnStep: func(s loadtest.Step) {
			verdict := "pass"
			if !s.Pass() {
				verdict = "fail"
			}
			fmt.Fprintf(stderr, "  %10.6g/s  achieved %.1f/s  p99 %s  errors %d  %s\n", s.Rate, s.Result.AchievedRate(), s.Result.Quantile(99).Round(10*time.Microsecond), s.Result.Errors, verdict)
		},
	})
	if err != nil {
		return err
	}
	switch output {
	case "json":
		if err := loadtest.WriteJSON(stdout, loadtest.SummarizeFindMax(f)); err != nil {
			return err
		}
	case "html":
		if err := writeReport(report, func(w io.Writer) error { return loadtest.WriteFindMaxHTML(w, f) }); err != nil {
			return err
		}
		loadtest.WriteFindMaxText(stdout, f)
		fmt.Fprintf(stdout, "\nreport: %s\n", report)
	default:
		loadtest.WriteFindMaxText(stdout, f)
	}
	if f.Max == 0 {
		return &exitError{code: 1, err: fmt.Errorf("no rate met the SLO %s", slo)}
	}
	return nil
}

func writeReport(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
