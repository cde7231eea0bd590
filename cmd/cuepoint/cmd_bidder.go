package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gocql/gocql"

	"github.com/cuepoint/cuepoint/bidder"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

const bidderSummary = "Serve OpenRTB 2.6 bid requests (POST /openrtb2/bid), notices and the campaign admin API."

func init() {
	register(command{name: "bidder", summary: bidderSummary, run: runBidder})
}

func runBidder(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("bidder", bidderSummary+"\n\nCampaigns and budget leases live in Cassandra (--cassandra-hosts, keyspace --bidder-keyspace);\n--campaign-store memory keeps them in process memory, seeded with the demo campaigns (trials only).")
	var p platformFlags
	p.register(fs)
	cfg := bidder.Flags(fs)
	storeKind := fs.String("campaign-store", "cassandra", "where campaigns and budget leases live: cassandra or memory")
	creatives := fs.String("creative-base-url", "http://127.0.0.1:8084/creatives", "base URL of the demo campaigns' media (seeded with --campaign-store memory)")
	adminToken := fs.String("admin-token", "", "bearer token of the admin API (empty: admin API refuses every request)")
	newLog := logging.Flags(fs)
	fs.Check(func() error {
		if *storeKind != "cassandra" && *storeKind != "memory" {
			return &config.UsageError{Setting: "campaign-store", Err: fmt.Errorf("%q: want cassandra or memory", *storeKind)}
		}
		return server.ValidateAdminToken(*adminToken)
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	srv := server.New("bidder", cfg.Addr, server.WithLogger(log), server.WithAdminToken(*adminToken),
		server.WithMaxBodySize(cfg.MaxBodyBytes))
	deps := bidder.Deps{Log: log}
	if *storeKind == "memory" {
		log.Warn("campaigns and budgets in process memory: spend is forgotten on restart; use only for trials")
		deps.Store = bidder.NewMemoryStore()
		if _, err := bidder.Seed(ctx, deps.Store, *creatives); err != nil {
			return err
		}
	} else {
		closeDB, err := wireBidderCassandra(ctx, p.cassandra(), p.cassandraOptions(""), p.cassandraReplication, cfg.Keyspace, p.cassandraKeyspace, log, &deps)
		if err != nil {
			return err
		}
		srv.OnClose("cassandra", func(context.Context) error { closeDB(); return nil })
	}
	b, err := bidder.New(*cfg, deps)
	if err != nil {
		return err
	}
	if err := b.Mount(ctx, srv); err != nil {
		return err
	}
	return server.Run(ctx, log, srv)
}

// wireBidderCassandra migrates the bidder's keyspace and fills deps with the Cassandra
// campaign store, budget ledger and featurestore reader. The returned func closes the sessions.
func wireBidderCassandra(ctx context.Context, hosts []string, o db.CassandraOptions, replication, keyspace, featureKeyspace string,
	log *slog.Logger, deps *bidder.Deps) (func(), error) {
	o.Timeout = 20 * time.Second // schema changes take seconds
	admin, err := db.OpenCassandra(hosts, o)
	if err != nil {
		return nil, err
	}
	mctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	applied, err := bidder.Migrate(mctx, admin, keyspace, replication)
	cancel()
	admin.Close()
	if err != nil {
		return nil, err
	}
	log.Info("bidder schema migrated", "keyspace", keyspace, "applied", applied)
	// Leases use lightweight transactions (Paxos): allow them a second; they run off the bid path.
	o.Timeout = time.Second
	o.Consistency = gocql.LocalQuorum
	sess, err := db.OpenCassandra(hosts, o)
	if err != nil {
		return nil, err
	}
	fcfg := featurestore.DefaultConfig()
	fcfg.Name, fcfg.Hosts, fcfg.Keyspace = "bidder", hosts, featureKeyspace
	fo := o
	fo.Keyspace, fo.Timeout, fo.Consistency = featureKeyspace, fcfg.QueryTimeout, gocql.LocalOne
	fsess, err := db.OpenCassandra(hosts, fo)
	if err != nil {
		sess.Close()
		return nil, err
	}
	fst, err := featurestore.OpenSession(fcfg, fsess, log)
	if err != nil {
		sess.Close()
		fsess.Close()
		return nil, err
	}
	features := bidder.NewFeatureStore(fst)
	deps.Store = bidder.NewCassandraStore(sess, keyspace)
	deps.Ledger = bidder.NewCassandraLedger(sess, keyspace)
	deps.Features, deps.Counters = features, features
	return func() { _ = fst.Close(); fsess.Close(); sess.Close() }, nil
}
