package adserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/beacon"
	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/metrics"
	"github.com/cuepoint/cuepoint/internal/server"
)

// Emitter sends analytics events; Emit never blocks (analytics/producer drops and counts when
// full).
type Emitter interface {
	Emit(events.Event)
}

// Catalog is what decisions need from the creative catalog (package catalog): whether an ad's
// media is conditioned for the stitcher — queueing it for conditioning when it is not — and
// the line items that fill what the auction leaves.
type Catalog interface {
	// Resolve finds the creative an ad names and returns its media when it is ready.
	Resolve(ref catalog.Ref) (*catalog.Media, catalog.Status)
	// Media returns a catalog creative by id.
	Media(id string) (*catalog.Media, catalog.Status)
	// LineItems returns the line items (a snapshot the caller must not modify).
	LineItems() []*catalog.LineItem
}

// Deps are the adserver's collaborators. Nil fields get an in-process stand-in: no catalog
// (every ad is left out: nothing is conditioned), in-memory frequency counters, events
// discarded.
type Deps struct {
	Log       *slog.Logger
	Emitter   Emitter
	Catalog   Catalog
	Frequency Frequency
	// FrequencyStore shares frequency counts between instances (CassandraFrequency); nil
	// keeps them per process.
	FrequencyStore FrequencyStore
	// Pods remembers the pod answered for each (session, break) (CassandraPods shares them
	// between instances); nil keeps them per process (MemoryPods).
	Pods PodStore
	// Now is the clock (tests move it); nil is time.Now.
	Now func() time.Time
}

// AdServer decides ad breaks: it runs the auction, fits the pod, answers VAST and VMAP, and
// takes the tracking beacons of what it served.
type AdServer struct {
	cfg      Config
	log      *slog.Logger
	auction  *auction.Client
	fetch    *safehttp.Client
	pinger   *safehttp.Pinger
	resolver resolver
	signer   *beacon.Signer
	replays  *beacon.Replays
	catalog  Catalog
	freq     Frequency
	store    FrequencyStore
	pods     PodStore

	podsHit, podsFail *vm.Counter
	freqWriterState
	emit Emitter
	now  func() time.Time

	inflight    atomic.Int64
	maxInFlight int64

	decisions     *vm.Counter
	shed          *vm.Counter
	filled        *vm.Counter
	empty         *vm.Counter
	badRequests   *vm.Counter
	decisionTime  *vm.PrometheusHistogram // request arrival to VAST written
	overhead      *vm.PrometheusHistogram // the same, less the wait for bidders: the adserver's own work
	dropped       map[string]*vm.Counter  // ads left out of pods, by reason
	beaconsOK     *vm.Counter
	beaconsForged *vm.Counter
	beaconsOld    *vm.Counter
	beaconsReplay *vm.Counter
	freqWait      *vm.PrometheusHistogram // waits for the shared counts after the auction
	freqTimeout   *vm.Counter             // decisions that went on without the shared counts: too slow
	freqError     *vm.Counter             // … or failed
	freqWriteOK   *vm.Counter
	freqWriteErr  *vm.Counter
	freqWriteDrop *vm.Counter
}

// New returns an adserver. Without beacon keys it generates a random one and warns: beacons
// then stop verifying when the process restarts (development only).
func New(cfg Config, deps Deps) (*AdServer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Log == nil {
		deps.Log = logging.Discard
	}
	if deps.Emitter == nil {
		deps.Emitter = discard{}
	}
	if deps.Frequency == nil {
		deps.Frequency = NewMemoryFrequency(cfg.FreqWindow)
	}
	if deps.Pods == nil {
		deps.Pods = NewMemoryPods(100_000)
	}
	if deps.Catalog == nil {
		deps.Catalog = emptyCatalog{}
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	log := deps.Log.With("component", "adserver")
	keys := cfg.BeaconKeys
	if len(keys) == 0 {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		keys = [][]byte{k}
		log.Warn("no --beacon-key: beacons are signed with a random per-process key and stop verifying after a restart")
	}
	signer, err := beacon.NewSigner(keys...)
	if err != nil {
		return nil, err
	}
	signer.SetMaxAge(cfg.BeaconMaxAge)
	ac, err := auction.NewClient(cfg.Bidders)
	if err != nil {
		return nil, err
	}
	fetch := safehttp.NewClient(safehttp.NewGuard(cfg.FetchAllow), safehttp.Options{MaxBodyBytes: vastMaxBytes})
	a := &AdServer{
		cfg: cfg, log: log, auction: ac, fetch: fetch,
		pinger:   safehttp.NewPinger(fetch, safehttp.PingerOptions{Log: log}),
		resolver: resolver{client: fetch, maxDepth: cfg.MaxWrapperDepth},
		signer:   signer, replays: beacon.NewReplays(cfg.BeaconMaxAge),
		catalog: deps.Catalog, freq: deps.Frequency, store: deps.FrequencyStore, emit: deps.Emitter, now: deps.Now,
		pods:     deps.Pods,
		podsHit:  metrics.Counter(`cuepoint_adserver_pods_total{result="repeated"}`),
		podsFail: metrics.Counter(`cuepoint_adserver_pods_total{result="store_failed"}`),

		decisions:     metrics.Counter(`cuepoint_adserver_decisions_total`),
		shed:          metrics.Counter(`cuepoint_adserver_shed_total`),
		filled:        metrics.Counter(`cuepoint_adserver_ads_served_total`),
		empty:         metrics.Counter(`cuepoint_adserver_empty_breaks_total`),
		badRequests:   metrics.Counter(`cuepoint_adserver_bad_requests_total`),
		decisionTime:  metrics.Latency(`cuepoint_adserver_decision_seconds`),
		overhead:      metrics.Latency(`cuepoint_adserver_decision_overhead_seconds`),
		dropped:       map[string]*vm.Counter{},
		beaconsOK:     metrics.Counter(`cuepoint_adserver_beacons_total{result="counted"}`),
		beaconsForged: metrics.Counter(`cuepoint_adserver_beacons_total{result="forged"}`),
		beaconsOld:    metrics.Counter(`cuepoint_adserver_beacons_total{result="expired"}`),
		beaconsReplay: metrics.Counter(`cuepoint_adserver_beacons_total{result="replay"}`),
		freqWait:      metrics.Latency(`cuepoint_adserver_freq_wait_seconds`),
		freqTimeout:   metrics.Counter(`cuepoint_adserver_freq_degraded_total{reason="timeout"}`),
		freqError:     metrics.Counter(`cuepoint_adserver_freq_degraded_total{reason="error"}`),
		freqWriteOK:   metrics.Counter(`cuepoint_adserver_freq_writes_total{result="ok"}`),
		freqWriteErr:  metrics.Counter(`cuepoint_adserver_freq_writes_total{result="error"}`),
		freqWriteDrop: metrics.Counter(`cuepoint_adserver_freq_writes_total{result="dropped"}`),
	}
	if a.store != nil {
		a.startFreqWriters()
	}
	a.maxInFlight = int64(cfg.MaxInFlight)
	if a.maxInFlight == 0 {
		a.maxInFlight = 256 * int64(runtime.GOMAXPROCS(0))
	}
	for _, r := range dropReasons {
		a.dropped[r] = metrics.Counter(`cuepoint_adserver_ads_dropped_total{reason="` + r + `"}`)
	}
	return a, nil
}

// vastMaxBytes caps a fetched VAST document (wrapper, nurl body).
const vastMaxBytes = 512 << 10

// Mount registers the adserver's routes and closer on srv.
//
//	GET /vast            an ad pod for one break (VAST 4.2)
//	GET /vmap            a VOD schedule of pre-, mid- and post-rolls (VMAP 1.0)
//	GET /t/{event}       tracking beacons
func (a *AdServer) Mount(srv *server.Server) {
	srv.Handle("GET", "/vast", a.HandleVAST)
	srv.Handle("GET", "/vmap", a.HandleVMAP)
	srv.Handle("GET", "/t/{event}", a.HandleBeacon)
	srv.Handle("POST", "/t/{event}", a.HandleBeacon)
	srv.OnClose("adserver-pings", a.Close)
}

// Close fires the notices still queued and stops the pinger, then writes the impressions
// still queued for the shared frequency store.
func (a *AdServer) Close(ctx context.Context) error {
	if err := a.pinger.Close(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("adserver: pings: %w", err)
	}
	if err := a.closeFreqWriters(ctx); err != nil {
		return fmt.Errorf("adserver: frequency writes: %w", err)
	}
	return nil
}

// Signer returns the beacon signer (tests and tools verify URLs with it).
func (a *AdServer) Signer() *beacon.Signer { return a.signer }

type discard struct{}

func (discard) Emit(events.Event) {}

type emptyCatalog struct{}

func (emptyCatalog) Resolve(catalog.Ref) (*catalog.Media, catalog.Status) {
	return nil, catalog.StatusPending
}
func (emptyCatalog) Media(string) (*catalog.Media, catalog.Status) { return nil, catalog.StatusPending }
func (emptyCatalog) LineItems() []*catalog.LineItem                { return nil }
