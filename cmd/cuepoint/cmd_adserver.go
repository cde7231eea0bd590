package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/adserver"
	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/adserver/condition"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/bidder"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin/packager"
)

const adserverSummary = "Serve VAST 4.2 ad pods from a real-time OpenRTB auction (GET /vast, /vmap), tracking beacons (/t/{event}) and the creative catalog on :8082."

func init() {
	register(command{name: "adserver", summary: adserverSummary, run: runAdserver})
	registerDev(devService{name: "adserver", port: 8082, order: 40, start: startDevAdserver, links: []devLink{
		{"a 60 s mid-roll pod (VAST 4.2)", "/vast?dur=60&min=5&max=30&ps=4&uid=viewer-1&content=demo&session=dev-1&ip=203.0.113.9&ua=Roku%2FDVP-12.5&pos=mid"},
		{"a structured pod: slots of 30, 15 and 15 s (OpenRTB 2.6 slotinpod)", "/vast?slots=30,15,15&uid=viewer-1&content=demo&session=dev-1&ip=203.0.113.9&ua=Roku%2FDVP-12.5&pos=mid"},
		{"a VOD schedule (VMAP)", "/vmap?dur=1800&every=600&uid=viewer-1&content=demo"},
		{"conditioning (admin)", "/v1/conditioning"},
	}})
}

// adserverWiring is what `cuepoint adserver` and `cuepoint dev` pass to buildAdserver.
type adserverWiring struct {
	cfg        *adserver.Config
	log        *slog.Logger
	adminToken string
	mediaRoot  string
	mediaURL   string // public base URL of the media handler (default PublicURL + "/media")
	ladder     condition.Ladder
	workers    int
	preset     string
	store      catalog.Store
	// freq shares frequency counts between instances (nil: per process).
	freq    adserver.FrequencyStore
	pods    adserver.PodStore
	brokers []string // Kafka, for analytics; empty: events are not sent
	spool   string
	// emitter, when set, is a producer shared with other services (cuepoint dev); release
	// gives it back at shutdown. brokers and spool are then unused.
	emitter  *producer.Producer
	release  func(context.Context) error
	seedDemo bool
}

func runAdserver(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("adserver", adserverSummary+`

  GET  /vast?dur=60&min=5&max=30&ps=4&uid=…&content=…&ip=…&ua=…&session=…&pos=mid[&sst=1]
  GET  /vmap?dur=3600&every=600
  GET  /t/{event}?…&sig=…          signed tracking beacons
  GET  /media/…                    conditioned ad renditions
  /v1/creatives, /v1/lineitems, /v1/conditioning   admin API (admin token)

The catalog lives in Cassandra (keyspace --adserver-keyspace); --catalog-store memory keeps it
in process memory. See docs/adserver.md.`)
	var p platformFlags
	p.register(fs)
	cfg := adserver.Flags(fs)
	adminToken := fs.String("admin-token", "", "bearer token of the admin API (empty: admin API refuses every request)")
	storeKind := fs.String("catalog-store", "cassandra", "where the creative catalog lives: cassandra or memory")
	keyspace := fs.String("adserver-keyspace", catalog.DefaultKeyspace, "Cassandra keyspace of the creative catalog")
	mediaRoot := fs.String("media-root", "", "directory of conditioned ads (default <root>/adserver/media)")
	mediaURL := fs.String("media-url", "", "public base URL of the media root (default <public-url>/media)")
	ladderSpec := fs.String("ladder", "", "conditioning target: JSON or a JSON file of the content ladder (default: the origin's ladder)")
	workers := fs.Int("condition-workers", 1, "concurrent ffmpeg conditioning jobs")
	preset := fs.String("condition-preset", "veryfast", "x264/x265 preset for conditioning")
	seedDemo := fs.Bool("seed-demo", false, "make and condition demo ads (ffmpeg slates) for the demo bidder's creatives, and house line items")
	analytics := fs.Bool("analytics", true, "send decisions and tracking events to Kafka (--kafka-brokers)")
	newLog := logging.Flags(fs)
	var lad condition.Ladder
	fs.Check(func() error {
		if *storeKind != "cassandra" && *storeKind != "memory" {
			return &config.UsageError{Setting: "catalog-store", Err: fmt.Errorf("%q: want cassandra or memory", *storeKind)}
		}
		if *workers < 1 || *workers > 64 {
			return &config.UsageError{Setting: "condition-workers", Err: fmt.Errorf("want 1..64, got %d", *workers)}
		}
		var err error
		if lad, err = ladderFrom(*ladderSpec); err != nil {
			return &config.UsageError{Setting: "ladder", Err: err}
		}
		return server.ValidateAdminToken(*adminToken)
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	w := adserverWiring{cfg: cfg, log: log, adminToken: *adminToken, mediaRoot: *mediaRoot, mediaURL: *mediaURL,
		ladder: lad, workers: *workers, preset: *preset, seedDemo: *seedDemo, spool: filepath.Join(p.root, "spool", "adserver")}
	if w.mediaRoot == "" {
		w.mediaRoot = filepath.Join(p.root, "adserver", "media")
	}
	if *analytics {
		w.brokers = p.kafka()
	}
	var closeDB func()
	if *storeKind == "memory" {
		log.Warn("creative catalog in process memory: registrations are forgotten on restart (conditioned files are kept and reused)")
		w.store = catalog.NewMemoryStore()
	} else {
		st, freq, pods, closer, err := openCatalogStore(ctx, p.cassandra(), p.cassandraOptions(""), p.cassandraReplication, *keyspace, cfg.FreqWindow, log)
		if err != nil {
			return err
		}
		w.store, w.freq, w.pods, closeDB = st, freq, pods, closer
	}
	srv, err := buildAdserver(ctx, w)
	if err != nil {
		if closeDB != nil {
			closeDB()
		}
		return err
	}
	if closeDB != nil {
		srv.OnClose("cassandra", func(context.Context) error { closeDB(); return nil })
	}
	return server.Run(ctx, log, srv)
}

// buildAdserver builds the adserver's server: conditioner, catalog, adserver, analytics,
// routes. With seedDemo, demo ads are made and registered once the server answers.
func buildAdserver(ctx context.Context, w adserverWiring) (*server.Server, error) {
	cfg, log := w.cfg, w.log
	if w.mediaURL == "" {
		w.mediaURL = cfg.PublicURL + "/media"
	}
	tools, err := condition.FindTools()
	if err != nil {
		return nil, err
	}
	tools.Preset = w.preset
	fetch := safehttp.NewClient(safehttp.NewGuard(cfg.FetchAllow), safehttp.Options{})
	var cat *catalog.Catalog
	cond, err := condition.New(condition.Options{
		Root: w.mediaRoot, Ladder: w.ladder, Tools: tools, Fetch: fetch, Workers: w.workers, Log: log,
		OnDone: func(j condition.Job, o condition.Output, err error) { cat.Done(j, o, err) },
	})
	if err != nil {
		return nil, err
	}
	cat = catalog.New(w.store, cond, catalog.Options{MediaURL: w.mediaURL, Refresh: 30 * time.Second, Log: log})
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = cat.Load(lctx)
	cancel()
	if err != nil {
		_ = cond.Close(context.Background())
		return nil, fmt.Errorf("load the creative catalog: %w", err)
	}
	deps := adserver.Deps{Log: log, Catalog: cat, FrequencyStore: w.freq, Pods: w.pods}
	srv := server.New("adserver", cfg.Addr, server.WithLogger(log), server.WithAdminToken(w.adminToken), server.WithMaxBodySize(256<<10))
	// Closers run in reverse: the adserver's pings, then conditioning, then the catalog's writes,
	// then analytics.
	if w.emitter != nil {
		deps.Emitter = w.emitter
		srv.OnClose("analytics", w.release)
	} else if len(w.brokers) > 0 {
		prod, err := producer.New(w.brokers, producer.WithService("adserver"), producer.WithLogger(log), producer.WithSpool(w.spool, 256<<20))
		if err != nil {
			_ = cond.Close(context.Background())
			_ = cat.Close(context.Background())
			return nil, fmt.Errorf("analytics producer: %w", err)
		}
		deps.Emitter = prod
		srv.OnClose("analytics", prod.Close)
	}
	srv.OnClose("catalog", cat.Close)
	srv.OnClose("conditioning", cond.Close)
	a, err := adserver.New(*cfg, deps)
	if err != nil {
		_ = cond.Close(context.Background())
		_ = cat.Close(context.Background())
		return nil, err
	}
	a.Mount(srv)
	cat.Mount(srv, w.mediaRoot)
	log.Info("adserver ready to decide", "bidders", len(cfg.Bidders), "ladder", cond.Fingerprint(), "renditions", len(w.ladder.Renditions), "media", w.mediaRoot)
	if w.seedDemo {
		go seedDemoAds(ctx, cfg.PublicURL, cat, tools, w.mediaRoot, log)
	}
	return srv, nil
}

// openCatalogStore migrates the adserver's keyspace and opens the Cassandra catalog store and
// the shared frequency counts (caps over window) on one session.
func openCatalogStore(ctx context.Context, hosts []string, o db.CassandraOptions, replication, keyspace string, window time.Duration, log *slog.Logger) (catalog.Store, adserver.FrequencyStore, adserver.PodStore, func(), error) {
	o.Timeout = 20 * time.Second // schema changes take seconds
	admin, err := db.OpenCassandra(hosts, o)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	mctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	applied, err := catalog.Migrate(mctx, admin, keyspace, replication)
	cancel()
	admin.Close()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	log.Info("adserver schema migrated", "keyspace", keyspace, "applied", applied)
	// The catalog is read at start and written off the request path; frequency reads are
	// bounded by each decision's own deadline, writes by theirs.
	o.Timeout = 2 * time.Second
	sess, err := db.OpenCassandra(hosts, o)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	st, err := catalog.NewCassandraStore(sess, keyspace)
	if err != nil {
		sess.Close()
		return nil, nil, nil, nil, err
	}
	freq, err := adserver.NewCassandraFrequency(sess, keyspace, window)
	if err != nil {
		sess.Close()
		return nil, nil, nil, nil, err
	}
	pods, err := adserver.NewCassandraPods(sess, keyspace)
	if err != nil {
		sess.Close()
		return nil, nil, nil, nil, err
	}
	return st, freq, pods, sess.Close, nil
}

// ladderFrom reads --ladder, defaulting to the origin's content ladder.
func ladderFrom(spec string) (condition.Ladder, error) {
	if strings.TrimSpace(spec) != "" {
		return condition.LoadLadder(spec)
	}
	return originLadder(packager.DefaultLadder())
}

// originLadder converts the origin's packaging ladder into the adserver's conditioning
// target: the same H.264 renditions, the same separate AAC audio rendition, segment length
// and container.
func originLadder(o packager.Ladder) (condition.Ladder, error) {
	l := condition.Ladder{Name: "origin", Container: string(o.Container), SegmentSeconds: time.Duration(o.SegmentDuration).Seconds(),
		Audio: &condition.AudioRendition{Name: o.Audio.Name, Language: o.Audio.Language, Label: o.Audio.Label,
			Kbps: o.Audio.Bitrate / 1000, Channels: o.Audio.Channels, SampleRate: o.Audio.SampleRate}}
	for _, r := range o.Renditions {
		l.Renditions = append(l.Renditions, condition.Rendition{Name: r.Name, Codec: "h264", Profile: r.Profile, Level: r.Level,
			Width: r.Width, Height: r.Height, FPS: float64(r.FPS), VideoKbps: r.Bitrate / 1000})
	}
	return l, l.Validate()
}

// seedDemoAds makes the demo ads once the server answers: an ffmpeg colour slate "AD n" for
// each video creative of the demo bidder, registered in the catalog under the creative's
// UniversalAdId (registry "cuepoint", as the bidder's VAST names it) so the bidder's ads play
// them whatever media URL their VAST carries, and two house line items that fill what the
// auction leaves. Slates and conditioned renditions are kept under the media root and reused.
func seedDemoAds(ctx context.Context, public string, cat *catalog.Catalog, tools condition.Tools, root string, log *slog.Logger) {
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(public + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			log.Warn("demo ads not seeded: the adserver did not come up", "url", public)
			return
		}
	}
	type demo struct {
		id       string
		dur      time.Duration
		house    bool
		title    string
		adomain  string
		category string
	}
	// House ads first: they fill breaks while the bidder's creatives are still conditioning.
	demos := []demo{
		{id: "house-promo-15", dur: 15 * time.Second, house: true, title: "Cuepoint Originals", adomain: "cuepoint.example", category: "IAB1"},
		{id: "house-promo-30", dur: 30 * time.Second, house: true, title: "Cuepoint Sports", adomain: "sports.cuepoint.example", category: "IAB17"},
	}
	for _, c := range bidder.DemoCampaigns("") {
		for _, cr := range c.Creatives {
			if cr.Type == bidder.TypeVideo {
				demos = append(demos, demo{id: cr.ID, dur: time.Duration(cr.DurationSec) * time.Second, title: c.Advertiser, adomain: c.ADomain[0]})
			}
		}
	}
	for i, d := range demos {
		if ctx.Err() != nil {
			return
		}
		name := "demo/" + d.id + ".mp4"
		if err := tools.MakeSlate(ctx, filepath.Join(root, filepath.FromSlash(name)), fmt.Sprintf("AD %d", i+1),
			condition.SlateColors[i%len(condition.SlateColors)], d.dur, 1280, 720); err != nil {
			log.Warn("demo ad not made", "creative", d.id, "err", err)
			continue
		}
		cr := catalog.Creative{ID: "demo-" + d.id, UAIDRegistry: "cuepoint", UAIDValue: d.id, MezzanineURL: public + "/media/" + name,
			DurationMS: d.dur.Milliseconds(), Title: d.title, Advertiser: d.title, Source: "demo"}
		if _, err := cat.PutCreative(ctx, cr); err != nil {
			log.Warn("demo creative not registered", "creative", d.id, "err", err)
			continue
		}
		if d.house {
			li := catalog.LineItem{ID: d.id, Name: d.title, Kind: catalog.KindHouse, Advertiser: d.title, ADomain: d.adomain,
				Categories: []string{d.category}, CreativeID: cr.ID, ClickURL: "https://" + d.adomain + "/"}
			if err := cat.PutLineItem(ctx, li); err != nil {
				log.Warn("demo line item not stored", "line_item", d.id, "err", err)
			}
		}
	}
	log.Info("demo ads seeded; conditioning runs in the background (GET /v1/conditioning)", "ads", len(demos))
}

// startDevAdserver runs the adserver in `cuepoint dev`: the embedded Cassandra for the
// catalog, the dev bidder as the auction's bidder, loopback allow-listed for fetches (every
// service runs on 127.0.0.1 here), a beacon key kept under --root, the origin's ladder, and
// the demo ads.
func startDevAdserver(ctx context.Context, env *devEnv) (*server.Server, error) {
	cfg := adserver.DefaultConfig()
	cfg.Addr, cfg.PublicURL = env.addr(8082), env.url(8082)
	bidURL := env.url(8081) + "/openrtb2/bid"
	if u, ok := env.urls["bidder"]; ok {
		bidURL = u + "/openrtb2/bid"
	}
	cfg.Bidders = []auction.Endpoint{{Name: "cuepoint", URL: bidURL}}
	cfg.FetchAllow = safehttp.MustPrefixes("127.0.0.0/8", "::1/128")
	key, err := devSecret(filepath.Join(env.root, "adserver-beacon-key"))
	if err != nil {
		return nil, err
	}
	cfg.BeaconKeys = [][]byte{key}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lad, err := originLadder(packager.DefaultLadder())
	if err != nil {
		return nil, err
	}
	st, freq, pods, closeDB, err := openCatalogStore(ctx, env.cassandra, env.platform.cassandraOptions(""), env.platform.cassandraReplication, env.platform.adserverKeyspace, cfg.FreqWindow, env.log)
	if err != nil {
		return nil, err
	}
	prod, release, err := devProducer(env)
	if err != nil {
		closeDB()
		return nil, err
	}
	srv, err := buildAdserver(ctx, adserverWiring{cfg: &cfg, log: env.log, adminToken: env.adminToken,
		mediaRoot: filepath.Join(env.root, "adserver", "media"), ladder: lad, workers: 1, preset: "veryfast", store: st, freq: freq, pods: pods,
		emitter: prod, release: release, seedDemo: true})
	if err != nil {
		_ = release(context.Background())
		closeDB()
		return nil, err
	}
	srv.OnClose("cassandra", func(context.Context) error { closeDB(); return nil })
	return srv, nil
}
