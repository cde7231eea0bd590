package recs

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/synth"
	"github.com/cuepoint/cuepoint/recs/train"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// trained is a catalogue, a synthetic world over it and a model trained on its events,
// shared by the package's tests (training takes seconds).
var trained = sync.OnceValues(func() (*fixture, error) {
	cat := catalog.Generate(1000, 1, t0)
	w := synth.New(cat, synth.Config{Seed: 1, Viewers: 1500, Days: 14, End: t0})
	ds := &train.Dataset{}
	if _, err := w.Generate(func(e events.Typed) error { ds.Add(e); return nil }); err != nil {
		return nil, err
	}
	res, err := train.Train(context.Background(), ds, cat, train.Config{Seed: 1, Now: t0, Iterations: 6}, nil)
	if err != nil {
		return nil, err
	}
	return &fixture{cat: cat, world: w, res: res}, nil
})

type fixture struct {
	cat   *catalog.Catalog
	world *synth.World
	res   *train.Result
}

func getFixture(t testing.TB) *fixture {
	t.Helper()
	f, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// recorder is an Emitter that keeps what it is given.
type recorder struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *recorder) Emit(e events.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
}

func (r *recorder) served() []*events.RecsServed {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*events.RecsServed
	for _, e := range r.evs {
		if s, ok := e.(*events.RecsServed); ok {
			out = append(out, s)
		}
	}
	return out
}

func (r *recorder) actions() []*events.RecsAction {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*events.RecsAction
	for _, e := range r.evs {
		if a, ok := e.(*events.RecsAction); ok {
			out = append(out, a)
		}
	}
	return out
}

// env is a recs service on a published model and a memory featurestore holding the
// trained embeddings, with its routes mounted on a server whose handler tests call directly.
type env struct {
	t     testing.TB
	f     *fixture
	dir   string
	store *featurestore.Store
	svc   *Service
	srv   *server.Server
	rec   *recorder
}

type envOption func(*Config, *Deps)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	f := getFixture(t)
	e := &env{t: t, f: f, dir: t.TempDir(), rec: &recorder{}}
	if _, err := model.Publish(e.dir, f.res.Model, 0); err != nil {
		t.Fatal(err)
	}
	// The store's own read deadline (50 ms by default) as generous as the service's below: a
	// loaded test machine must not turn a healthy featurestore into a degraded one.
	fsCfg := featurestore.DefaultConfig()
	fsCfg.ReadTimeout = time.Second
	store, err := featurestore.OpenMemory(fsCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e.store = store
	if _, _, err := train.WriteFeatures(context.Background(), store, f.res, f.cat, train.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.ModelDir = e.dir
	// Generous: a loaded test machine (-race, parallel packages) must not turn a healthy
	// featurestore into a degraded one. Degradation tests set their own.
	cfg.FeatureTimeout = time.Second
	cfg.ReloadInterval = 50 * time.Millisecond
	deps := Deps{Catalog: f.cat, Features: store, Emitter: e.rec, Now: func() time.Time { return t0 }}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	svc, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.srv = server.New("recs-test", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); svc.Close() })
	svc.Mount(ctx, e.srv)
	return e
}

// do sends a request to the service's handler and returns the status and body.
func (e *env) do(method, uri string, body []byte, header ...string) (int, []byte) {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(uri)
	for k := 0; k+1 < len(header); k += 2 {
		ctx.Request.Header.Set(header[k], header[k+1])
	}
	if body != nil {
		ctx.Request.SetBody(body)
		ctx.Request.Header.SetContentType("application/json")
	}
	e.srv.Handler()(&ctx)
	return ctx.Response.StatusCode(), append([]byte(nil), ctx.Response.Body()...)
}

type response struct {
	Items []struct {
		ID       string  `json:"id"`
		Score    float64 `json:"score"`
		Reason   string  `json:"reason"`
		Position int     `json:"position"`
	} `json:"items"`
	Model      string `json:"model"`
	Arm        string `json:"arm"`
	Experiment string `json:"experiment"`
	RequestID  string `json:"request_id"`
	ListID     string `json:"list_id"`
	Degraded   string `json:"degraded"`
	Error      string `json:"error"`
}

// recs asks for a list and decodes it, failing the test on anything but 200.
func (e *env) recs(query string, header ...string) response {
	e.t.Helper()
	code, body := e.do("GET", "/v1/recs?"+query, nil, header...)
	if code != 200 {
		e.t.Fatalf("GET /v1/recs?%s: %d %s", query, code, body)
	}
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		e.t.Fatalf("response is not JSON: %v\n%s", err, body)
	}
	return r
}

// slowFeatures is a featurestore that never answers before the deadline (a hung Cassandra
// behind a store that honours deadlines), or fails at once.
type slowFeatures struct{ fail bool }

func (s slowFeatures) BatchGet(ctx context.Context, _ string, _, _ []string) ([]featurestore.Entity, error) {
	if s.fail {
		return nil, errors.New("featurestore: connection refused")
	}
	<-ctx.Done()
	return nil, ctx.Err()
}
