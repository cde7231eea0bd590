package recs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// Deps are the service's collaborators.
type Deps struct {
	// Catalog is required.
	Catalog *catalog.Catalog
	// Features is the featurestore (nil: none; every list is then served degraded, from the
	// viewer's plays through this instance, trending and the model's prior).
	Features Features
	// Background, when set, serves the bulk reads off the request path (the trending
	// refresh). A featurestore Store of its own keeps their failures and latency from opening
	// the request path's circuit breaker. Default: Features.
	Background Features
	// Emitter receives the served-list and action events (nil: discarded).
	Emitter producer.Emitter
	Log     *slog.Logger
	// Now is the clock (tests fix it; default time.Now).
	Now func() time.Time
}

// Service answers recommendation requests. Build it with New, mount it on a server with
// Mount (which starts its background work: model reloads, trending refreshes) and close it
// with Close (Mount registers that with the server).
type Service struct {
	cfg      Config
	cat      *catalog.Catalog
	features Features
	bulk     Features
	emitter  producer.Emitter
	log      *slog.Logger
	now      func() time.Time

	index    atomic.Pointer[rank.Index]
	trending atomic.Pointer[rank.Trending]
	loadedAt atomic.Int64 // Unix ms the current model was loaded
	live     atomic.Pointer[[]float32]

	bandit  *rank.Bandit
	history *history
	exp     *experiment
	promos  []rank.Promotion
	metrics *serviceMetrics
	calls   sync.Pool

	catalogJSON []byte
	watcher     *model.Watcher

	stop    context.CancelFunc
	running sync.WaitGroup
}

type discard struct{}

func (discard) Emit(events.Event) {}

// New builds the service: the catalogue's index, the current model from cfg.ModelDir when
// one is published (else untrained defaults), a trending snapshot from the model's prior.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Catalog == nil {
		return nil, errors.New("recs: a catalogue is required")
	}
	s := &Service{
		cfg: cfg, cat: deps.Catalog, features: deps.Features, emitter: deps.Emitter, log: deps.Log, now: deps.Now,
		bandit:  rank.NewBandit(deps.Catalog.Len()),
		history: newHistory(cfg.HistoryViewers),
		exp:     newExperiment(&cfg),
		metrics: newServiceMetrics(cfg.Arms),
	}
	if s.emitter == nil {
		s.emitter = discard{}
	}
	if s.bulk = deps.Background; s.bulk == nil {
		s.bulk = deps.Features
	}
	if s.log == nil {
		s.log = logging.Discard
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, p := range cfg.Promotions {
		id, pos, _ := parsePromotion(p)
		i, ok := s.cat.Index(id)
		if !ok {
			return nil, fmt.Errorf("recs: promoted title %q is not in the catalogue", id)
		}
		s.promos = append(s.promos, rank.Promotion{Item: i, Position: pos})
	}
	var err error
	if s.catalogJSON, err = s.cat.MarshalJSON(); err != nil {
		return nil, err
	}
	s.calls.New = func() any { return &call{} }
	s.setModel(nil)
	if cfg.ModelDir != "" {
		s.watcher = &model.Watcher{Dir: cfg.ModelDir, Interval: cfg.ReloadInterval, Log: s.log, OnLoad: s.setModel,
			OnError: func(error) { s.metrics.reloadFailed.Inc() }}
		switch _, err := s.watcher.Check(); {
		case errors.Is(err, model.ErrNoModel):
			s.log.Warn("no recs model published yet: serving untrained defaults until one is", "dir", cfg.ModelDir)
		case err != nil:
			s.metrics.reloadFailed.Inc()
			s.log.Error("recs model unreadable: serving untrained defaults until a good one is published", "dir", cfg.ModelDir, "err", err)
		}
	}
	return s, nil
}

// setModel swaps in an index for m (nil: untrained) and rebuilds the trending snapshot on
// it. Requests in flight finish on the index they started with.
func (s *Service) setModel(m *model.Model) {
	ix := rank.NewIndex(s.cat, m)
	s.index.Store(ix)
	s.loadedAt.Store(s.now().UnixMilli())
	var live []float32
	if p := s.live.Load(); p != nil {
		live = *p
	}
	s.trending.Store(rank.NewTrending(ix, live, s.now()))
	s.metrics.reloaded(ix.Version())
	if m != nil {
		s.log.Info("recs model loaded", "version", m.Meta.Version, "items", len(m.Items), "created", m.Meta.Created)
	}
}

// Index returns the index serving now (for tests and tools).
func (s *Service) Index() *rank.Index { return s.index.Load() }

// Mount registers the service's routes and readiness on srv and starts its background work,
// which stops when ctx is cancelled or the server closes the service.
func (s *Service) Mount(ctx context.Context, srv *server.Server) {
	srv.Handle("GET", "/v1/recs", s.HandleRecs)
	srv.Handle("POST", "/v1/recs/actions", s.HandleAction)
	srv.Handle("OPTIONS", "/v1/recs/actions", handlePreflight)
	srv.Handle("GET", "/v1/recs/model", s.handleModel)
	srv.Handle("GET", "/v1/catalog", s.handleCatalog)
	srv.Handle("GET", "/v1/catalog/{id}", s.handleTitle)
	srv.Handle("GET", "/", s.handleDemo)
	srv.Ready("catalog", func(context.Context) error {
		if s.cat.Len() == 0 {
			return errors.New("the catalogue is empty")
		}
		return nil
	})
	srv.OnClose("recs", func(context.Context) error { s.Close(); return nil })
	s.Start(ctx)
}

// Start runs the background work (model watcher, trending refresher) until ctx is cancelled
// or Close. Mount calls it.
func (s *Service) Start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(ctx)
	if s.watcher != nil {
		s.running.Add(1)
		go func() { defer s.running.Done(); s.watcher.Run(ctx) }()
	}
	if s.bulk != nil {
		s.running.Add(1)
		go func() { defer s.running.Done(); s.refreshTrending(ctx) }()
	}
}

// Close stops the background work and waits for it.
func (s *Service) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.running.Wait()
}
