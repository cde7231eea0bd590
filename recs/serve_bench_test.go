package recs

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/synth"
	"github.com/cuepoint/cuepoint/recs/train"
)

// benchWorld is a 5,000-title catalogue with a model trained on a synthetic audience, for
// benchmarks that need more candidates than the tests' catalogue has.
var benchWorld = sync.OnceValues(func() (*fixture, error) {
	cat := catalog.Generate(5000, 2, t0)
	w := synth.New(cat, synth.Config{Seed: 2, Viewers: 3000, Days: 7, End: t0})
	ds := &train.Dataset{}
	if _, err := w.Generate(func(e events.Typed) error { ds.Add(e); return nil }); err != nil {
		return nil, err
	}
	res, err := train.Train(context.Background(), ds, cat, train.Config{Seed: 2, Now: t0, Iterations: 4, Refit: false, MaxEvalUsers: 200}, nil)
	if err != nil {
		return nil, err
	}
	return &fixture{cat: cat, world: w, res: res}, nil
})

// BenchmarkServe is one GET /v1/recs through the server's handler (routing, metrics), for
// viewers with a stored embedding and recent plays, against an in-process featurestore
// whose near-cache holds them (the steady state): query parsing, two featurestore batch
// reads (the viewer; the candidates' live popularity), candidates, ranker, MMR, exploration,
// JSON, the served event. candidates=N is the candidate budget; item-features=false skips the
// per-request popularity read (the trending snapshot's values are used).
func BenchmarkServe(b *testing.B) {
	f, err := benchWorld()
	if err != nil {
		b.Fatal(err)
	}
	store, err := featurestore.OpenMemory(featurestore.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if _, _, err := train.WriteFeatures(ctx, store, f.res, f.cat, train.WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	viewers := f.res.Users[:min(512, len(f.res.Users))]
	for k, v := range viewers { // recent plays, and some live popularity
		var recent []string
		for j := range featurestore.RecentMax {
			recent = append(recent, f.cat.ID(int32((k*37+j*11)%f.cat.Len())))
		}
		_ = store.Put(ctx, featurestore.EntityUser, v, featurestore.ViewRecent, featurestore.Fields{"items": recent, "watch_count": int64(20)}, t0)
	}
	for i := 0; i < f.cat.Len(); i += 3 {
		_ = store.Put(ctx, featurestore.EntityItem, f.cat.ID(int32(i)), featurestore.ViewPopularity,
			featurestore.Fields{"score": float64(i%200 + 1), "as_of_ms": t0.UnixMilli(), "plays": int64(i % 200)}, t0)
	}
	dir := b.TempDir()
	if _, err := publish(dir, f); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		cands     int
		itemReads bool
	}{{500, true}, {1000, true}, {500, false}, {1000, false}} {
		name := fmt.Sprintf("candidates=%d/item-features=%v", tc.cands, tc.itemReads)
		b.Run(name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.ModelDir, cfg.MaxCandidates, cfg.Arms = dir, tc.cands, []Arm{{ArmModel, 1}}
			cfg.ItemFeatures = tc.itemReads
			cfg.FeatureTimeout = time.Second
			svc, err := New(cfg, Deps{Catalog: f.cat, Features: store, Now: func() time.Time { return t0 }})
			if err != nil {
				b.Fatal(err)
			}
			srv := server.New("recs-bench", "127.0.0.1:0")
			svc.Mount(ctx, srv)
			defer svc.Close()
			svc.RefreshTrending(ctx)
			h := srv.Handler()
			uris := make([][]byte, len(viewers))
			for k, v := range viewers {
				uris[k] = []byte("/v1/recs?n=20&surface=home&user=" + v)
			}
			var rc fasthttp.RequestCtx
			for k := range uris { // warm the near-cache and the pools
				rc.Request.SetRequestURIBytes(uris[k])
				h(&rc)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				rc.Request.Reset()
				rc.Response.Reset()
				rc.Request.SetRequestURIBytes(uris[i%len(uris)])
				h(&rc)
				if rc.Response.StatusCode() != 200 {
					b.Fatalf("%d %s", rc.Response.StatusCode(), rc.Response.Body())
				}
			}
		})
	}
}
