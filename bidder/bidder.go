package bidder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/metrics"
	"github.com/cuepoint/cuepoint/internal/server"
)

// Bidder is the OpenRTB bidder: build it with New, load campaigns with Reload (Mount does on
// first use), and mount its routes on a server.
type Bidder struct {
	cfg      Config
	log      *slog.Logger
	store    CampaignStore
	features Features
	counters FrequencyCounters
	emit     Emitter
	now      func() time.Time

	index   atomic.Pointer[Index]
	pacer   *Pacer
	shader  *Shader
	signer  *signer
	replays *replayGuard
	dedupe  *sharedDedupe // nil: per-instance dedupe only

	exhaustive bool          // tests: price every candidate (no early stop), the reference for the fast path
	slack      time.Duration // tests: added to every deadline, so a loaded machine cannot turn bids into 204s
	admission  *admission
	bidPrefix  string

	reloadMu sync.Mutex
	// loadedGen is the store generation the index was last loaded at (generationStore only);
	// genLoaded says whether it is set. Both under reloadMu.
	loadedGen uint64
	genLoaded bool
	stop      chan struct{}
	done      sync.WaitGroup

	latency         *vm.PrometheusHistogram
	bidResponses    *vm.Counter
	invalidRequests *vm.Counter
}

var (
	featureErrors   = metrics.Counter(`cuepoint_bidder_feature_errors_total`)
	budgetRefused   = metrics.Counter(`cuepoint_bidder_budget_refusals_total`)
	nobidCounters   sync.Map // reason → *vm.Counter
	noticeCounters  sync.Map
	privacyCounters sync.Map
)

func (b *Bidder) nobidCounter(reason string) *vm.Counter {
	if c, ok := nobidCounters.Load(reason); ok {
		return c.(*vm.Counter)
	}
	c := metrics.Counter(`cuepoint_bidder_nobids_total{reason="` + reason + `"}`)
	nobidCounters.Store(reason, c)
	return c
}

// privacyCounter counts requests bid on without personalization, by reason.
func privacyCounter(reason string) *vm.Counter {
	if c, ok := privacyCounters.Load(reason); ok {
		return c.(*vm.Counter)
	}
	c := metrics.Counter(`cuepoint_bidder_privacy_restricted_total{reason="` + reason + `"}`)
	privacyCounters.Store(reason, c)
	return c
}

func (b *Bidder) noticeCounter(kind, result string) *vm.Counter {
	k := kind + "/" + result
	if c, ok := noticeCounters.Load(k); ok {
		return c.(*vm.Counter)
	}
	c := metrics.Counter(`cuepoint_bidder_notices_total{kind="` + kind + `",result="` + result + `"}`)
	noticeCounters.Store(k, c)
	return c
}

// New returns a bidder. It does not load campaigns: call Reload (or Mount, which does).
func New(cfg Config, deps Deps) (*Bidder, error) {
	if cfg.Seat == "" {
		return nil, errors.New("bidder: a seat is required")
	}
	if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.ContainsAny(cfg.PublicURL, " \"\\<>'") || strings.HasSuffix(cfg.PublicURL, "/") {
		return nil, fmt.Errorf("bidder: public URL %q: want http(s)://host[:port][/path] without a trailing slash", cfg.PublicURL)
	}
	if deps.Log == nil {
		deps.Log = logging.Discard
	}
	if deps.Store == nil {
		deps.Store = NewMemoryStore()
	}
	if deps.Ledger == nil {
		deps.Ledger = NewMemoryLedger()
	}
	if deps.Emitter == nil {
		deps.Emitter = discardEmitter{}
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Features == nil && deps.Counters == nil {
		mv := NewMemoryViewers()
		deps.Features, deps.Counters = mv, mv
	}
	if len(cfg.NoticeKey) == 0 {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		cfg.NoticeKey = k
		deps.Log.Warn("no --notice-key: notice URLs are signed with a random per-process key and stop verifying after a restart")
	}
	switch cfg.VideoMarkup {
	case "":
		cfg.VideoMarkup = MarkupInAdm
	case MarkupInAdm, MarkupInNURL:
	default:
		return nil, fmt.Errorf("bidder: video markup %q: want %q or %q", cfg.VideoMarkup, MarkupInAdm, MarkupInNURL)
	}
	if cfg.DedupeTimeout <= 0 {
		cfg.DedupeTimeout = 100 * time.Millisecond
	}
	if cfg.FX == nil {
		cfg.FX = map[string]float64{"USD": 1}
	}
	prefix := make([]byte, 4)
	if _, err := rand.Read(prefix); err != nil {
		return nil, err
	}
	b := &Bidder{
		cfg: cfg, log: deps.Log.With("component", "bidder"), store: deps.Store, features: deps.Features,
		counters: deps.Counters, emit: deps.Emitter, now: deps.Now,
		pacer:     NewPacer(deps.Ledger, cfg.ReservationWindow, cfg.LeaseFraction, deps.Log),
		shader:    NewShader(cfg.ShadingFloor),
		signer:    newSigner(cfg.NoticeKey),
		replays:   newReplayGuard(),
		admission: newAdmission(int64(cfg.maxInFlight()), cfg.MaxQueueTime),
		bidPrefix: hex.EncodeToString(prefix) + "-",
		stop:      make(chan struct{}),

		latency:         metrics.Latency(`cuepoint_bidder_decision_seconds`),
		bidResponses:    metrics.Counter(`cuepoint_bidder_bid_responses_total`),
		invalidRequests: metrics.Counter(`cuepoint_bidder_invalid_requests_total`),
	}
	if deps.Dedupe != nil {
		b.dedupe = &sharedDedupe{d: deps.Dedupe}
	}
	b.index.Store(NewIndex(nil))
	metrics.Gauge(`cuepoint_bidder_campaigns`, func() float64 { return float64(b.index.Load().Len()) })
	return b, nil
}

// Reload reads every campaign from the store, rebuilds the index and swaps it in, and leases a
// first budget chunk for campaigns new to this instance.
func (b *Bidder) Reload(ctx context.Context) error {
	b.reloadMu.Lock()
	defer b.reloadMu.Unlock()
	gs, versioned := b.store.(generationStore)
	var gen uint64
	if versioned {
		gen = gs.Generation() // read before List: a change made during List shows next time
		if b.genLoaded && gen == b.loadedGen {
			return nil // nothing put or deleted since the last load
		}
	}
	cs, err := b.store.List(ctx)
	if err != nil {
		return fmt.Errorf("load campaigns: %w", err)
	}
	valid := cs[:0]
	for _, c := range cs {
		if err := c.Validate(); err != nil {
			b.log.Warn("stored campaign is invalid; skipped", "campaign", c.ID, "err", err)
			continue
		}
		valid = append(valid, c)
	}
	if versioned {
		defer func() { b.loadedGen, b.genLoaded = gen, true }()
	}
	if sameCampaigns(b.index.Load(), valid) {
		return nil // nothing changed: keep the index (and its warm caches)
	}
	ix := NewIndex(valid)
	b.pacer.Prime(ctx, valid, b.now())
	b.index.Store(ix)
	b.log.Info("campaigns indexed", "campaigns", ix.Len())
	return nil
}

// sameCampaigns reports whether the index holds exactly cs (paused ones aside).
func sameCampaigns(ix *Index, cs []*Campaign) bool {
	n := 0
	for _, c := range cs {
		if c.Paused {
			continue
		}
		n++
		old, ok := ix.Campaign(c.ID)
		if !ok || !reflect.DeepEqual(old, c) {
			return false
		}
	}
	return n == ix.Len()
}

// Mount registers the bidder's routes, readiness check and closer on srv, loads the campaigns,
// and starts reloading them every --campaign-refresh.
func (b *Bidder) Mount(ctx context.Context, srv *server.Server) error {
	if err := b.Reload(ctx); err != nil {
		return err
	}
	srv.Handle("POST", "/openrtb2/bid", b.HandleBid)
	for _, m := range []string{"GET", "POST"} {
		srv.Handle(m, "/v1/notice/{kind}", b.HandleNotice)
	}
	srv.Handle("GET", "/v1/campaigns", srv.Admin(b.adminList))
	srv.Handle("GET", "/v1/campaigns/{id}", srv.Admin(b.adminGet))
	srv.Handle("PUT", "/v1/campaigns/{id}", srv.Admin(b.adminPut))
	srv.Handle("DELETE", "/v1/campaigns/{id}", srv.Admin(b.adminDelete))
	srv.Handle("GET", "/v1/pacing/{id}", srv.Admin(b.adminPacing))
	srv.Ready("campaigns", func(ctx context.Context) error {
		_, err := b.store.List(ctx)
		return err
	})
	srv.OnClose("bidder", b.Close)
	b.done.Add(2)
	go b.refreshLoop()
	go func() { defer b.done.Done(); b.admission.run(b.stop) }()
	return nil
}

func (b *Bidder) refreshLoop() {
	defer b.done.Done()
	if b.cfg.CampaignRefresh <= 0 {
		return
	}
	t := time.NewTicker(b.cfg.CampaignRefresh)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), b.cfg.CampaignRefresh)
			if err := b.Reload(ctx); err != nil {
				b.log.Warn("campaign refresh failed; serving the last good index", "err", err)
			}
			cancel()
		}
	}
}

// Close stops the refresh loop.
func (b *Bidder) Close(context.Context) error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	b.done.Wait()
	return nil
}

// Index returns the current targeting index.
func (b *Bidder) Index() *Index { return b.index.Load() }
