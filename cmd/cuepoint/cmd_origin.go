package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cuepoint/cuepoint/analytics/collector"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin"
	"github.com/cuepoint/cuepoint/origin/live"
	"github.com/cuepoint/cuepoint/origin/packager"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

const originSummary = "Serve HLS: packaged VOD assets, simulated live channels with SCTE-35 ad cues, and the web player."

func init() {
	register(command{name: "origin", summary: originSummary, run: runOrigin})
	registerDev(devService{name: "origin", port: 8084, order: 20, start: startOriginDev, links: []devLink{
		{"assets", "/v1/assets"}, {"live channels", "/v1/channels"},
		{"demo VOD", "/vod/demo/master.m3u8"}, {"demo live (DATERANGE)", "/live/demo-daterange/master.m3u8"},
		{"player", "/player/"},
	}})
}

// defaultChannels loop the demo asset once per ad-marker format.
var defaultChannels = []string{"demo-cue-out=demo:cue-out", "demo-daterange=demo:daterange", "demo-oatcls=demo:oatcls"}

// originFlags are the origin's settings, shared by `cuepoint origin` and `cuepoint dev`.
type originFlags struct {
	mediaRoot     string
	playerDir     string
	channels      *config.StringList
	window        int
	epoch         string
	breakOffset   time.Duration
	breakEvery    time.Duration
	breakDuration time.Duration
	cueLead       time.Duration

	// The web player's config (GET /player/config.json): service URLs as browsers reach them,
	// and the collector sender whose secret mints each page's token.
	playerSSAI, playerRecs, playerCollector string
	playerSenders, playerSender             string
	playerPageOrigins                       *config.StringList
	playerTokenTTL                          time.Duration

	parsed []live.Config
	player *origin.PlayerConfig
}

func (f *originFlags) register(fs *config.FlagSet) {
	fs.StringVar(&f.mediaRoot, "media-root", ".cuepoint/media", "directory of packaged assets (<media-root>/<asset>/master.m3u8), served at /vod/<asset>/")
	fs.StringVar(&f.playerDir, "player-dir", "web/player/dist", "the web player's build, served at /player/")
	f.channels = fs.StringList("channels", defaultChannels, "live channels, comma-separated name=asset:format; format is cue-out, daterange or oatcls")
	fs.IntVar(&f.window, "live-window", 10, "segments in each live media playlist")
	fs.StringVar(&f.epoch, "live-epoch", live.DefaultEpoch.Format(time.RFC3339), "when media sequence 0 of every channel started (RFC 3339); the same on every origin")
	fs.DurationVar(&f.breakOffset, "break-offset", time.Minute, "media time from the epoch to the first ad break")
	fs.DurationVar(&f.breakEvery, "break-every", 2*time.Minute, "one ad break every")
	fs.DurationVar(&f.breakDuration, "break-duration", 30*time.Second, "ad break length (rounded up to whole segments)")
	fs.DurationVar(&f.cueLead, "cue-lead", 8*time.Second, "how far ahead of a break its EXT-X-DATERANGE cue appears at the live edge")
	fs.StringVar(&f.playerSSAI, "player-ssai-url", "", "the SSAI service's base URL as browsers reach it, for the web player (empty: the player plays the origin's own playlists)")
	fs.StringVar(&f.playerRecs, "player-recs-url", "", "the recs service's base URL as browsers reach it, for the web player's row (empty: no row)")
	fs.StringVar(&f.playerCollector, "player-collector-url", "", "the event collector's base URL (the dashboard server) as browsers reach it, for the web player's QoE and recs reports (empty: none)")
	fs.StringVar(&f.playerSenders, "player-senders", "", "the collector's senders file (as the dashboard's --senders) holding --player-sender's secret; required with --player-collector-url")
	fs.StringVar(&f.playerSender, "player-sender", "web-player", "the collector sender the web player's tokens are minted for (families playback and recs)")
	f.playerPageOrigins = fs.StringList("player-page-origins", nil, "origins (scheme://host[:port]) the player page may be served from; empty: the one each request names in its Host")
	fs.DurationVar(&f.playerTokenTTL, "player-token-ttl", origin.DefaultPlayerTokenTTL, "how long a player page's collector token is valid (at most 4h)")
	fs.Check(func() error {
		if err := f.playerConfig(); err != nil {
			return err
		}
		epoch, err := time.Parse(time.RFC3339, f.epoch)
		if err != nil {
			return &config.UsageError{Setting: "live-epoch", Err: err}
		}
		sched := live.Schedule{Offset: f.breakOffset, Every: f.breakEvery, Duration: f.breakDuration, Lead: f.cueLead}
		for _, spec := range *f.channels {
			c, err := parseChannel(spec)
			if err != nil {
				return &config.UsageError{Setting: "channels", Err: err}
			}
			c.Window, c.Epoch, c.Breaks = f.window, epoch.UTC(), sched
			f.parsed = append(f.parsed, c)
		}
		return nil
	})
}

// parseChannel reads name=asset:format.
func parseChannel(spec string) (live.Config, error) {
	name, rest, ok1 := strings.Cut(spec, "=")
	asset, format, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || name == "" || asset == "" {
		return live.Config{}, fmt.Errorf("channel %q: want name=asset:format, e.g. news=demo:daterange", spec)
	}
	f, err := scte35.ParseFormat(format)
	if err != nil {
		return live.Config{}, fmt.Errorf("channel %q: %w", spec, err)
	}
	return live.Config{Name: name, Asset: asset, Format: f}, nil
}

// playerConfig builds the web player's config from the player flags.
func (f *originFlags) playerConfig() error {
	if f.playerSSAI == "" && f.playerRecs == "" && f.playerCollector == "" {
		return nil
	}
	p := &origin.PlayerConfig{SSAIURL: strings.TrimSuffix(f.playerSSAI, "/"), RecsURL: strings.TrimSuffix(f.playerRecs, "/"),
		CollectorURL: strings.TrimSuffix(f.playerCollector, "/"), PageOrigins: *f.playerPageOrigins, TokenTTL: f.playerTokenTTL}
	if p.CollectorURL != "" {
		if f.playerSenders == "" {
			return &config.UsageError{Setting: "player-senders", Err: errors.New("required with --player-collector-url: the collector's senders file with --player-sender's secret")}
		}
		senders, err := collector.LoadSenders(f.playerSenders)
		if err != nil {
			return &config.UsageError{Setting: "player-senders", Err: err}
		}
		i := slices.IndexFunc(senders, func(s collector.Sender) bool { return s.ID == f.playerSender })
		if i < 0 {
			return &config.UsageError{Setting: "player-sender", Err: fmt.Errorf("no sender %q in %s", f.playerSender, f.playerSenders)}
		}
		p.Sender = senders[i]
	}
	if err := p.Validate(); err != nil {
		return &config.UsageError{Setting: "player-ssai-url", Err: err}
	}
	f.player = p
	return nil
}

func (f *originFlags) config(log *slog.Logger) origin.Config {
	return origin.Config{MediaRoot: f.mediaRoot, PlayerDir: playerDir(f.playerDir), Player: f.player, Channels: f.parsed, Logger: log}
}

// playerDir returns dir, or for the default relative web/player/dist when the working directory
// has none, the build in the nearest checkout above it (as the dashboard finds its front end).
func playerDir(dir string) string {
	if dir != "web/player/dist" {
		return dir
	}
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	return findWebRoot("player")
}

func runOrigin(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("origin", originSummary+`

Package assets into --media-root with 'cuepoint package'; 'cuepoint package --demo 60s
<media-root>/demo' makes the demo asset the default channels loop. See docs/origin.md.`)
	addr := fs.String("addr", ":8084", "listen address")
	var of originFlags
	of.register(fs)
	newLog := logging.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	o, err := origin.New(of.config(log))
	if err != nil {
		return err
	}
	srv := server.New("origin", *addr, server.WithLogger(log))
	o.Mount(srv)
	return server.Run(ctx, log, srv)
}

// startOriginDev serves the origin from <root>/media and packages the demo asset there in the
// background the first time (readiness reports it until then; the demo channels answer 503).
func startOriginDev(ctx context.Context, env *devEnv) (*server.Server, error) {
	fs := config.NewFlagSet("origin", originSummary)
	var of originFlags
	of.register(fs)
	if err := fs.Parse(nil); err != nil {
		return nil, err
	}
	of.mediaRoot = filepath.Join(env.root, "media")
	// The web player reaches every dev service on this machine, and reports through the dev
	// collector sender (the page's tokens are minted with its secret).
	sender, err := devCollectorSender(env)
	if err != nil {
		return nil, err
	}
	of.player = &origin.PlayerConfig{SSAIURL: env.url(8083), RecsURL: env.url(8085), CollectorURL: env.url(dashboardPort), Sender: sender}
	log := env.log.With("service", "origin")
	o, err := origin.New(of.config(log))
	if err != nil {
		return nil, err
	}
	srv := server.New("origin", env.addr(8084), server.WithLogger(env.log), server.WithAdminToken(env.adminToken))
	o.Mount(srv)
	var demoErr atomic.Pointer[error]
	pending := errors.New("demo asset is being packaged")
	demoErr.Store(&pending)
	srv.Ready("demo-asset", func(context.Context) error { return *demoErr.Load() })
	go func() {
		err := ensureDemoAsset(ctx, filepath.Join(of.mediaRoot, "demo"), log)
		if err != nil && ctx.Err() == nil {
			log.Error("demo asset", "err", err)
			err = fmt.Errorf("demo asset: %w", err)
		}
		demoErr.Store(&err)
	}()
	return srv, nil
}

// ensureDemoAsset packages 60 s of demo content with the default ladder unless it is there.
func ensureDemoAsset(ctx context.Context, dir string, log *slog.Logger) error {
	if _, err := packager.ReadAsset(dir); err == nil {
		return nil
	}
	tools := packager.Tools{}
	if err := tools.Check(); err != nil {
		return err
	}
	began := time.Now()
	log.Info("packaging the demo asset (first run only)", "dir", dir)
	mezz := filepath.Join(filepath.Dir(dir), ".demo-mezzanine.mp4")
	defer os.Remove(mezz)
	if err := packager.GenerateDemo(ctx, mezz, packager.Demo{Duration: time.Minute}, tools); err != nil {
		return err
	}
	last := -1
	a, err := packager.Package(ctx, mezz, dir, packager.Options{Force: true, Tools: tools, Progress: func(p packager.Progress) {
		if pct := int(p.Fraction() * 4); pct > last {
			last = pct
			log.Info("packaging the demo asset", "progress", fmt.Sprintf("%.0f%%", p.Fraction()*100))
		}
	}})
	if err != nil {
		return err
	}
	log.Info("demo asset ready", "dir", dir, "renditions", len(a.Renditions), "segments", a.Segments, "took", time.Since(began).Round(time.Second))
	return nil
}
