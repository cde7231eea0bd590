package main

import (
	"context"
	"fmt"
	"strings"

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
	svc := ssai.New(ssai.Config{Logger: log})
	for _, s := range parsed {
		if err := svc.SetSource(s); err != nil {
			return &config.UsageError{Setting: "sources", Err: err}
		}
	}
	srv := server.New("ssai", *addr, server.WithLogger(log), server.WithAdminToken(*adminToken))
	svc.Mount(srv)
	return server.Run(ctx, log, srv)
}

// startSSAIDev registers the dev origin's demo VOD asset and its live channels as sources, the
// live channels with the demo asset as slate (breaks show it until the adserver is wired in).
func startSSAIDev(ctx context.Context, env *devEnv) (*server.Server, error) {
	svc := ssai.New(ssai.Config{Logger: env.log.With("service", "ssai")})
	if o, ok := env.urls["origin"]; ok {
		sources := []ssai.Source{{Name: "demo", URL: o + "/vod/demo/master.m3u8"}}
		for _, spec := range defaultChannels {
			name, _, _ := strings.Cut(spec, "=")
			sources = append(sources, ssai.Source{Name: name, URL: o + "/live/" + name + "/master.m3u8", Slate: o + "/vod/demo/master.m3u8"})
		}
		for _, s := range sources {
			if err := svc.SetSource(s); err != nil {
				return nil, fmt.Errorf("ssai source %s: %w", s.Name, err)
			}
		}
	}
	srv := server.New("ssai", env.addr(8083), server.WithLogger(env.log), server.WithAdminToken(env.adminToken))
	svc.Mount(srv)
	return srv, nil
}
