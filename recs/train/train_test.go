package train

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/rank"
	"github.com/cuepoint/cuepoint/recs/synth"
)

var end = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// world generates a synthetic dataset in memory.
func world(t testing.TB, viewers, items int, seed uint64) (*catalog.Catalog, *Dataset, *synth.World) {
	t.Helper()
	cat := catalog.Generate(items, 1, end)
	w := synth.New(cat, synth.Config{Seed: seed, Viewers: viewers, Days: 14, End: end})
	ds := &Dataset{}
	if _, err := w.Generate(func(e events.Typed) error { ds.Add(e); return nil }); err != nil {
		t.Fatal(err)
	}
	return cat, ds, w
}

func metric(t *testing.T, r *Result, system, name string) float64 {
	t.Helper()
	for _, e := range r.Report.Eval {
		if e.System == system {
			return e.Metrics[name]
		}
	}
	t.Fatalf("no evaluation of %s", system)
	return 0
}

// TestTrainingBeatsPopularity is the trainer's acceptance test: on synthetic data with a
// known ground truth, the trained model beats the popularity baseline offline (held-out
// later plays) and in expected clicks on the lists it would serve.
func TestTrainingBeatsPopularity(t *testing.T) {
	cat, ds, w := world(t, 2000, 600, 1)
	res, err := Train(context.Background(), ds, cat, Config{Seed: 1, Now: end}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Report.Eval {
		t.Logf("%-11s users %d  ndcg@10 %.4f recall@50 %.4f map@10 %.4f", e.System, e.Users,
			e.Metrics["ndcg@10"], e.Metrics["recall@50"], e.Metrics["map@10"])
	}
	for _, name := range []string{"ndcg@10", "recall@50", "map@10"} {
		pop, mod := metric(t, res, SystemPopularity, name), metric(t, res, SystemModel, name)
		if mod <= pop*1.2 {
			t.Errorf("model %s %.4f does not beat popularity %.4f by 20%%", name, mod, pop)
		}
	}
	// Ground truth: expected clicks on the lists each policy would serve, each viewer with
	// what the server would know (embedding, latest plays).
	ix := rank.NewIndex(cat, res.Model)
	recent := RecentPlays(ds, cat, 20)
	emb := map[string][]float32{}
	for k, id := range res.Users {
		emb[id] = res.UserEmbedding(k)
	}
	clicks := func(p rank.Policy) float64 {
		var s float64
		for u, v := range w.Viewers {
			req := rank.Request{N: 20, Content: -1, Viewer: emb[v.ID], History: recent[v.ID], Region: v.Country,
				MaxRating: v.MaxRating, Now: end, Policy: p}
			var list []int32
			for _, r := range ix.Rank(&req, nil) {
				list = append(list, r.Item)
			}
			s += w.ExpectedClicks(u, list)
		}
		return s / float64(len(w.Viewers))
	}
	pop, mod := clicks(rank.Policy{MaxCandidates: 100}), clicks(rank.Policy{Personalized: true, Lambda: 1})
	t.Logf("expected clicks per list of 20: popularity %.3f, model %.3f", pop, mod)
	if mod <= pop*1.25 {
		t.Errorf("model lists earn %.3f expected clicks, popularity %.3f", mod, pop)
	}
}

func TestTrainingIsReproducible(t *testing.T) {
	cat, ds, _ := world(t, 400, 200, 2)
	cfg := Config{Seed: 7, Now: end, Iterations: 4, Workers: 3}
	a, err := Train(context.Background(), ds, cat, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 1 // scheduling must not matter
	_, ds2, _ := world(t, 400, 200, 2)
	b, err := Train(context.Background(), ds2, cat, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ea, _ := model.Encode(a.Model)
	eb, _ := model.Encode(b.Model)
	if !bytes.Equal(ea, eb) {
		t.Fatal("same data, config and seed gave different model files")
	}
	if len(a.Users) == 0 || len(a.UserEmb) != len(a.Users)*cfg.withDefaults().Dim {
		t.Fatalf("%d viewers, %d embedding values", len(a.Users), len(a.UserEmb))
	}
	cfg.Seed = 8
	c, _ := Train(context.Background(), ds, cat, cfg, nil)
	if ec, _ := model.Encode(c.Model); bytes.Equal(ea, ec) {
		t.Fatal("another seed gave the same model")
	}
}

func TestTrainingNeedsPlays(t *testing.T) {
	cat := catalog.Generate(10, 1, end)
	if _, err := Train(context.Background(), &Dataset{}, cat, Config{Now: end}, nil); err == nil {
		t.Fatal("trained on nothing")
	}
}

func TestDatasetDeduplicates(t *testing.T) {
	ds := &Dataset{}
	s := &events.RecsServed{Header: events.Header{V: 1, ID: "a", Time: end, Service: "x"}, UserID: "u", Model: "m", Items: []string{"i"}}
	if !ds.Add(s) || ds.Add(s) {
		t.Fatal("a duplicate event id was added twice (or the first not at all)")
	}
	if ds.Add(&events.QoE{Header: events.Header{ID: "q"}}) {
		t.Fatal("a playback event was added")
	}
	if len(ds.Served) != 1 {
		t.Fatalf("%d lists", len(ds.Served))
	}
}

func TestMetrics(t *testing.T) {
	rel := map[int32]struct{}{1: {}, 3: {}}
	recall, ndcg, ap := ranked([]int32{1, 2, 3, 4}, rel, 4)
	wantNDCG := (1 + 1/math.Log2(4)) / (1 + 1/math.Log2(3))
	if recall != 1 || math.Abs(ndcg-wantNDCG) > 1e-12 || math.Abs(ap-(1+2.0/3)/2) > 1e-12 {
		t.Fatalf("recall %v ndcg %v ap %v", recall, ndcg, ap)
	}
	if r, n, a := ranked([]int32{2, 4}, rel, 2); r != 0 || n != 0 || a != 0 {
		t.Fatal("no hits should score 0")
	}
	if r, n, _ := ranked([]int32{3, 1, 9}, rel, 1); r != 0.5 || n != 1 {
		t.Fatalf("cut-off 1: recall %v ndcg %v", r, n)
	}
}

func TestALSRecoversLowRankPreferences(t *testing.T) {
	// Users and items in two clusters; users play only their cluster's items.
	var evs []event
	nu, ni := 40, 30
	for u := range nu {
		for i := range ni {
			if u%2 == i%2 && (u+i)%3 != 0 { // leave a third unobserved
				evs = append(evs, event{u: int32(u), i: int32(i), w: 1, play: true})
			}
		}
	}
	m := newMatrix(evs, nu, ni)
	f, err := als(context.Background(), m, 4, 10, 0.1, 10, 1, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for u := range nu { // on unobserved cells, every same-cluster item outscores every other
		lowSame, highOther := float32(math.Inf(1)), float32(math.Inf(-1))
		for i := range ni {
			if (u+i)%3 != 0 {
				continue
			}
			var s float32
			for d := range 4 {
				s += f.user(u)[d] * f.item(i)[d]
			}
			if u%2 == i%2 {
				lowSame = min(lowSame, s)
			} else {
				highOther = max(highOther, s)
			}
		}
		if lowSame <= highOther+0.1 {
			t.Fatalf("user %d: lowest same-cluster score %.2f, highest other %.2f", u, lowSame, highOther)
		}
	}
}

func TestLogisticRegressionRecoversWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var truth rank.Weights
	truth[rank.FBias], truth[rank.FMF], truth[rank.FCooc] = -1, 2, -1.5
	ex := &examples{}
	x := make([]float32, rank.NumFeatures)
	for range 40_000 {
		clear(x)
		x[rank.FBias], x[rank.FMF], x[rank.FCooc] = 1, float32(rng.NormFloat64()), float32(rng.NormFloat64())
		p := 1 / (1 + math.Exp(-float64(truth.Logit(x))))
		ex.add(x, rng.Float64() < p)
	}
	w, _, err := fitLogistic(ex, 1e-3, 30)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []int{rank.FBias, rank.FMF, rank.FCooc} {
		if math.Abs(float64(w[f]-truth[f])) > 0.1 {
			t.Errorf("%s: %.3f, truth %.3f", rank.FeatureNames[f], w[f], truth[f])
		}
	}
}

func TestCooccurrenceAndRecent(t *testing.T) {
	var evs []event
	for u := range 5 { // every viewer plays 0 then 1; viewer 0 also 2
		evs = append(evs, event{u: int32(u), i: 0, t: 1, play: true}, event{u: int32(u), i: 1, t: 2, play: true})
	}
	evs = append(evs, event{u: 0, i: 2, t: 3, play: true})
	n := cooccurrence(evs, 5, 3, 10, 5, 2)
	if got := n.idx[n.off[0]:n.off[1]]; len(got) != 1 || got[0] != 1 || n.w[0] != 1 {
		t.Fatalf("neighbours of 0: %v %v", got, n.w[n.off[0]:n.off[1]])
	}
	if n.off[3]-n.off[2] != 0 {
		t.Fatal("a pair seen once passed minCount 2")
	}
	r := []int32{}
	for _, i := range []int32{1, 2, 3, 2} {
		r = pushRecent(r, i)
	}
	if len(r) != 3 || r[0] != 2 || r[1] != 3 || r[2] != 1 {
		t.Fatalf("recent = %v", r)
	}
}
