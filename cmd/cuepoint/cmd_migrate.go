package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
)

const migrateSummary = "Apply the ClickHouse and Cassandra schema migrations (idempotent, versioned)."

func init() {
	register(command{name: "migrate", summary: migrateSummary, run: runMigrate})
}

func runMigrate(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("migrate", migrateSummary+"\n\nApplied versions are recorded in <database>.schema_migrations (ClickHouse) and\n<keyspace>.schema_migrations (Cassandra); running it again applies only what is new.")
	var p platformFlags
	p.register(fs)
	only := fs.String("only", "", "migrate only one database: clickhouse or cassandra")
	fs.StringVar(&p.bidderKeyspace, "bidder-keyspace", p.bidderKeyspace, "Cassandra keyspace of the bidder's campaigns and budgets")
	fs.StringVar(&p.adserverKeyspace, "adserver-keyspace", p.adserverKeyspace, "Cassandra keyspace of the adserver's creative catalog")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	newLog := logging.Flags(fs)
	fs.Check(func() error {
		if *only != "" && *only != "clickhouse" && *only != "cassandra" {
			return &config.UsageError{Setting: "only", Err: fmt.Errorf("%q: want clickhouse or cassandra", *only)}
		}
		return nil
	})
	fs.Check(config.Positive("timeout", timeout))
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	var ch driver.Conn
	var cs *gocql.Session
	if *only != "cassandra" {
		conn, err := p.openClickHouse(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		ch = conn
	}
	if *only != "clickhouse" {
		o := p.cassandraOptions("")
		o.Timeout = 10 * time.Second // schema changes wait for agreement
		s, err := db.OpenCassandra(p.cassandra(), o)
		if err != nil {
			return err
		}
		defer s.Close()
		cs = s
	}
	done, err := p.migrateAll(ctx, ch, cs)
	for _, m := range done {
		log.Info("migrated", "schema", m.owner, "db", m.db, "space", m.space, "applied", m.applied, "latest", m.latest)
	}
	if err != nil {
		return err
	}
	return nil
}
