package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/internal/stack"
)

const devSummary = "Run the whole edge in one process: the embedded stack, migrations, demo data and every service."

// devService is how a service joins `cuepoint dev`. The service's command file registers it
// next to its command, so adding a service to the edge is one file.
type devService struct {
	name  string
	port  int // default port (ARCHITECTURE.md); --port-offset shifts it
	order int // start order: dependencies of others first
	// start builds the service on env's shared dependencies, seeds its demo data, and returns
	// its server with routes mounted (not yet listening).
	start func(ctx context.Context, env *devEnv) (*server.Server, error)
	// links are shown on the landing page: title → path on the service.
	links []devLink
}

type devLink struct{ title, path string }

var devServices []devService

func registerDev(s devService) { devServices = append(devServices, s) }

// devEnv is what `cuepoint dev` shares with every service it runs.
type devEnv struct {
	log        *slog.Logger
	root       string
	adminToken string
	bind       string
	offset     int
	platform   *platformFlags
	kafka      []string
	clickhouse driver.Conn
	chAddr     string
	cassandra  []string
	cql        *gocql.Session // keyspace session, LocalOne
	// started services' base URLs, for services that call others (ssai → adserver).
	urls map[string]string
}

// addr is the listen address of a service with default port p.
func (e *devEnv) addr(port int) string {
	return net.JoinHostPort(e.bind, strconv.Itoa(port+e.offset))
}

// url is the base URL of the service with default port p, as a browser on this machine sees it.
func (e *devEnv) url(port int) string {
	host := e.bind
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port+e.offset))
}

func init() {
	register(command{name: "dev", summary: devSummary, run: runDev})
}

func runDev(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("dev", devSummary+"\n\nData lives under --root and is reused by the next run. Set --kafka-brokers,\n--clickhouse-addr or --cassandra-hosts to use external servers instead of starting them.")
	var p platformFlags
	p.register(fs)
	bind := fs.String("bind", "127.0.0.1", "interface every service listens on")
	offset := fs.Int("port-offset", 0, "added to every default port (to run two edges on one machine)")
	adminToken := fs.String("admin-token", "", "bearer token for admin APIs (empty: generated and saved under --root)")
	startTimeout := fs.Duration("start-timeout", 90*time.Second, "how long the embedded stack may take to become healthy")
	newLog := logging.Flags(fs)
	fs.Check(func() error {
		if *offset < 0 || *offset > 50000 {
			return &config.UsageError{Setting: "port-offset", Err: fmt.Errorf("%d is out of range 0..50000", *offset)}
		}
		return server.ValidateAdminToken(*adminToken)
	})
	fs.Check(config.Positive("start-timeout", startTimeout))
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	began := time.Now()

	root, err := filepath.Abs(p.root)
	if err != nil {
		return err
	}
	token, created, err := server.EnsureAdminToken(*adminToken, filepath.Join(root, "admin-token"))
	if err != nil {
		return err
	}
	env := &devEnv{log: log, root: root, adminToken: token, bind: *bind, offset: *offset, platform: &p, urls: map[string]string{}}

	// The stack: embedded unless external addresses are configured.
	st, err := stack.Start(ctx, stack.Options{
		Root:               root,
		Kafka:              true,
		ClickHouse:         true,
		Cassandra:          true,
		KafkaAddr:          env.addr(9092),
		ClickHouseNative:   env.addr(9000),
		ClickHouseHTTP:     env.addr(8123),
		CassandraAddr:      env.addr(9042),
		ExternalKafka:      *p.kafkaBrokers,
		ExternalClickHouse: p.clickhouseAddr,
		ExternalCassandra:  *p.cassandraHosts,
		StartTimeout:       *startTimeout,
		KafkaPersist:       true,
		Logger:             log,
	})
	if err != nil {
		return fmt.Errorf("start the stack: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := st.Stop(stopCtx); err != nil {
			log.Error("stop the stack", "err", err)
		}
	}()
	env.kafka, env.chAddr, env.cassandra = st.KafkaBrokers(), st.ClickHouseAddr(), st.CassandraHosts()
	log.Info("stack ready", "kafka", env.kafka, "clickhouse", env.chAddr, "cassandra", env.cassandra, "after", time.Since(began).Round(time.Millisecond))

	if err := env.openDatabases(ctx); err != nil {
		return err
	}
	defer env.closeDatabases()

	// Services, in dependency order. Each one's readiness also reflects the stack.
	sort.SliceStable(devServices, func(i, j int) bool { return devServices[i].order < devServices[j].order })
	servers := make([]*server.Server, 0, len(devServices)+1)
	for _, s := range devServices {
		srv, err := s.start(ctx, env)
		if err != nil {
			return fmt.Errorf("start %s: %w", s.name, err)
		}
		env.urls[s.name] = env.url(s.port)
		servers = append(servers, srv)
	}
	landing := newLanding(env, st)
	servers = append(servers, landing)
	for _, srv := range servers {
		if err := srv.Listen(); err != nil {
			return err
		}
	}
	printURLs(os.Stdout, env, created, time.Since(began))
	err = server.Run(ctx, log, servers...)
	if errors.Is(ctx.Err(), context.Canceled) {
		log.Info("stopped")
	}
	return err
}

func (e *devEnv) openDatabases(ctx context.Context) error {
	mctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	ch, err := db.OpenClickHouse(mctx, e.chAddr, db.ClickHouseOptions{})
	if err != nil {
		return err
	}
	e.clickhouse = ch
	o := e.platform.cassandraOptions("")
	o.Timeout = 10 * time.Second
	admin, err := db.OpenCassandra(e.cassandra, o)
	if err != nil {
		return err
	}
	defer admin.Close()
	done, err := e.platform.migrateAll(mctx, ch, admin)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range done {
		if len(m.applied) > 0 {
			e.log.Info("migrated", "schema", m.owner, "db", m.db, "space", m.space, "applied", m.applied)
		}
	}
	cql, err := db.OpenCassandra(e.cassandra, e.platform.cassandraOptions(e.platform.cassandraKeyspace))
	if err != nil {
		return err
	}
	e.cql = cql
	return nil
}

func (e *devEnv) closeDatabases() {
	if e.cql != nil {
		e.cql.Close()
	}
	if e.clickhouse != nil {
		e.clickhouse.Close()
	}
}
