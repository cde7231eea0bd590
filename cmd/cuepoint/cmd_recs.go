package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/recs"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/synth"
	"github.com/cuepoint/cuepoint/recs/train"
)

const recsSummary = "Serve recommendations (GET /v1/recs) on :8085; 'recs generate' sends a synthetic audience's events."

const recsUsage = `Usage:
  cuepoint recs [flags]            serve GET /v1/recs, POST /v1/recs/actions, GET /v1/catalog
  cuepoint recs generate [flags]   send a seeded synthetic audience's recs events to Kafka

See docs/recs.md.`

func init() {
	register(command{name: "recs", summary: recsSummary, run: runRecs})
	registerDev(devService{
		name: "recs", port: 8085, order: 40, start: startRecsDev,
		links: []devLink{
			{"recommendation rows (demo viewer)", "/"},
			{"recs for viewer-1", "/v1/recs?user=viewer-1&n=10"},
			{"serving model", "/v1/recs/model"},
		},
	})
}

// recsFlags are the settings `cuepoint recs`, `recs generate` and `train` share: where the
// catalogue and the models live.
type recsFlags struct {
	catalogPath string
	demoSize    int
	modelDir    string
}

func (r *recsFlags) register(fs *config.FlagSet) {
	fs.StringVar(&r.catalogPath, "catalog", "", "title catalogue, JSON (docs/recs.md); empty: <root>/recs/catalog.json, created with the demo catalogue if missing")
	fs.IntVar(&r.demoSize, "demo-catalog-size", 2000, "titles in a created demo catalogue")
	fs.Check(func() error {
		if r.demoSize < 1 || r.demoSize > catalog.MaxItems {
			return &config.UsageError{Setting: "demo-catalog-size", Err: fmt.Errorf("%d: want 1..%d", r.demoSize, catalog.MaxItems)}
		}
		return nil
	})
}

// catalog loads the catalogue: --catalog, else <root>/recs/catalog.json, generating and saving
// the demo catalogue there on first use so that every command and restart agrees on it.
func (r *recsFlags) catalog(root string, log *slog.Logger) (*catalog.Catalog, error) {
	if r.catalogPath != "" {
		return catalog.Load(r.catalogPath)
	}
	path := filepath.Join(root, "recs", "catalog.json")
	c, err := catalog.Load(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return c, err
	}
	c = catalog.Generate(r.demoSize, 1, time.Now())
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := c.Save(path); err != nil {
		return nil, err
	}
	log.Info("demo catalogue created", "path", path, "titles", c.Len())
	return c, nil
}

// models is the model directory: --model-dir, else <root>/recs/models.
func modelsDir(dir, root string) string {
	if dir != "" {
		return dir
	}
	return filepath.Join(root, "recs", "models")
}

func runRecs(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "generate":
			return runRecsGenerate(ctx, args[1:])
		case "help":
			fmt.Println(recsSummary + "\n\n" + recsUsage)
			return &config.UsageError{Err: config.ErrHelp}
		}
	}
	fs := config.NewFlagSet("recs", recsSummary+"\n\n"+recsUsage+"\n\nThe model directory defaults to <root>/recs/models, where `cuepoint train` publishes.")
	var p platformFlags
	p.register(fs)
	var rf recsFlags
	rf.register(fs)
	cfg := recs.Flags(fs)
	fcfg := featurestore.Flags(fs)
	noFeatures := fs.Bool("no-featurestore", false, "serve without the featurestore (every list degraded; for trials)")
	newLog := logging.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	cat, err := rf.catalog(p.root, log)
	if err != nil {
		return err
	}
	cfg.ModelDir = modelsDir(cfg.ModelDir, p.root)
	srv := server.New("recs", cfg.Addr, server.WithLogger(log), server.WithMaxBodySize(64<<10))
	deps := recs.Deps{Catalog: cat, Log: log}
	if !*noFeatures {
		// Two stores: the request path's, and one for bulk reads (the trending refresh), whose
		// slow or failed reads must not open the request path's circuit breaker.
		for _, name := range []string{"recs", "recs-bulk"} {
			fc := storeConfig(&p, *fcfg, p.cassandra())
			fc.Name = name
			store, err := featurestore.Open(ctx, fc, log, false)
			if err != nil {
				return err
			}
			srv.OnClose(name, func(context.Context) error { return store.Close() })
			if name == "recs" {
				deps.Features = store
			} else {
				deps.Background = store
			}
		}
	}
	prod, err := recsProducer(p.kafka(), filepath.Join(p.root, "spool", "recs"), "recs", log)
	if err != nil {
		return err
	}
	srv.OnClose("analytics", prod.Close)
	deps.Emitter = prod
	svc, err := recs.New(*cfg, deps)
	if err != nil {
		return err
	}
	svc.Mount(ctx, srv) // closes first: its background work stops before its dependencies
	return server.Run(ctx, log, srv)
}

// startRecsDev runs recs in `cuepoint dev`: the demo catalogue, the featurestore on the
// embedded Cassandra, events to the embedded Kafka. Without a published model it bootstraps
// one in the background (devBootstrapModel), so the demo is personal within a minute of the
// first start while serving cold-start lists meanwhile.
func startRecsDev(ctx context.Context, env *devEnv) (*server.Server, error) {
	var rf recsFlags
	rf.demoSize = 2000
	cat, err := rf.catalog(env.root, env.log)
	if err != nil {
		return nil, err
	}
	// The request path's store and one for bulk work (trending refresh, the bootstrap's
	// feature writes), both on the dev keyspace session, each with its own near-cache and
	// circuit breaker.
	fc := storeConfig(env.platform, featurestore.DefaultConfig(), env.cassandra)
	fc.Name = "recs"
	store, err := featurestore.OpenSession(fc, env.cql, env.log)
	if err != nil {
		return nil, err
	}
	fc.Name = "recs-bulk"
	bulk, err := featurestore.OpenSession(fc, env.cql, env.log)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	closeStores := func(context.Context) error { return errors.Join(store.Close(), bulk.Close()) }
	prod, err := recsProducer(env.kafka, filepath.Join(env.root, "spool", "recs"), "recs", env.log)
	if err != nil {
		_ = closeStores(ctx)
		return nil, err
	}
	cfg := recs.DefaultConfig()
	cfg.ModelDir = modelsDir("", env.root)
	svc, err := recs.New(cfg, recs.Deps{Catalog: cat, Features: store, Background: bulk, Emitter: prod, Log: env.log})
	if err != nil {
		_ = closeStores(ctx)
		return nil, err
	}
	srv := server.New("recs", env.addr(8085), server.WithLogger(env.log), server.WithAdminToken(env.adminToken),
		server.WithMaxBodySize(64<<10))
	srv.OnClose("featurestore", closeStores)
	srv.OnClose("analytics", prod.Close)
	svc.Mount(ctx, srv)
	if _, err := model.Current(cfg.ModelDir); errors.Is(err, model.ErrNoModel) {
		go devBootstrapModel(ctx, env.log, cat, bulk, prod, cfg.ModelDir)
	}
	return srv, nil
}

// devBootstrapModel gives a fresh `cuepoint dev` a trained model: a synthetic audience's
// week of events goes to Kafka (so the analytics and the dashboard have recs data) and, in
// memory, to the trainer; the model is published (the service picks it up) and the
// embeddings written to the featurestore. `cuepoint train` replaces it from ClickHouse.
func devBootstrapModel(ctx context.Context, log *slog.Logger, cat *catalog.Catalog, store *featurestore.Store, prod *producer.Producer, dir string) {
	began := time.Now()
	w := synth.New(cat, synth.Config{Seed: 1, Viewers: 2000, Days: 7, End: time.Now()})
	ds := &train.Dataset{}
	st, err := w.Generate(func(e events.Typed) error {
		ds.Add(e)
		return emitPatiently(ctx, prod, e)
	})
	if err != nil {
		return
	}
	res, err := train.Train(ctx, ds, cat, train.Config{Seed: 1, MaxEvalUsers: 1000}, nil)
	if err != nil {
		log.Error("recs: bootstrap training failed", "err", err)
		return
	}
	if _, _, err := train.WriteFeatures(ctx, store, res, cat, train.WriteOptions{}); err != nil {
		log.Error("recs: bootstrap features not written", "err", err)
	}
	path, err := model.Publish(dir, res.Model, 5)
	if err != nil {
		log.Error("recs: bootstrap model not published", "err", err)
		return
	}
	log.Info("recs: bootstrap model published", "path", path, "lists", st.Lists, "plays", st.Plays,
		"viewers", len(res.Users), "took", time.Since(began).Round(time.Millisecond))
}

func runRecsGenerate(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("recs generate", "Send a seeded synthetic audience's recs events (lists served, clicks, plays) through the\nanalytics pipeline (Kafka → sink → ClickHouse), for `cuepoint train`. The same flags give the same events.")
	var p platformFlags
	p.register(fs)
	var rf recsFlags
	rf.register(fs)
	d := synth.DefaultConfig()
	viewers := fs.Int("viewers", d.Viewers, "viewers in the synthetic audience")
	days := fs.Int("days", d.Days, "days of activity, ending now (or --end)")
	sessions := fs.Float64("sessions", d.SessionsPerViewer, "mean lists shown per viewer")
	seed := fs.Uint64("seed", d.Seed, "seed of the audience and its behaviour")
	endFlag := fs.String("end", "", "end of the activity, RFC 3339 (default: now)")
	newLog := logging.Flags(fs)
	fs.Check(func() error {
		if *viewers < 1 || *days < 1 || *days > 30 || *sessions <= 0 {
			return &config.UsageError{Setting: "viewers/days/sessions", Err: errors.New("want viewers ≥ 1, 1 ≤ days ≤ 30 (raw retention), sessions > 0")}
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	end := time.Now()
	if *endFlag != "" {
		var err error
		if end, err = time.Parse(time.RFC3339, *endFlag); err != nil {
			return &config.UsageError{Setting: "end", Err: err}
		}
	}
	cat, err := rf.catalog(p.root, log)
	if err != nil {
		return err
	}
	prod, err := recsProducer(p.kafka(), filepath.Join(p.root, "spool", "recs-generate"), "recs-generate", log)
	if err != nil {
		return err
	}
	w := synth.New(cat, synth.Config{Seed: *seed, Viewers: *viewers, Days: *days, SessionsPerViewer: *sessions, End: end})
	began := time.Now()
	sent := 0
	st, genErr := w.Generate(func(e events.Typed) error {
		sent++
		return emitPatiently(ctx, prod, e)
	})
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	drainErr := drain(cctx, prod)
	closeErr := prod.Close(cctx)
	fmt.Printf("sent %d events: %d lists, %d impressions, %d clicks (CTR %.2f%%), %d plays, %s … %s, in %s\n",
		sent, st.Lists, st.Impressions, st.Clicks, 100*st.CTR(), st.Plays, st.From.Format(time.RFC3339), st.To.Format(time.RFC3339),
		time.Since(began).Round(time.Millisecond))
	return errors.Join(genErr, drainErr, closeErr)
}

// emitPatiently hands e to the producer, waiting while its queue is full: a batch of
// generated events must not be dropped the way a request path's would be.
func emitPatiently(ctx context.Context, prod *producer.Producer, e events.Event) error {
	for {
		err := prod.TryEmit(e)
		if !errors.Is(err, producer.ErrOverloaded) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// recsProducer is the analytics producer of recs' commands. It lets Kafka create the recs
// topic on first use (brokers that allow it, as the embedded one does): the producer does not
// ask for it by itself, and nothing else creates the event topics yet.
func recsProducer(brokers []string, spool, service string, log *slog.Logger) (*producer.Producer, error) {
	return producer.New(brokers, producer.WithSpool(spool, 0), producer.WithService(service), producer.WithLogger(log))
}

// drain waits until the producer has handed everything to Kafka: a burst outruns Kafka and
// is spooled, and Close would leave the spool for the next process rather than replay it.
func drain(ctx context.Context, prod *producer.Producer) error {
	for s := prod.Stats(); s.Spooling || s.SpoolBytes > 0 || s.MemoryBytes > 0; s = prod.Stats() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d bytes of events still spooled (they are sent by the next run): %w", s.SpoolBytes, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}
