package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/featurestore/stream"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

const featurestoreSummary = "Serve online features (Cassandra behind a near-cache) over HTTP on :8086."

func init() {
	register(command{name: "featurestore", summary: featurestoreSummary, run: runFeaturestore})
	registerDev(devService{
		name: "featurestore", port: 8086, order: 10, start: startDevFeaturestore,
		links: []devLink{
			{"feature registry", "/v1/features:registry"},
			{"features of a demo viewer", "/v1/features/user/viewer-1"},
			{"features of a demo item", "/v1/features/item/item-1"},
		},
	})
}

// storeConfig copies the platform's Cassandra settings into a featurestore config.
func storeConfig(p *platformFlags, c featurestore.Config, hosts []string) featurestore.Config {
	c.Hosts, c.Keyspace, c.Replication = hosts, p.cassandraKeyspace, p.cassandraReplication
	c.HostLookup, c.LocalDC = p.cassandraDiscover, p.cassandraDC
	return c
}

func runFeaturestore(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("featurestore", featurestoreSummary+`

  GET    /v1/features/{entity_type}/{entity_id}?views=a,b
  POST   /v1/features:batchGet   {"entity_type": "user", "ids": [...], "views": [...]}
  PUT    /v1/features/{entity_type}/{entity_id}/{view}   (admin token)
  DELETE /v1/features/{entity_type}/{entity_id}/{view}   (admin token)
  GET    /v1/features:registry

See docs/features.md.`)
	var p platformFlags
	p.register(fs)
	addr := fs.String("addr", ":8086", "listen address")
	adminToken := fs.String("admin-token", "", "bearer token required by PUT and DELETE (empty: writes are refused)")
	doMigrate := fs.Bool("migrate", false, "apply the featurestore schema before serving (production runs `cuepoint migrate`)")
	seed := fs.Bool("seed", false, "write the demo features before serving (development)")
	updates := fs.Bool("stream", true, "keep the stream views current from the analytics topics (--kafka-brokers)")
	cfg := featurestore.Flags(fs)
	newLog := logging.Flags(fs)
	fs.Check(func() error { return server.ValidateAdminToken(*adminToken) })
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	store, err := featurestore.Open(ctx, storeConfig(&p, *cfg, p.cassandra()), log, *doMigrate)
	if err != nil {
		return err
	}
	if *seed {
		if err := seedFeatures(ctx, store, log); err != nil {
			_ = store.Close()
			return err
		}
	}
	srv := server.New("featurestore", *addr, server.WithLogger(log), server.WithAdminToken(*adminToken))
	featurestore.NewAPI(store).Mount(srv)
	srv.OnClose("featurestore", func(context.Context) error { return store.Close() })
	if *updates {
		if err := startStreamUpdater(ctx, srv, store, p.kafka(), log); err != nil {
			_ = store.Close()
			return err
		}
	}
	return server.Run(ctx, log, srv)
}

// startStreamUpdater runs the stream updater until the server closes; it stops before the
// store does (closers run in reverse order of registration).
func startStreamUpdater(ctx context.Context, srv *server.Server, store *featurestore.Store, brokers []string, log *slog.Logger) error {
	u, err := stream.New(store, stream.Config{Brokers: brokers}, log)
	if err != nil {
		return err
	}
	uctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := u.Run(uctx); err != nil {
			log.Error("feature stream updater stopped", "err", err)
		}
	}()
	srv.OnClose("featurestore-stream", func(c context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-c.Done():
			return c.Err()
		}
	})
	return nil
}

// startDevFeaturestore runs the featurestore in `cuepoint dev`: on the embedded Cassandra,
// schema applied (idempotent), demo features seeded with an old event time, so anything
// written through the API or a stream since wins over them and survives restarts, and the
// stream updater reading the embedded Kafka.
func startDevFeaturestore(ctx context.Context, env *devEnv) (*server.Server, error) {
	store, err := featurestore.Open(ctx, storeConfig(env.platform, featurestore.DefaultConfig(), env.cassandra), env.log, true)
	if err != nil {
		return nil, err
	}
	if err := seedFeatures(ctx, store, env.log); err != nil {
		_ = store.Close()
		return nil, err
	}
	srv := server.New("featurestore", env.addr(8086), server.WithLogger(env.log), server.WithAdminToken(env.adminToken))
	featurestore.NewAPI(store).Mount(srv)
	srv.OnClose("featurestore", func(context.Context) error { return store.Close() })
	if err := startStreamUpdater(ctx, srv, store, env.kafka, env.log); err != nil {
		_ = store.Close()
		return nil, err
	}
	return srv, nil
}

func seedFeatures(ctx context.Context, store *featurestore.Store, log *slog.Logger) error {
	began := time.Now()
	n, err := featurestore.Seed(ctx, store, featurestore.DemoSeed())
	if err != nil {
		return err
	}
	log.Info("demo features seeded", "values", n, "took", time.Since(began).Round(time.Millisecond))
	return nil
}
