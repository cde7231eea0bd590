package adserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver"
	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/adserver/vast/vasttest"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

// fakeCatalog plays every ad with a mezzanine, except those whose UniversalAdId is pending.
type fakeCatalog struct {
	mu        sync.Mutex
	pending   map[string]bool
	failed    map[string]bool
	asked     []catalog.Ref
	lineItems []*catalog.LineItem
	media     map[string]*catalog.Media
}

func newFakeCatalog() *fakeCatalog {
	return &fakeCatalog{pending: map[string]bool{}, failed: map[string]bool{}, media: map[string]*catalog.Media{}}
}

func renditionsFor(id string) []vast.MediaFile {
	return []vast.MediaFile{
		{ID: "720p", Delivery: "streaming", Type: "application/x-mpegURL", Width: 1280, Height: 720, Bitrate: 3000, Codec: "avc1.64001f,mp4a.40.2", URL: "http://media.example/ads/" + id + "/720p/index.m3u8"},
		{ID: "360p", Delivery: "streaming", Type: "application/x-mpegURL", Width: 640, Height: 360, Bitrate: 800, Codec: "avc1.4d401e,mp4a.40.2", URL: "http://media.example/ads/" + id + "/360p/index.m3u8"},
	}
}

func (f *fakeCatalog) Resolve(ref catalog.Ref) (*catalog.Media, catalog.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, ref)
	switch {
	case ref.Mezzanine.URL == "":
		return nil, catalog.StatusNoMezzanine
	case f.pending[ref.UniversalAdID.Value]:
		return nil, catalog.StatusPending
	case f.failed[ref.UniversalAdID.Value]:
		return nil, catalog.StatusFailed
	}
	id := "m-" + ref.UniversalAdID.Value
	return &catalog.Media{ID: id, UniversalAdID: ref.UniversalAdID, Duration: ref.Duration, Renditions: renditionsFor(id),
		Master:    vast.MediaFile{ID: "master", Delivery: "streaming", Type: "application/x-mpegURL", Width: 1280, Height: 720, URL: "http://media.example/ads/" + id + "/master.m3u8"},
		Mezzanine: ref.Mezzanine}, catalog.StatusReady
}

func (f *fakeCatalog) Media(id string) (*catalog.Media, catalog.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m := f.media[id]; m != nil {
		return m, catalog.StatusReady
	}
	return nil, catalog.StatusPending
}

func (f *fakeCatalog) LineItems() []*catalog.LineItem {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lineItems
}

func (f *fakeCatalog) addLineItem(li *catalog.LineItem, dur time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lineItems = append(f.lineItems, li)
	f.media[li.CreativeID] = &catalog.Media{ID: li.CreativeID, Duration: dur, Renditions: renditionsFor(li.CreativeID),
		UniversalAdID: vast.UniversalAdID{Registry: "cuepoint", Value: li.CreativeID},
		Mezzanine:     vast.MediaFile{Delivery: "progressive", Type: "video/mp4", Width: 1280, Height: 720, URL: "http://media.example/mezz/" + li.CreativeID + ".mp4"}}
}

// tee emits to both.
type tee [2]adserver.Emitter

func (t tee) Emit(ev events.Event) { t[0].Emit(ev); t[1].Emit(ev) }

// recorder collects emitted events.
type recorder struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *recorder) Emit(e events.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
}

func (r *recorder) tracking(kind events.TrackingKind) []*events.AdTracking {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*events.AdTracking
	for _, e := range r.evs {
		if t, ok := e.(*events.AdTracking); ok && t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}

func (r *recorder) decisions() []*events.AdDecision {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*events.AdDecision
	for _, e := range r.evs {
		if d, ok := e.(*events.AdDecision); ok {
			out = append(out, d)
		}
	}
	return out
}

// testConfig is a config for tests: generous deadlines (a loaded machine must not fail a
// test; no test asserts on time), loopback allow-listed, the given bidders.
func testConfig(bidders ...auction.Endpoint) adserver.Config {
	c := adserver.DefaultConfig()
	c.Bidders = bidders
	c.AuctionTimeout = 3 * time.Second
	c.DecisionTimeout = 8 * time.Second
	c.WrapperTimeout = 3 * time.Second
	c.FloorCPM = 1
	c.MinCPMPerSec = 0
	c.FetchAllow = safehttp.MustPrefixes("127.0.0.0/8")
	c.BeaconKeys = [][]byte{[]byte("0123456789abcdef0123456789abcdef")}
	return c
}

// env is a running adserver under test.
type env struct {
	t    *testing.T
	a    *adserver.AdServer
	base string
	cat  *fakeCatalog
	rec  *recorder
	docs map[string][]byte // every VAST answered, validated against the XSD when the test ends
	mu   sync.Mutex
}

func start(t *testing.T, cfg adserver.Config) *env {
	t.Helper()
	return startDeps(t, cfg, adserver.Deps{})
}

// startDeps starts an adserver with deps (Log, Catalog and Emitter are the env's).
func startDeps(t *testing.T, cfg adserver.Config, deps adserver.Deps) *env {
	t.Helper()
	e := &env{t: t, cat: newFakeCatalog(), rec: &recorder{}, docs: map[string][]byte{}}
	srv := server.New("adserver", "127.0.0.1:0")
	cfg.PublicURL = "http://placeholder" // replaced once the port is known
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	cfg.PublicURL = "http://" + srv.Addr()
	deps.Log, deps.Catalog = logging.Discard, e.cat
	if deps.Emitter != nil {
		deps.Emitter = tee{e.rec, deps.Emitter}
	} else {
		deps.Emitter = e.rec
	}
	a, err := adserver.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	a.Mount(srv)
	e.a, e.base = a, cfg.PublicURL
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() {
		cancel()
		<-done
		e.mu.Lock()
		defer e.mu.Unlock()
		if len(e.docs) > 0 {
			vasttest.Validate(t, e.docs)
		}
	})
	return e
}

// get fetches path and returns status and body.
func (e *env) get(path string, hdr ...string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// vast asks for a break and returns the parsed answer, keeping the document for validation.
func (e *env) vast(query string) *vast.Document {
	e.t.Helper()
	code, body := e.get("/vast?" + query)
	if code != 200 {
		e.t.Fatalf("GET /vast?%s: %d %s", query, code, body)
	}
	e.mu.Lock()
	e.docs[fmt.Sprintf("doc%03d", len(e.docs))] = body
	e.mu.Unlock()
	doc, err := vast.Parse(body)
	if err != nil {
		e.t.Fatalf("answer does not parse: %v\n%s", err, body)
	}
	return doc
}

// hit requests a beacon URL taken from a VAST answer.
func (e *env) hit(u string, hdr ...string) int {
	e.t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		e.t.Fatal(err)
	}
	code, _ := e.get(pu.RequestURI(), hdr...)
	return code
}

func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func crids(doc *vast.Document) []string {
	var out []string
	for _, a := range doc.Ads {
		out = append(out, a.InLine.Creatives[0].ID)
	}
	return out
}

// ours returns the Cuepoint beacon among urls (the first that is ours).
func ours(base string, urls []string) string {
	for _, u := range urls {
		if strings.HasPrefix(u, base+"/t/") {
			return u
		}
	}
	return ""
}

func fmtSscan(s string, v *float64) (int, error) { return fmt.Sscan(s, v) }
