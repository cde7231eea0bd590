package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/ssai"
)

const ssaiSummary = "Serve personalized HLS: ads stitched into any HLS origin's content, per session."

func init() {
	register(command{name: "ssai", summary: ssaiSummary, run: runSSAI})
	registerDev(devService{name: "ssai", port: 8083, order: 50, start: startSSAIDev, links: []devLink{
		{"sources", "/v1/sources"}, {"demo VOD", "/ssai/demo/master.m3u8?uid=dev"},
		{"demo live (DATERANGE)", "/ssai/demo-daterange/master.m3u8?uid=dev"},
	}})
}

func runSSAI(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("ssai", ssaiSummary+`

Register sources with PUT /v1/sources/{name} {"url": ".../master.m3u8"} (admin token) or
--sources; play /ssai/{name}/master.m3u8?uid=... See docs/ssai.md.`)
	addr := fs.String("addr", ":8083", "listen address")
	adminToken := fs.String("admin-token", "", "bearer token of the admin API (empty: admin API refuses every request)")
	srcs := fs.StringList("sources", nil, "sources registered at start, comma-separated name=url of a multivariant playlist")
	adserverURL := fs.String("adserver", "", "the adserver's base URL (GET /vast per break); empty: breaks play slate or content")
	decisionTimeout := fs.Duration("decision-timeout", 150*time.Millisecond, "longest wait for one break's ads; past it the break plays slate or content")
	sessionKeys := fs.StringList("session-key", nil, "hex keys (≥ 32 bytes) signing session tokens, comma-separated: the first signs, all verify; share them between instances (env CUEPOINT_SESSION_KEY; empty: a random per-process key)")
	decisionCacheMB := fs.Int("decision-cache-mb", 256, "bigcache size for ad decisions (beacons, names), in MB")
	brokers := fs.StringList("kafka", nil, "Kafka brokers for analytics events (empty: events are not sent)")
	spool := fs.String("spool", "", "directory of the analytics disk spool (used while Kafka is unreachable)")
	newLog := logging.Flags(fs)
	var parsed []ssai.Source
	fs.Check(func() error {
		for _, spec := range *srcs {
			name, u, ok := strings.Cut(spec, "=")
			if !ok {
				return &config.UsageError{Setting: "sources", Err: fmt.Errorf("%q: want name=url", spec)}
			}
			parsed = append(parsed, ssai.Source{Name: name, URL: u})
		}
		return server.ValidateAdminToken(*adminToken)
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	cfg := ssai.Config{Logger: log, AdServer: *adserverURL, DecisionTimeout: *decisionTimeout, SessionKeys: *sessionKeys, DecisionCacheMB: *decisionCacheMB}
	if len(*brokers) > 0 {
		opts := []producer.Option{producer.WithService("ssai"), producer.WithLogger(log)}
		if *spool != "" {
			opts = append(opts, producer.WithSpool(*spool, 256<<20))
		}
		prod, err := producer.New(*brokers, opts...)
		if err != nil {
			return err
		}
		defer prod.Close(context.Background())
		cfg.Emitter = prod
	}
	svc, err := ssai.New(cfg)
	if err != nil {
		return &config.UsageError{Setting: "session-key", Err: err}
	}
	for _, s := range parsed {
		if err := svc.SetSource(s); err != nil {
			return &config.UsageError{Setting: "sources", Err: err}
		}
	}
	srv := server.New("ssai", *addr, server.WithLogger(log), server.WithAdminToken(*adminToken))
	svc.Mount(srv)
	return server.Run(ctx, log, srv)
}

// startSSAIDev registers the dev origin's demo VOD asset (a 30 s pre-roll and a 15 s mid-roll
// at 12 s) and its live channels (breaks at their cues, the demo asset as slate after the ads)
// as sources, with ads from the dev adserver.
func startSSAIDev(ctx context.Context, env *devEnv) (*server.Server, error) {
	prod, release, err := devProducer(env)
	if err != nil {
		return nil, err
	}
	svc, err := ssai.New(ssai.Config{Logger: env.log.With("service", "ssai"), AdServer: env.urls["adserver"], Emitter: prod})
	if err != nil {
		_ = release(ctx)
		return nil, err
	}
	if o, ok := env.urls["origin"]; ok {
		sources := []ssai.Source{{Name: "demo", URL: o + "/vod/demo/master.m3u8", Preroll: 30, Midrolls: []float64{12}, Midroll: 15}}
		for _, spec := range defaultChannels {
			name, _, _ := strings.Cut(spec, "=")
			sources = append(sources, ssai.Source{Name: name, URL: o + "/live/" + name + "/master.m3u8", Slate: o + "/vod/demo/master.m3u8"})
		}
		for _, s := range sources {
			if err := svc.SetSource(s); err != nil {
				_ = release(ctx)
				return nil, fmt.Errorf("ssai source %s: %w", s.Name, err)
			}
		}
	}
	srv := server.New("ssai", env.addr(8083), server.WithLogger(env.log), server.WithAdminToken(env.adminToken))
	svc.Mount(srv) // closes the beacon workers first: their beacons reach the adserver, and its events the producer
	srv.OnClose("analytics", release)
	return srv, nil
}
