package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/rank"
	"github.com/cuepoint/cuepoint/recs/synth"
	"github.com/cuepoint/cuepoint/recs/train"
)

const trainSummary = "Train the recs model from ClickHouse, evaluate it offline, publish it and its features."

func init() {
	register(command{name: "train", summary: trainSummary, run: runTrain})
}

func runTrain(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("train", trainSummary+`

Reads the recs events (lists served, clicks, plays) of a time window from ClickHouse, fits ALS
embeddings, item co-occurrence, a popularity prior and the logistic-regression ranker,
evaluates on the latest part of the window against popularity (recall@k, NDCG@k, MAP@k),
publishes a versioned model file to --model-dir (running recs instances pick it up) and writes
viewer and title embeddings to the featurestore. --synthetic trains on a seeded synthetic
audience instead of ClickHouse (and also reports its ground-truth expected clicks). The same
data and --seed give the same model. See docs/recs.md.`)
	var p platformFlags
	p.register(fs)
	var rf recsFlags
	rf.register(fs)
	d := train.DefaultConfig()
	cfg := d
	fs.Uint64Var(&cfg.Seed, "seed", d.Seed, "seed of every random choice")
	fs.IntVar(&cfg.Dim, "dim", d.Dim, "embedding dimension (the featurestore stores 32)")
	fs.IntVar(&cfg.Iterations, "iterations", d.Iterations, "ALS sweeps")
	fs.Float64Var(&cfg.Reg, "reg", d.Reg, "ALS regularisation")
	fs.Float64Var(&cfg.Alpha, "alpha", d.Alpha, "ALS confidence per unit of strength")
	fs.IntVar(&cfg.Neighbors, "neighbors", d.Neighbors, "co-occurrence neighbours kept per title")
	fs.Float64Var(&cfg.TestFraction, "test-fraction", d.TestFraction, "latest share of the window held out for evaluation")
	fs.Float64Var(&cfg.RankerFraction, "ranker-fraction", d.RankerFraction, "share before the test whose impressions fit the ranker")
	fs.IntVar(&cfg.RandomNegatives, "random-negatives", d.RandomNegatives, "random titles each play is contrasted with when fitting the ranker")
	fs.IntVar(&cfg.MaxEvalUsers, "eval-viewers", d.MaxEvalUsers, "most viewers evaluated (a deterministic sample)")
	fs.BoolVar(&cfg.Refit, "refit", d.Refit, "fit the published model on the whole window (else publish the evaluated one)")
	days := fs.Int("days", 14, "window: the last N days (ignored with --from/--to)")
	fromFlag := fs.String("from", "", "window start, RFC 3339")
	toFlag := fs.String("to", "", "window end, RFC 3339 (default now)")
	sample := fs.Float64("served-sample", 1, "share of served lists read (the ranker needs a sample; clicks and plays are read in full)")
	modelDir := fs.String("model-dir", "", "where to publish the model (default <root>/recs/models)")
	keep := fs.Int("keep", 5, "model versions kept in --model-dir")
	writeFeatures := fs.Bool("write-features", true, "write viewer and title embeddings to the featurestore")
	dryRun := fs.Bool("dry-run", false, "train and evaluate only: publish nothing")
	synthetic := fs.Bool("synthetic", false, "train on a synthetic audience generated in memory (no ClickHouse)")
	sd := synth.DefaultConfig()
	synViewers := fs.Int("synthetic-viewers", sd.Viewers, "synthetic audience: viewers")
	synDays := fs.Int("synthetic-days", sd.Days, "synthetic audience: days of activity")
	synEnd := fs.String("synthetic-end", "", "synthetic audience: end of activity, RFC 3339 (default now)")
	fcfg := featurestore.Flags(fs)
	newLog := logging.Flags(fs)
	fs.Check(func() error {
		if *sample <= 0 || *sample > 1 {
			return &config.UsageError{Setting: "served-sample", Err: fmt.Errorf("%v: want (0, 1]", *sample)}
		}
		if *days < 1 {
			return &config.UsageError{Setting: "days", Err: errors.New("must be at least 1")}
		}
		if err := cfg.Validate(); err != nil {
			return &config.UsageError{Setting: "train", Err: err}
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	synEndAt := time.Now()
	if *synEnd != "" {
		var err error
		if synEndAt, err = time.Parse(time.RFC3339, *synEnd); err != nil {
			return &config.UsageError{Setting: "synthetic-end", Err: err}
		}
	}
	var cat *catalog.Catalog
	var err error
	if *synthetic && rf.catalogPath == "" {
		// The demo catalogue as of the audience's end: the same flags give the same run.
		cat = catalog.Generate(rf.demoSize, 1, synEndAt)
	} else if cat, err = rf.catalog(p.root, log); err != nil {
		return err
	}
	bar := newStageBar(os.Stderr)
	defer bar.finish()

	// The data.
	var ds *train.Dataset
	var world *synth.World
	if *synthetic {
		world = synth.New(cat, synth.Config{Seed: cfg.Seed, Viewers: *synViewers, Days: *synDays, End: synEndAt})
		ds = &train.Dataset{}
		bar.update("generate", 0, 0)
		if _, err := world.Generate(func(e events.Typed) error { ds.Add(e); return nil }); err != nil {
			return err
		}
	} else {
		from, to, err := trainWindow(*fromFlag, *toFlag, *days)
		if err != nil {
			return err
		}
		conn, err := p.openClickHouse(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		ds, err = train.ReadClickHouse(ctx, conn, train.ReadOptions{Database: p.clickhouseDatabase, From: from, To: to,
			ServedSample: *sample, Progress: func(rows int) { bar.update("read ClickHouse", rows, 0) }})
		if err != nil {
			return err
		}
	}

	res, err := train.Train(ctx, ds, cat, cfg, bar.update)
	if err != nil {
		return err
	}
	bar.finish()
	printTrainReport(os.Stdout, res, cat)
	if world != nil {
		printGroundTruth(os.Stdout, world, ds, res, cat)
	}
	if *dryRun {
		return nil
	}

	// Publish: the featurestore first, so that a recs instance that loads the new model finds
	// viewer embeddings of the same training run.
	if *writeFeatures {
		fc := storeConfig(&p, *fcfg, p.cassandra())
		fc.Name = "train"
		store, err := featurestore.Open(ctx, fc, log, false)
		if err != nil {
			return err
		}
		users, items, err := train.WriteFeatures(ctx, store, res, cat, train.WriteOptions{
			Progress: func(done, total int) { bar.update("write features", done, total) }})
		store.Close()
		bar.finish()
		if err != nil {
			return err
		}
		fmt.Printf("features   %d viewer embeddings, %d titles written to the featurestore\n", users, items)
	}
	path, err := model.Publish(modelsDir(*modelDir, p.root), res.Model, *keep)
	if err != nil {
		return err
	}
	fmt.Printf("published  %s (version %s)\n", path, res.Model.Meta.Version)
	return nil
}

func trainWindow(from, to string, days int) (time.Time, time.Time, error) {
	end := time.Now()
	if to != "" {
		t, err := time.Parse(time.RFC3339, to)
		if err != nil {
			return time.Time{}, time.Time{}, &config.UsageError{Setting: "to", Err: err}
		}
		end = t
	}
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	if from != "" {
		t, err := time.Parse(time.RFC3339, from)
		if err != nil {
			return time.Time{}, time.Time{}, &config.UsageError{Setting: "from", Err: err}
		}
		start = t
	}
	if !end.After(start) {
		return time.Time{}, time.Time{}, &config.UsageError{Setting: "from", Err: fmt.Errorf("%s is not before %s", start, end)}
	}
	return start, end, nil
}

func printTrainReport(w io.Writer, res *train.Result, cat *catalog.Catalog) {
	r := res.Report
	day := "2006-01-02 15:04"
	fmt.Fprintf(w, "data       %s … %s UTC: %d lists, %d actions (%d plays), %d viewers, %d titles",
		r.From.Format(day), r.To.Format(day), r.Lists, r.Actions, r.Plays, r.Users, cat.Len())
	if r.Dropped > 0 {
		fmt.Fprintf(w, " (%d actions on titles not in the catalogue ignored)", r.Dropped)
	}
	fmt.Fprintf(w, "\nsplit      ranker on %s … %s, test after %s: %d viewers, %d new plays\n",
		r.RankerFrom.Format(day), r.Cutoff.Format(day), r.Cutoff.Format(day), r.EvalUsers, r.EvalRelevant)
	fmt.Fprintf(w, "ranker     %d examples from %d lists (%d positive), log-loss %.4f\n", r.RankerExamples, r.RankerLists, r.RankerClicks, r.RankerLoss)
	var ws []string
	for f, name := range rank.FeatureNames {
		ws = append(ws, fmt.Sprintf("%s %+.3f", name, r.Weights[f]))
	}
	fmt.Fprintf(w, "           weights: %s\n", strings.Join(ws, ", "))
	if len(r.DefaultWeights) > 0 {
		fmt.Fprintf(w, "           no signal in the data for %s: default weights kept\n", strings.Join(r.DefaultWeights, ", "))
	}
	fmt.Fprintln(w, "offline    (held-out later plays; every system ranks the titles available at the cutoff minus what the viewer played)")
	var names []string
	if len(r.Eval) > 0 {
		for name := range r.Eval[0].Metrics {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(a, b int) bool { return metricOrder(names[a]) < metricOrder(names[b]) })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\tsystem\t")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t", n)
	}
	fmt.Fprintln(tw)
	for _, e := range r.Eval {
		fmt.Fprintf(tw, "\t%s\t", e.System)
		for _, n := range names {
			fmt.Fprintf(tw, "%.4f\t", e.Metrics[n])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	var stages []string
	for _, s := range r.Stages {
		stages = append(stages, fmt.Sprintf("%s %s", s.Name, s.Took.Round(time.Millisecond)))
	}
	fmt.Fprintf(w, "took       %s\n", strings.Join(stages, ", "))
}

// metricOrder sorts "ndcg@10" before "recall@10" before "map@10" before the @50s.
func metricOrder(name string) string {
	kind, k, _ := strings.Cut(name, "@")
	rank := map[string]string{train.MetricNDCG: "0", train.MetricRecall: "1", train.MetricMAP: "2"}[kind]
	return fmt.Sprintf("%06s%s", k, rank)
}

// printGroundTruth judges the lists each policy would serve at the end of the data with the
// synthetic audience's true click model: what an online A/B test would measure. Each viewer
// comes with what the server would know: their embedding and their 20 latest plays.
func printGroundTruth(w io.Writer, world *synth.World, ds *train.Dataset, res *train.Result, cat *catalog.Catalog) {
	recent := train.RecentPlays(ds, cat, featurestore.RecentMax)
	ix := rank.NewIndex(cat, res.Model)
	alsOnly := *res.Model // the same model ranking by the embeddings alone
	alsOnly.Meta.Features, alsOnly.Weights = []string{"mf"}, []float32{1}
	alsIx := rank.NewIndex(cat, &alsOnly)
	emb := map[string][]float32{}
	for k, id := range res.Users {
		emb[id] = res.UserEmbedding(k)
	}
	end := world.Config.End
	clicks := func(ix *rank.Index, p rank.Policy) float64 {
		var sum float64
		var list []int32
		for u, v := range world.Viewers {
			req := rank.Request{N: 20, Content: -1, Viewer: emb[v.ID], History: recent[v.ID], Region: v.Country,
				MaxRating: v.MaxRating, Now: end, Seed: uint64(u), Policy: p}
			list = list[:0]
			for _, r := range ix.Rank(&req, nil) {
				list = append(list, r.Item)
			}
			sum += world.ExpectedClicks(u, list)
		}
		return sum / float64(len(world.Viewers))
	}
	pop := clicks(ix, rank.Policy{MaxCandidates: 4 * rank.MaxN})
	fmt.Fprintf(w, "online     synthetic ground truth, expected clicks per list of 20 over %d viewers:\n", len(world.Viewers))
	fmt.Fprintf(w, "           popularity %.3f", pop)
	nodiv := rank.DefaultPolicy()
	nodiv.Lambda, nodiv.ExploreShare, nodiv.GenreCap = 1, 0, 0
	serving := rank.DefaultPolicy()
	serving.ExploreShare = 0
	for _, pol := range []struct {
		name string
		ix   *rank.Index
		p    rank.Policy
	}{{"als", alsIx, nodiv}, {"model", ix, nodiv}, {"model+mmr", ix, serving}} {
		c := clicks(pol.ix, pol.p)
		fmt.Fprintf(w, ", %s %.3f (%+.1f%%)", pol.name, c, 100*(c/pop-1))
	}
	fmt.Fprintln(w)
}

// stageBar draws the trainer's progress on one self-overwriting terminal line, and one line
// per stage elsewhere (logs stay readable).
type stageBar struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	stage string
	last  time.Time
	began time.Time
}

func newStageBar(f *os.File) *stageBar {
	st, err := f.Stat()
	return &stageBar{w: f, tty: err == nil && st.Mode()&os.ModeCharDevice != 0, began: time.Now()}
}

func (b *stageBar) update(stage string, done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.tty {
		if stage != b.stage {
			fmt.Fprintf(b.w, "train: %s (%s)\n", stage, time.Since(b.began).Round(time.Millisecond))
			b.stage = stage
		}
		return
	}
	if stage == b.stage && time.Since(b.last) < 100*time.Millisecond && (total == 0 || done < total) {
		return
	}
	b.stage, b.last = stage, time.Now()
	const width = 30
	line := fmt.Sprintf("%-22s", stage)
	switch {
	case total > 0:
		frac := min(float64(done)/float64(total), 1)
		filled := int(frac * width)
		line += fmt.Sprintf(" [%s%s] %3.0f%%  %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, done, total)
	case done > 0:
		line += fmt.Sprintf(" %d", done)
	}
	fmt.Fprintf(b.w, "\r\033[K%s  %s", line, time.Since(b.began).Round(100*time.Millisecond))
}

// finish ends the bar's line.
func (b *stageBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty && b.stage != "" {
		fmt.Fprint(b.w, "\r\033[K")
	}
	b.stage = ""
}
