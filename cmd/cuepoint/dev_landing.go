package main

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/internal/stack"
)

const landingPort = 8080

var landingPage = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cuepoint dev</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:56rem;padding:0 1rem;color:#1d2330}
h1{margin-bottom:.2rem}table{border-collapse:collapse;width:100%}td,th{padding:.35rem .6rem;border-bottom:1px solid #e3e6ec;text-align:left}
code{background:#f3f4f7;padding:.1rem .3rem;border-radius:3px}.muted{color:#69707d}
.watch{display:flex;align-items:center;gap:1rem;margin:1.2rem 0 1.6rem;padding:1rem 1.2rem;border-radius:8px;background:#1d2330;color:#fff}
.watch a.play{background:#f0b429;color:#1b1b1b;font-weight:700;text-decoration:none;padding:.55rem 1rem;border-radius:6px;white-space:nowrap}
</style></head><body>
<h1>Cuepoint</h1>
<p class="muted">The whole edge, running in one process. Admin APIs take <code>Authorization: Bearer $(cat {{.TokenFile}})</code>.</p>
<div class="watch" id="watch"><a class="play" href="{{.PlayerURL}}">&#9654; Open the player</a>
<span>A stream with ads stitched in by SSAI, recommendations for you beneath it, and its QoE reported to the <a style="color:#f0b429" href="{{.DashboardURL}}">dashboard</a>.</span></div>
<table><tr><th>service</th><th>address</th><th>links</th></tr>
{{range .Services}}<tr><td>{{.Name}}</td><td><a href="{{.URL}}/healthz">{{.URL}}</a></td><td>{{range .Links}}<a href="{{.URL}}">{{.Title}}</a> · {{end}}<a href="{{.URL}}/metrics">metrics</a> · <a href="{{.URL}}/readyz">ready</a></td></tr>
{{end}}</table>
<h2>Dependencies</h2>
<table>{{range .Deps}}<tr><td>{{.Name}}</td><td>{{.Addr}}</td></tr>{{end}}</table>
</body></html>
`))

type landingService struct {
	Name, URL string
	Links     []struct{ Title, URL string }
}

type landingData struct {
	TokenFile string
	// PlayerURL is the web player on the origin; DashboardURL the analysts' dashboard.
	PlayerURL, DashboardURL string
	Services                []landingService
	Deps                    []struct{ Name, Addr string }
}

func landingModel(env *devEnv) landingData {
	d := landingData{TokenFile: env.root + "/admin-token", PlayerURL: env.url(8084) + "/player/", DashboardURL: env.url(dashboardPort) + "/"}
	for _, s := range devServices {
		ls := landingService{Name: s.name, URL: env.url(s.port)}
		for _, l := range s.links {
			ls.Links = append(ls.Links, struct{ Title, URL string }{l.title, env.url(s.port) + l.path})
		}
		d.Services = append(d.Services, ls)
	}
	d.Deps = append(d.Deps,
		struct{ Name, Addr string }{"kafka", fmt.Sprint(env.kafka)},
		struct{ Name, Addr string }{"clickhouse", env.chAddr},
		struct{ Name, Addr string }{"cassandra", fmt.Sprint(env.cassandra)},
	)
	return d
}

// newLanding is the dev landing page on :8080: links to every service, and a /readyz that
// reports the embedded stack.
func newLanding(env *devEnv, st *stack.Stack) *server.Server {
	srv := server.New("dev", env.addr(landingPort), server.WithLogger(env.log))
	model := landingModel(env)
	srv.Handle("GET", "/", func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/html; charset=utf-8")
		if err := landingPage.Execute(ctx, model); err != nil {
			ctx.Error("render: "+err.Error(), fasthttp.StatusInternalServerError)
		}
	})
	for _, name := range []string{"kafka", "clickhouse", "cassandra"} {
		srv.Ready(name, func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			return st.Check(ctx)[name]
		})
	}
	return srv
}

func printURLs(w io.Writer, env *devEnv, tokenCreated bool, took time.Duration) {
	fmt.Fprintf(w, "\nCuepoint is up (%s). Open:\n\n  %-13s %s\n  %-13s %s/player/\n", took.Round(100*time.Millisecond), "landing", env.url(landingPort), "player", env.url(8084))
	for _, s := range devServices {
		fmt.Fprintf(w, "  %-13s %s\n", s.name, env.url(s.port))
		for _, l := range s.links {
			fmt.Fprintf(w, "  %-13s %s%s\n", "", env.url(s.port), l.path)
		}
	}
	note := "saved in"
	if tokenCreated {
		note = "generated, saved in"
	}
	fmt.Fprintf(w, "\n  admin token   %s (%s %s/admin-token)\n\nCtrl-C stops everything.\n\n", env.adminToken, note, env.root)
}
