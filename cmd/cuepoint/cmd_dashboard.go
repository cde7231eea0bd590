package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cuepoint/cuepoint/analytics/collector"
	"github.com/cuepoint/cuepoint/analytics/dashboard"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

const dashboardSummary = "Serve the analysts' dashboard (GET /, /api/charts: charts from ClickHouse with their SQL) and the event collector (POST /v1/events)."

const (
	dashboardPort  = 8088
	dashboardOrder = 90 // after the services: it only reads ClickHouse
)

func init() {
	register(command{name: "dashboard", summary: dashboardSummary, run: runDashboard})
	registerDev(devService{
		name: "dashboard", port: dashboardPort, order: dashboardOrder, start: startDevDashboard,
		links: []devLink{{"analytics dashboard", "/"}, {"charts API", "/api/charts"}},
	})
}

func runDashboard(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("dashboard", dashboardSummary+"\n\n"+
		"Charts read the rollups (and raw tables) of --clickhouse-database, which `cuepoint migrate` creates and\n"+
		"`cuepoint sink` fills. Every query runs with readonly=1 and max_execution_time: give the dashboard a\n"+
		"ClickHouse user that may set those (readonly=2 in its profile, or constraints allowing them).\n"+
		"The page is read from --web-root, built by `make web`; the API works without it.\n\n"+
		"The collector takes events from players and partners (POST /v1/events, see analytics/collector) from the\n"+
		"senders in --senders, and sends them to Kafka (--kafka-brokers), spooling under --root while Kafka is away.\n"+
		"See docs/dashboard.md.")
	var p platformFlags
	p.register(fs)
	addr := fs.String("addr", fmt.Sprintf(":%d", dashboardPort), "listen address")
	webRoot := fs.String("web-root", "", "directory of the front end's build (empty: web/dashboard/dist in or above the working directory)")
	timeout := fs.Duration("query-timeout", dashboardQueryTimeout, "limit of one chart query, on the client and on the server (max_execution_time)")
	chUser := fs.String("clickhouse-user", "default", "ClickHouse user the dashboard queries as")
	chPassword := fs.String("clickhouse-password", "", "password of --clickhouse-user")
	sendersFile := fs.String("senders", "", "JSON file of the collector's senders: ids, HMAC secrets, families (empty: the collector refuses every request)")
	newLog := logging.Flags(fs)
	fs.Check(config.Positive("query-timeout", timeout))
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	var senders []collector.Sender
	if *sendersFile != "" {
		var err error
		if senders, err = collector.LoadSenders(*sendersFile); err != nil {
			return &config.UsageError{Setting: "senders", Err: err}
		}
	} else {
		log.Warn("the collector has no senders and refuses every request: set --senders")
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	conn, err := db.OpenClickHouse(octx, p.clickhouse(), db.ClickHouseOptions{User: *chUser, Password: *chPassword})
	cancel()
	if err != nil {
		return err
	}
	prod, err := producer.New(p.kafka(), producer.WithService("dashboard"), producer.WithLogger(log),
		producer.WithSpool(filepath.Join(p.root, "spool", "dashboard"), 256<<20))
	if err != nil {
		conn.Close()
		return fmt.Errorf("analytics producer: %w", err)
	}
	col, err := collector.New(prod, collector.WithSenders(senders...), collector.WithLogger(log))
	if err != nil {
		conn.Close()
		_ = prod.Close(context.Background())
		return &config.UsageError{Setting: "senders", Err: err}
	}
	srv, err := newDashboardServer(conn, p.clickhouseDatabase, *addr, *webRoot, *timeout, col, log)
	if err != nil {
		conn.Close()
		_ = prod.Close(context.Background())
		return err
	}
	// Closers run in reverse, after in-flight requests drained: the producer delivers what
	// the collector accepted, then ClickHouse closes.
	srv.OnClose("clickhouse", func(context.Context) error { return conn.Close() })
	srv.OnClose("analytics", prod.Close)
	return server.Run(ctx, log, srv)
}

const dashboardQueryTimeout = 10 * time.Second

// newDashboardServer builds the dashboard's server: the page, the chart API, /readyz checking
// ClickHouse, and the collector's POST /v1/events when col is not nil.
func newDashboardServer(conn driver.Conn, database, addr, webRoot string, timeout time.Duration, col *collector.Collector, log *slog.Logger) (*server.Server, error) {
	if webRoot == "" {
		webRoot = findWebRoot("dashboard")
	}
	d, err := dashboard.New(dashboard.Options{Conn: conn, Database: database, WebRoot: webRoot, QueryTimeout: timeout, Log: log})
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(webRoot, "index.html")); err != nil {
		log.Warn("the dashboard's front end is not built: run `make web`; the API works meanwhile", "web_root", webRoot)
	}
	srv := server.New("dashboard", addr, server.WithLogger(log), server.WithMaxBodySize(collector.DefaultMaxBodyBytes))
	d.Mount(srv)
	if col != nil {
		col.Mount(srv)
	}
	return srv, nil
}

// findWebRoot returns web/<app>/dist under the nearest directory, from the working directory
// up, that has web/<app>: the build of `make web` wherever in the checkout the command runs.
// Without one, it returns the path relative to the working directory (the 404 page names it).
func findWebRoot(app string) string {
	rel := filepath.Join("web", app)
	dir, err := os.Getwd()
	if err == nil {
		for {
			if st, err := os.Stat(filepath.Join(dir, rel)); err == nil && st.IsDir() {
				return filepath.Join(dir, rel, "dist")
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return filepath.Join(rel, "dist")
}

// startDevDashboard serves the dashboard in `cuepoint dev` on :8088, over the dev process's
// ClickHouse connection, with the collector emitting through the shared producer and taking
// events from the dev sender (devCollectorSender).
func startDevDashboard(ctx context.Context, env *devEnv) (*server.Server, error) {
	sender, err := devCollectorSender(env)
	if err != nil {
		return nil, err
	}
	prod, release, err := devProducer(env)
	if err != nil {
		return nil, err
	}
	col, err := collector.New(prod, collector.WithSenders(sender), collector.WithLogger(env.log))
	if err != nil {
		_ = release(context.Background())
		return nil, err
	}
	srv, err := newDashboardServer(env.clickhouse, env.platform.clickhouseDatabase, env.addr(dashboardPort), "", dashboardQueryTimeout, col, env.log)
	if err != nil {
		_ = release(context.Background())
		return nil, err
	}
	srv.OnClose("analytics", release)
	return srv, nil
}
