package train

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// Progress reports a stage's progress; total 0 means the stage has no measurable size.
type Progress func(stage string, done, total int)

// Result is a trained model with the viewer embeddings to publish to the featurestore.
type Result struct {
	Model   *model.Model
	Users   []string  // viewers with an embedding
	UserEmb []float32 // len(Users) × Dim
	Report  Report
}

// UserEmbedding returns viewer k's embedding.
func (r *Result) UserEmbedding(k int) []float32 {
	d := r.Model.Meta.Dim
	return r.UserEmb[k*d : (k+1)*d]
}

// Report is what training saw and how the model did offline.
type Report struct {
	From, To                time.Time // the data's span
	RankerFrom, Cutoff      time.Time // ranker impressions in [RankerFrom, Cutoff); test after Cutoff
	Lists, Actions, Plays   int
	Users, Items, Dropped   int // Dropped: actions on titles the catalogue does not have
	RankerLists             int
	RankerExamples          int
	RankerClicks            int
	RankerLoss              float64
	Weights                 rank.Weights
	DefaultWeights          []string // features without signal in the data, weighted by rank.DefaultWeights
	Eval                    []model.Eval
	Stages                  []Stage
	EvalUsers, EvalRelevant int
}

// Stage is how long a stage took.
type Stage struct {
	Name string
	Took time.Duration
}

// fitted is one fit of the unsupervised parts on the data before a time.
type fitted struct {
	f     *factors
	nbrs  *neighbors
	prior []float32
	asOf  time.Time
	users int // rows of f.users that are real viewers (all of in.users)
}

// Train fits a model on ds for the titles of cat: ALS embeddings, co-occurrence neighbours
// and a popularity prior, and the logistic-regression ranker on logged impressions; it
// evaluates on the latest TestFraction of the time span against a popularity baseline and
// the bare embeddings; and (with Refit) fits the published model on all the data. The same
// data, catalogue and Config give the same model.
func Train(ctx context.Context, ds *Dataset, cat *catalog.Catalog, cfg Config, progress Progress) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if progress == nil {
		progress = func(string, int, int) {}
	}
	rep := Report{}
	stage := func(name string, began time.Time) { rep.Stages = append(rep.Stages, Stage{name, time.Since(began)}) }

	t := time.Now()
	ds.Sort()
	in := buildInteractions(ds, cat)
	rep.From, rep.To = ds.Span()
	rep.Lists, rep.Actions, rep.Users, rep.Items, rep.Dropped = len(ds.Served), len(ds.Actions), len(in.users), cat.Len(), in.dropped
	for _, e := range in.events {
		if e.play {
			rep.Plays++
		}
	}
	if rep.Plays == 0 {
		return nil, errors.New("train: no plays of catalogue titles in the data")
	}
	span := rep.To.Sub(rep.From)
	rep.Cutoff = rep.From.Add(time.Duration(float64(span) * (1 - cfg.TestFraction))).Truncate(time.Millisecond)
	rep.RankerFrom = rep.Cutoff.Add(-time.Duration(float64(span) * cfg.RankerFraction)).Truncate(time.Millisecond)
	stage("prepare", t)

	// 1. Embeddings on the data before the ranker's window, to compute the ranker's features.
	t = time.Now()
	early, err := fit(ctx, in, in.before(rep.RankerFrom.UnixMilli()), cat.Len(), rep.RankerFrom, cfg, stageProgress(progress, "fit (ranker features)"))
	if err != nil {
		return nil, err
	}
	stage("fit (ranker features)", t)

	// 2. The ranker, on the impressions of [RankerFrom, Cutoff).
	t = time.Now()
	ex, lists := rankerExamples(ctx, ds, in, cat, early, rep.RankerFrom, rep.Cutoff, cfg, progress)

	rep.RankerLists, rep.RankerExamples, rep.RankerClicks = lists, ex.len(), ex.clicks
	w, loss, err := fitLogistic(ex, cfg.RankerReg, 25)
	if err != nil {
		return nil, err
	}
	def := rank.DefaultWeights()
	for _, f := range ex.silent() {
		w[f] = def[f]
		rep.DefaultWeights = append(rep.DefaultWeights, rank.FeatureNames[f])
	}
	rep.Weights, rep.RankerLoss = w, loss
	stage("ranker", t)

	// 3. The evaluated model: everything before the cutoff.
	t = time.Now()
	evalFit, err := fit(ctx, in, in.before(rep.Cutoff.UnixMilli()), cat.Len(), rep.Cutoff, cfg, stageProgress(progress, "fit (evaluation)"))
	if err != nil {
		return nil, err
	}
	evalModel := buildModel(cat, evalFit, w, cfg, rep)
	stage("fit (evaluation)", t)
	t = time.Now()
	rep.Eval, rep.EvalUsers, rep.EvalRelevant = evaluate(ctx, in, cat, evalModel, evalFit, rep.Cutoff, cfg, progress)
	stage("evaluate", t)

	// 4. The published model.
	final, finalModel := evalFit, evalModel
	if cfg.Refit {
		t = time.Now()
		final, err = fit(ctx, in, in.events, cat.Len(), rep.To.Add(time.Millisecond), cfg, stageProgress(progress, "fit (final)"))
		if err != nil {
			return nil, err
		}
		finalModel = buildModel(cat, final, w, cfg, rep)
		stage("fit (final)", t)
	}
	finalModel.Meta.Eval = rep.Eval
	res := &Result{Model: finalModel, Report: rep}
	d := cfg.Dim
	for u, id := range in.users {
		x := final.f.user(u)
		if nonZero(x) {
			res.Users = append(res.Users, id)
			res.UserEmb = append(res.UserEmb, x[:d]...)
		}
	}
	res.Report = rep
	return res, nil
}

func stageProgress(p Progress, name string) func(int, int) {
	return func(done, total int) { p(name, done, total) }
}

// fit runs ALS, co-occurrence and the prior on evs (the events before asOf).
func fit(ctx context.Context, in *interactions, evs []event, ni int, asOf time.Time, cfg Config, progress func(int, int)) (*fitted, error) {
	m := newMatrix(evs, len(in.users), ni)
	f, err := als(ctx, m, cfg.Dim, cfg.Iterations, cfg.Reg, cfg.Alpha, cfg.Seed, cfg.Workers, progress)
	if err != nil {
		return nil, err
	}
	return &fitted{
		f:     f,
		nbrs:  cooccurrence(evs, len(in.users), ni, cfg.Window, cfg.Neighbors, cfg.MinCount),
		prior: popularity(evs, ni, asOf, cfg.PriorHalfLife),
		asOf:  asOf,
		users: len(in.users),
	}, nil
}

// buildModel assembles a model file's contents from a fit and ranker weights.
func buildModel(cat *catalog.Catalog, ft *fitted, w rank.Weights, cfg Config, rep Report) *model.Model {
	n, d := cat.Len(), cfg.Dim
	m := &model.Model{
		Meta: model.Meta{
			Version:       fmt.Sprintf("%s-s%d", cfg.Now.Format("20060102T150405Z"), cfg.Seed),
			Created:       cfg.Now,
			Algorithm:     "als+cooc+lr",
			Seed:          cfg.Seed,
			Dim:           d,
			Reg:           cfg.Reg,
			Alpha:         cfg.Alpha * weightPlay,
			PriorAsOf:     ft.asOf,
			PriorHalfLife: cfg.PriorHalfLife,
			Features:      rank.FeatureNames[:],
			Training: model.Training{From: rep.From, To: ft.asOf, Users: len(ft.f.users) / d, Items: n,
				Interactions: rep.Actions, Impressions: rep.RankerExamples},
		},
		Items:   make([]string, n),
		ItemEmb: ft.f.items,
		Prior:   ft.prior,
		NbrOff:  ft.nbrs.off,
		NbrIdx:  ft.nbrs.idx,
		NbrW:    ft.nbrs.w,
		Weights: w.Slice(),
		Gram:    make([]float32, d*d),
	}
	for i := range n {
		m.Items[i] = cat.ID(int32(i))
	}
	for k, v := range ft.f.gram {
		m.Gram[k] = float32(v)
	}
	return m
}

// rankerExamples builds the ranker's training set from the window [from, to), replaying
// time so that every example sees only what the server would have seen then: each viewer's
// embedding from the early fit (or folded in from their history), their 20 latest plays as
// the featurestore's recent view, live popularity as of the moment. Two kinds of evidence:
//
//   - impressions: every item of a logged list, labelled by whether it was clicked, with its
//     position as a feature (learned, then left at 0 when serving: position-debiased);
//   - plays against random titles: each play is a positive and RandomNegatives titles drawn
//     uniformly from the catalogue are negatives. Logged impressions only cover what the
//     previous policy chose to show, while serving scores candidates from the whole
//     catalogue; the random negatives teach the ranker about the rest (mixed negative
//     sampling), which is what lets it rank popular and unseen titles sensibly.
//
// It returns the examples and the number of lists used.
func rankerExamples(ctx context.Context, ds *Dataset, in *interactions, cat *catalog.Catalog, early *fitted, from, to time.Time, cfg Config, progress Progress) (*examples, int) {
	ix := rank.NewIndex(cat, buildModel(cat, early, rank.DefaultWeights(), cfg, Report{}))
	lo, hi := from.UnixMilli(), to.UnixMilli()
	clicked := map[string]map[int]bool{} // list → clicked positions
	for _, a := range ds.Actions {
		if a.Kind == events.ActionClick && a.TimeMS >= lo {
			if clicked[a.List] == nil {
				clicked[a.List] = map[int]bool{}
			}
			clicked[a.List][a.Position] = true
		}
	}
	var lists []int
	for k, s := range ds.Served {
		if s.TimeMS >= lo && s.TimeMS < hi {
			lists = append(lists, k)
		}
	}
	if len(lists) > cfg.MaxRankerLists { // a deterministic sample by list id
		keep := lists[:0]
		for _, k := range lists {
			if hashID(ds.Served[k].ID)%uint64(len(lists)) < uint64(cfg.MaxRankerLists) {
				keep = append(keep, k)
			}
		}
		lists = keep
	}

	ex := &examples{}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x4e6))
	trend := newLiveTrend(cat.Len(), featurestore.PopularityHalfLife)
	recent := make([][]int32, len(in.users))
	rk := ix.Acquire()
	defer rk.Release()
	x := make([]float32, rank.NumFeatures)
	prepare := func(user string, t int64) {
		req := rank.Request{Content: -1, Region: catalog.AnyRegion, MaxRating: catalog.MaxRating,
			Now: time.UnixMilli(t), Policy: rank.Policy{Personalized: true}}
		if u, ok := in.userIdx[user]; ok {
			req.History = recent[u]
			if int(u) < early.users && nonZero(early.f.user(int(u))) {
				req.Viewer = early.f.user(int(u))
			}
		}
		rk.Prepare(&req)
	}
	next := 0 // events before next have been applied
	apply := func(until int64) {
		for ; next < len(in.events) && in.events[next].t < until; next++ {
			e := in.events[next]
			if !e.play {
				continue
			}
			if e.t >= lo && e.t < hi {
				prepare(in.users[e.u], e.t)
				ex.add(rk.Features(e.i, float32(trend.at(e.i, e.t)), 0, x), true)
				for range cfg.RandomNegatives {
					j := int32(rng.IntN(cat.Len()))
					if j != e.i && cat.Allowed(j, catalog.AnyRegion, catalog.MaxRating, e.t) {
						ex.add(rk.Features(j, float32(trend.at(j, e.t)), 0, x), false)
					}
				}
			}
			trend.play(e.i, e.t)
			recent[e.u] = pushRecent(recent[e.u], e.i)
		}
	}
	for n, k := range lists {
		if n%1024 == 0 {
			if ctx.Err() != nil {
				break
			}
			progress("ranker examples", n, len(lists))
		}
		s := ds.Served[k]
		apply(s.TimeMS)
		prepare(s.User, s.TimeMS)
		for p, id := range s.Items {
			if i, ok := cat.Index(id); ok {
				ex.add(rk.Features(i, float32(trend.at(i, s.TimeMS)), p+1, x), clicked[s.ID][p+1])
			}
		}
	}
	apply(hi)
	progress("ranker examples", len(lists), len(lists))
	return ex, len(lists)
}

// pushRecent puts i first in a newest-first list of at most featurestore.RecentMax items.
func pushRecent(r []int32, i int32) []int32 {
	for k, j := range r {
		if j == i {
			copy(r[1:k+1], r[:k])
			r[0] = i
			return r
		}
	}
	if len(r) < featurestore.RecentMax {
		r = append(r, 0)
	}
	copy(r[1:], r[:len(r)-1])
	r[0] = i
	return r
}

func nonZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}
