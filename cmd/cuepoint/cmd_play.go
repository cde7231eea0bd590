package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/loadtest"
	"github.com/cuepoint/cuepoint/player"
)

const playSummary = "Play an HLS stream with the headless player and print its QoE; or measure session start under open-loop load (--sessions)."

func init() {
	register(command{name: "play", summary: playSummary, run: runPlay})
}

func runPlay(ctx context.Context, args []string) error {
	return playMain(ctx, args, os.Stdout, os.Stderr)
}

// playFlags are the play command's settings.
type playFlags struct {
	source, ssai, uid, content, beacons, entry string
	watch, timeout                             time.Duration
	bandwidth, startBandwidth                  int64
	collectorURL, sender, secretFile           string
	verbose                                    bool
	output                                     string

	sessions, connections int
	rate                  float64
	arrival               string
	sloSpec               string
	sources               []string
	seed                  uint64
	progress              bool
}

// playMain is the command with its outputs injected (tests run it in process).
func playMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := config.NewFlagSet("play", playSummary+`

One session:  cuepoint play [flags] URL     (a master playlist, or an SSAI /v1/sessions?source=… URL)
              cuepoint play --source demo   (POST /v1/sessions on --ssai)
Budget run:   cuepoint play --sessions 1500 --rate 25   (new viewers, open loop, each timed from
              session start to first segment downloaded; per-stage percentiles). See docs/player.md.`)
	fs.AllowArgs()
	var f playFlags
	fs.StringVar(&f.source, "source", "", "SSAI source to start a session of (POST /v1/sessions on --ssai) instead of a URL")
	fs.StringVar(&f.ssai, "ssai", "http://127.0.0.1:8083", "SSAI service base URL for --source and --sessions")
	fs.StringVar(&f.uid, "uid", "", "viewer id of the session (default: a new one)")
	fs.StringVar(&f.content, "content", "", "content id for the session and QoE events")
	fs.StringVar(&f.beacons, "beacons", "", "beaconing mode asked of SSAI: server or client (the player fires the tracking URLs)")
	fs.StringVar(&f.entry, "entry", loadtest.EntrySessions, "how --sessions start: sessions (POST /v1/sessions) or master (GET /ssai/{source}/master.m3u8)")
	fs.DurationVar(&f.watch, "watch", 0, "stop after this much playback (0: a VOD to its end, live until Ctrl-C)")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Second, "deadline of each request (--sessions: of each session, from its scheduled start)")
	fs.Int64Var(&f.bandwidth, "bandwidth", 0, "simulated network cap in bits/s (0: none)")
	fs.Int64Var(&f.startBandwidth, "start-bandwidth", 1_000_000, "throughput estimate before the first segment, bits/s (picks the first variant)")
	fs.StringVar(&f.collectorURL, "collector", "", "send QoE to this collector (http://127.0.0.1:8088/v1/events), signed as --sender")
	fs.StringVar(&f.sender, "sender", "dev", "collector sender id")
	fs.StringVar(&f.secretFile, "secret-file", ".cuepoint/collector-dev-secret", "file holding the sender's secret in hex (cuepoint dev writes <root>/collector-dev-secret)")
	fs.BoolVar(&f.verbose, "verbose", false, "print every segment")
	fs.StringVar(&f.output, "output", "text", "text or json")
	fs.IntVar(&f.sessions, "sessions", 0, "budget run: this many new sessions, open loop at --rate")
	fs.Float64Var(&f.rate, "rate", 25, "budget run: new sessions per second")
	fs.IntVar(&f.connections, "connections", 256, "budget run: concurrent sessions (workers)")
	fs.StringVar(&f.arrival, "arrival", "constant", "budget run: constant or poisson")
	fs.StringVar(&f.sloSpec, "slo", "", `budget run: objectives on session start to first segment, e.g. "p99=100ms,errors=0.1%"; exit 1 when missed`)
	srcs := fs.StringList("sources", []string{"demo"}, "budget run: SSAI sources, interleaved at equal shares with a stage table each (e.g. demo,demo-cue-out: a live baseline without preroll)")
	fs.Uint64Var(&f.seed, "seed", 1, "budget run: seed of viewer ids and Poisson gaps")
	fs.BoolVar(&f.progress, "progress", true, "budget run: progress line every second on stderr")

	var slo loadtest.SLO
	var arr loadtest.Arrival
	usage := func(setting string, err error) error { return &config.UsageError{Setting: setting, Err: err} }
	fs.Check(func() (err error) {
		switch {
		case f.output != "text" && f.output != "json":
			return usage("output", fmt.Errorf("want text or json, got %q", f.output))
		case f.beacons != "" && f.beacons != "server" && f.beacons != "client":
			return usage("beacons", fmt.Errorf("want server or client, got %q", f.beacons))
		case f.entry != loadtest.EntrySessions && f.entry != loadtest.EntryMaster:
			return usage("entry", fmt.Errorf("want sessions or master, got %q", f.entry))
		case f.timeout <= 0:
			return usage("timeout", fmt.Errorf("must be positive, got %s", f.timeout))
		case f.bandwidth < 0 || f.startBandwidth <= 0:
			return usage("bandwidth", errors.New("must be ≥ 0 (start-bandwidth > 0)"))
		case f.sessions < 0:
			return usage("sessions", fmt.Errorf("must be ≥ 0, got %d", f.sessions))
		case f.sessions > 0 && (!(f.rate > 0) || f.rate > 10_000):
			return usage("rate", fmt.Errorf("must be in (0, 10000], got %g", f.rate))
		case f.connections < 1 || f.connections > loadtest.MaxConnections:
			return usage("connections", fmt.Errorf("must be in [1, %d]", loadtest.MaxConnections))
		}
		if slo, err = loadtest.ParseSLO(f.sloSpec); err != nil {
			return usage("slo", err)
		}
		if arr, err = loadtest.ParseArrival(f.arrival); err != nil {
			return usage("arrival", err)
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	f.sources = *srcs
	if f.sessions > 0 {
		if fs.NArg() > 0 {
			return usage("sessions", errors.New("a budget run starts sessions on --ssai; give no URL"))
		}
		return playBudget(ctx, f, arr, slo, stdout, stderr)
	}

	var entry string
	switch {
	case fs.NArg() == 1 && f.source == "":
		entry = fs.Arg(0)
	case fs.NArg() == 0 && f.source != "":
		uid := f.uid
		if uid == "" {
			uid = fmt.Sprintf("play-%d", time.Now().UnixNano())
		}
		entry = player.SessionsURL(f.ssai, player.SessionRequest{Source: f.source, UID: uid, Content: f.content, Beacons: f.beacons})
	default:
		return usage("source", errors.New("give one URL or --source NAME"))
	}
	opts := []player.Option{player.WithTimeout(f.timeout), player.WithStartBandwidth(f.startBandwidth), player.WithWatchTime(f.watch)}
	if f.bandwidth > 0 {
		opts = append(opts, player.WithBandwidth(f.bandwidth))
	}
	if f.content != "" {
		opts = append(opts, player.WithContent(f.content))
	}
	if f.verbose {
		opts = append(opts, player.WithSegmentHook(func(s player.SegmentInfo) {
			ad := ""
			if s.InAvail != "" {
				ad = " ad:" + s.InAvail
			}
			fmt.Fprintf(stderr, "%-5s v%d seq %-5d at %8.3fs %6.3fs %8d B in %s%s %s\n", s.Track, s.Variant, s.Sequence,
				s.MediaTime.Seconds(), s.Duration.Seconds(), s.Bytes, s.Took.Round(time.Microsecond), ad, s.URI)
		}))
	}
	var em *player.CollectorEmitter
	if f.collectorURL != "" {
		raw, err := os.ReadFile(f.secretFile)
		if err != nil {
			return usage("secret-file", err)
		}
		secret, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(secret) < 32 {
			return usage("secret-file", errors.New("want at least 32 bytes in hex"))
		}
		em = player.NewCollectorEmitter(f.collectorURL, f.sender, secret, 0)
		opts = append(opts, player.WithEmitter(em))
	}
	p := player.New(opts...)
	defer p.Close()
	res, err := p.Play(ctx, entry)
	if em != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if cerr := em.Close(cctx); cerr != nil {
			fmt.Fprintf(stderr, "play: collector: %v\n", cerr)
		}
		cancel()
		st := em.Stats()
		fmt.Fprintf(stderr, "play: collector accepted %d QoE events, rejected %d, dropped %d %s\n", st.Accepted, st.Rejected, st.Dropped, st.LastError)
	}
	if f.output == "json" {
		if werr := loadtest.WriteJSON(stdout, res); werr != nil {
			return werr
		}
	} else {
		writePlayText(stdout, res)
	}
	return err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

// writePlayText prints one session's result for people.
func writePlayText(w io.Writer, r *player.Result) {
	st := r.Startup
	fmt.Fprintf(w, "session    %s\n", r.Info.ManifestURL)
	if r.Info.RequestID != "" {
		fmt.Fprintf(w, "request id %s\n", r.Info.RequestID)
	}
	fmt.Fprintf(w, "startup    session %s, master %s, media %s, first segment %s → first segment at %s, playback at %s\n",
		ms(st.Session), ms(st.Master), ms(st.Media), ms(st.FirstSegment), ms(st.ToFirstSegment), ms(st.ToPlayback))
	fmt.Fprintf(w, "played     %s watched in %s (ended %v), %d segments, %.1f MB, %d discontinuities, %d reloads\n",
		r.WatchTime.Round(time.Millisecond), r.Duration.Round(time.Millisecond), r.Ended, r.Segments, float64(r.Bytes)/1e6, r.Discontinuities, r.Reloads)
	fmt.Fprintf(w, "qoe        %d rebuffers (%s), %d bitrate switches, %d errors %s\n", r.Rebuffers, r.RebufferTime.Round(time.Millisecond), r.Switches, r.Errors, r.LastError)
	fmt.Fprintf(w, "ads        %d avails, %d ad segments, %d tracking events reached, %d before the join skipped\n", r.Avails, r.AdSegments, len(r.Beacons), r.BeaconsSkipped)
	for _, b := range r.Beacons {
		fmt.Fprintf(w, "  %-14s avail %s ad %s at %.2fs (fired %d URLs, %d failed)\n", b.Event, b.Avail, b.Ad, b.MediaTime.Seconds(), b.URLs, b.Failed)
	}
}

// budgetPlayer plugs the headless player into the load generator and keeps every session's
// startup stages: in its source's stats and in the run's.
type budgetPlayer struct {
	p     *player.Player
	stats []*player.StartupStats
}

func (b *budgetPlayer) Play(uri string, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	res, err := b.p.Play(ctx, uri)
	for _, s := range b.stats {
		s.Record(res, err)
	}
	var se *player.StatusError
	if errors.As(err, &se) {
		return &loadtest.StatusError{Code: se.Code, URL: se.URL}
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// budgetStages is one source's (or the whole run's) startup stages.
type budgetStages struct {
	Source   string                `json:"source,omitempty"`
	Stages   []player.StageSummary `json:"stages"`
	Sessions int                   `json:"sessions"`
	Failed   int                   `json:"failed"`
}

func summarizeStages(source string, st *player.StartupStats) budgetStages {
	stages, n, failed := st.Summary()
	return budgetStages{Source: source, Stages: stages, Sessions: n, Failed: failed}
}

// playBudget runs --sessions new sessions open loop and reports session start to first segment
// with each stage. The sources are interleaved at equal shares, one scenario each, so a run with
// a baseline source (e.g. --sources demo,demo-cue-out: a VOD whose preroll is decided at session
// start, and a live channel with no preroll) compares them under the same load.
func playBudget(ctx context.Context, f playFlags, arr loadtest.Arrival, slo loadtest.SLO, stdout, stderr io.Writer) error {
	p := player.New(player.WithStartupOnly(), player.WithConnections(f.connections), player.WithTimeout(f.timeout),
		player.WithStartBandwidth(f.startBandwidth))
	defer p.Close()
	all := player.NewStartupStats()
	per := make([]*player.StartupStats, len(f.sources))
	var mix []loadtest.Weighted
	pool := (f.sessions + len(f.sources) - 1) / len(f.sources)
	for i, src := range f.sources {
		per[i] = player.NewStartupStats()
		bp := &budgetPlayer{p: p, stats: []*player.StartupStats{all, per[i]}}
		s, err := loadtest.PlayerSessions(f.ssai, loadtest.Options{Seed: f.seed + uint64(i)<<32, Pool: pool, SSAISources: []string{src}, Player: bp}, f.entry)
		if err != nil {
			return &config.UsageError{Setting: "ssai", Err: err}
		}
		s.Name = "player:" + src
		mix = append(mix, loadtest.Weighted{Scenario: s, Weight: 1})
	}
	cfg := loadtest.Config{
		Name: "player", Mix: mix, Rate: f.rate,
		Duration: time.Duration(float64(f.sessions) / f.rate * float64(time.Second)),
		Arrival:  arr, Connections: f.connections, Timeout: f.timeout, Seed: f.seed,
	}
	if f.progress {
		cfg.Progress = loadtest.ProgressPrinter(stderr)
	}
	fmt.Fprintf(stderr, "play: %d new sessions of %s at %g/s via %s on %s\n", f.sessions, strings.Join(f.sources, ","), f.rate, f.entry, f.ssai)
	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return err
	}
	total := summarizeStages("", all)
	var sources []budgetStages
	for i, src := range f.sources {
		sources = append(sources, summarizeStages(src, per[i]))
	}
	if f.output == "json" {
		out := struct {
			Run loadtest.Summary `json:"run"`
			budgetStages
			Sources []budgetStages `json:"sources"`
		}{loadtest.Summarize(res, slo, false), total, sources}
		if err := loadtest.WriteJSON(stdout, out); err != nil {
			return err
		}
	} else {
		loadtest.WriteText(stdout, res, slo)
		tables := []budgetStages{total}
		if len(sources) > 1 {
			tables = append(tables, sources...)
		}
		for _, t := range tables {
			name := "every source"
			if t.Source != "" {
				name = t.Source
			}
			fmt.Fprintf(stdout, "\nsession start to first segment by stage, %s (%d sessions, %d failed before their first segment; on the player's clock):\n", name, t.Sessions, t.Failed)
			fmt.Fprintf(stdout, "  %-17s %8s %9s %9s %9s %9s\n", "stage", "count", "p50 ms", "p90 ms", "p99 ms", "max ms")
			for _, st := range t.Stages {
				fmt.Fprintf(stdout, "  %-17s %8d %9.2f %9.2f %9.2f %9.2f\n", st.Stage, st.Count, st.P50, st.P90, st.P99, st.Max)
			}
		}
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
