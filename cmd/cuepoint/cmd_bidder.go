package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/analytics/producer"
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
	registerDev(devService{
		name: "bidder", port: 8081, order: 30, start: startDevBidder,
		links: []devLink{{"campaigns (admin API)", "/v1/campaigns"}, {"metrics", "/metrics"}},
	})
}

func runBidder(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("bidder", bidderSummary+"\n\nCampaigns and budget leases live in Cassandra (--cassandra-hosts, keyspace --bidder-keyspace);\n--campaign-store memory keeps them in process memory, seeded with the demo campaigns (trials only).")
	var p platformFlags
	p.register(fs)
	cfg := bidder.Flags(fs)
	storeKind := fs.String("campaign-store", "cassandra", "where campaigns and budget leases live: cassandra or memory")
	creatives := fs.String("creative-base-url", "http://127.0.0.1:8082/media/demo", "base URL of the demo campaigns' media, <url>/<creative id>.mp4 (the adserver's demo ads in cuepoint dev)")
	synthetic := fs.Int("synthetic-campaigns", 0, "with --campaign-store memory, also load this many synthetic campaigns (load tests)")
	adminToken := fs.String("admin-token", "", "bearer token of the admin API (empty: admin API refuses every request)")
	gcPercent := fs.Int("gc-percent", goSetting("GOGC", bidderGCPercent), "garbage collector target of this process, as GOGC: heap growth over the live heap, in %, that starts a collection (negative: leave Go's own, which $GOGC sets; with $GOGC set the default is -1)")
	memLimitMB := fs.Int("memory-limit-mb", goSetting("GOMEMLIMIT", bidderMemoryLimitMB), "soft memory limit of this process in MiB, as GOMEMLIMIT: the collector runs more often as the heap nears it (0 or negative: leave Go's own, which $GOMEMLIMIT sets; with $GOMEMLIMIT set the default is -1)")
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
	if *gcPercent >= 0 {
		debug.SetGCPercent(*gcPercent)
	}
	if *memLimitMB > 0 {
		debug.SetMemoryLimit(int64(*memLimitMB) << 20)
	}
	srv := server.New("bidder", cfg.Addr, server.WithLogger(log), server.WithAdminToken(*adminToken),
		server.WithMaxBodySize(cfg.MaxBodyBytes), server.WithWriteBufferSize(bidderWriteBuffer))
	deps := bidder.Deps{Log: log}
	if *storeKind == "memory" {
		log.Warn("campaigns and budgets in process memory: spend is forgotten on restart; use only for trials")
		deps.Store = bidder.NewMemoryStore()
		if _, err := bidder.Seed(ctx, deps.Store, *creatives); err != nil {
			return err
		}
		for _, c := range bidder.SyntheticCampaigns(*synthetic, 1, *creatives) {
			if err := deps.Store.Put(ctx, c); err != nil {
				return err
			}
		}
	} else {
		closeDB, err := wireBidderCassandra(ctx, p.cassandra(), p.cassandraOptions(""), p.cassandraReplication, cfg.Keyspace, p.cassandraKeyspace, log, &deps)
		if err != nil {
			return err
		}
		srv.OnClose("cassandra", func(context.Context) error { closeDB(); return nil })
	}
	prod, err := newBidderProducer(p.kafka(), filepath.Join(p.root, "spool", "bidder"), log)
	if err != nil {
		return err
	}
	srv.OnClose("analytics", prod.Close)
	deps.Emitter = prod
	b, err := bidder.New(*cfg, deps)
	if err != nil {
		return err
	}
	if err := b.Mount(ctx, srv); err != nil {
		return err
	}
	return server.Run(ctx, log, srv)
}

// newBidderProducer sends the bidder's events to Kafka, spooling to dir while Kafka is away;
// Emit never blocks the bid path.
func newBidderProducer(brokers []string, dir string, log *slog.Logger) (*producer.Producer, error) {
	prod, err := producer.New(brokers, producer.WithService("bidder"), producer.WithLogger(log),
		producer.WithSpool(dir, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("analytics producer: %w", err)
	}
	return prod, nil
}

// wireBidderCassandra migrates the bidder's keyspace and fills deps with the Cassandra
// campaign store, budget ledger, notice dedupe and featurestore reader. The returned func closes the sessions.
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
	log.Info("bidder schema migrated", "cassandra_ks", keyspace, "applied", applied)
	// Leases use lightweight transactions (Paxos), off the bid path; every call carries its own
	// deadline. The per-attempt timeout stays ≥ 2 s: a heartbeat that times out makes gocql
	// reconnect its control connection, and gocql v1.7.0's ring refresh after a reconnect
	// panics against Cassandra 2.1.0 (no rpc_address in system.local; see featurestore/legacy.go).
	o.Timeout = 2 * time.Second
	o.Consistency = gocql.LocalQuorum
	sess, err := db.OpenCassandra(hosts, o)
	if err != nil {
		return nil, err
	}
	// The featurestore reader opens (and, against Cassandra 2.1, supervises) its own session.
	fcfg := featurestore.DefaultConfig()
	fcfg.Name, fcfg.Hosts, fcfg.Keyspace = "bidder", hosts, featureKeyspace
	fcfg.HostLookup, fcfg.LocalDC = o.DiscoverPeers, o.Datacenter
	fst, err := featurestore.Open(ctx, fcfg, log, false)
	if err != nil {
		sess.Close()
		return nil, err
	}
	features := bidder.NewFeatureStore(fst)
	deps.Store = bidder.NewCassandraStore(sess, keyspace)
	deps.Ledger = bidder.NewCassandraLedger(sess, keyspace)
	deps.Dedupe = bidder.NewCassandraDedupe(sess, keyspace) // notices counted once across instances
	deps.Features, deps.Counters = features, features
	return func() { _ = fst.Close(); sess.Close() }, nil
}

// startDevBidder runs the bidder in `cuepoint dev` on the embedded Cassandra, seeded with the
// demo campaigns, with a notice key kept under --root so notice URLs survive a restart.
func startDevBidder(ctx context.Context, env *devEnv) (*server.Server, error) {
	cfg := bidder.DefaultConfig()
	cfg.Addr = env.addr(8081)
	cfg.PublicURL = env.url(8081)
	key, err := devSecret(filepath.Join(env.root, "bidder-notice-key"))
	if err != nil {
		return nil, err
	}
	cfg.NoticeKey = key
	deps := bidder.Deps{Log: env.log}
	closeDB, err := wireBidderCassandra(ctx, env.cassandra, env.platform.cassandraOptions(""), env.platform.cassandraReplication,
		cfg.Keyspace, env.platform.cassandraKeyspace, env.log, &deps)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if n, err := bidder.Seed(sctx, deps.Store, env.url(8082)+"/media/demo"); err != nil {
		closeDB()
		return nil, fmt.Errorf("seed demo campaigns: %w", err)
	} else if n > 0 {
		env.log.Info("demo campaigns seeded", "service", "bidder", "added", n)
	}
	srv := server.New("bidder", cfg.Addr, server.WithLogger(env.log), server.WithAdminToken(env.adminToken),
		server.WithMaxBodySize(cfg.MaxBodyBytes), server.WithWriteBufferSize(bidderWriteBuffer))
	srv.OnClose("cassandra", func(context.Context) error { closeDB(); return nil })
	// The dev process's one analytics producer, shared with every service that emits.
	prod, release, err := devProducer(env)
	if err != nil {
		closeDB()
		return nil, err
	}
	srv.OnClose("analytics", release)
	deps.Emitter = prod
	b, err := bidder.New(cfg, deps)
	if err != nil {
		closeDB()
		return nil, err
	}
	if err := b.Mount(ctx, srv); err != nil {
		closeDB()
		return nil, err
	}
	return srv, nil
}

// devSecret returns the hex key saved in file, creating a random 32-byte one (mode 0600).
func devSecret(file string) ([]byte, error) {
	if raw, err := os.ReadFile(file); err == nil {
		if k, err := hex.DecodeString(strings.TrimSpace(string(raw))); err == nil && len(k) >= 32 {
			return k, nil
		}
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return k, nil
}

// bidderGCPercent and bidderMemoryLimitMB are `cuepoint bidder`'s garbage-collector settings.
// The bidder's live heap is mostly its campaign index (~85 MB with 10k campaigns) and a
// request allocates ~8 KB, so at Go's default GOGC of 100 a collection starts about every
// second at 10k requests/s, and its mark phase takes one of the two cores for tens of
// milliseconds while requests queue for the other: at 10k/s on 2 cores that was most of the
// p99 (≈4 ms at 100, ≈1.8 ms at 400, ≈1.1–1.6 ms at 800 or with no collection; BENCHMARKS.md,
// "Garbage collection and the tail"). 800 makes collections 8× rarer; the soft limit keeps
// the heap near 1 GiB at most (the collector runs more often as it nears the limit), which is
// what the process may use. `cuepoint dev`, which runs every service in one process, keeps
// Go's defaults.
const (
	bidderGCPercent     = 800
	bidderMemoryLimitMB = 1024
)

// goSetting is def, or -1 (leave Go's own) when the environment variable env, which the Go
// runtime reads, is set.
func goSetting(env string, def int) int {
	if os.Getenv(env) != "" {
		return -1
	}
	return def
}

// bidderWriteBuffer holds a whole bid response (a 3-bid VAST answer is ~10 KB), so it leaves in
// one write syscall instead of two or three.
const bidderWriteBuffer = 32 << 10
