// Package train is the recs trainer behind `cuepoint train`: it reads what viewers were shown
// and did (ClickHouse's recs table), learns a model, measures it offline against a popularity
// baseline, and publishes it: a model file (recs/model) that every recs instance picks up
// without a restart, and viewer and title embeddings in the featurestore.
//
// # What is learned
//
//   - Implicit-feedback ALS (als.go): viewer and title embeddings from plays (strength 1)
//     and clicks that did not lead to a play (0.25), confidence 1 + Alpha·strength. Each
//     half-step is exact and embarrassingly parallel; rows are owned by one worker, so the
//     result does not depend on scheduling.
//   - Item-to-item co-occurrence (cooc.go): cosine of viewer sets over plays close in time.
//   - A popularity prior (popularity.go): plays decayed with PriorHalfLife.
//   - The ranker (logreg.go): logistic regression over recs/rank's features, fit by Newton's
//     method on logged impressions labelled by clicks (position as a feature, set to 0 when
//     serving: position-debiased) and on plays contrasted with random titles (mixed negative
//     sampling; see rankerExamples). The features of every example are computed by
//     recs/rank's own code, replaying time so that no example sees its future.
//
// # Evaluation
//
// The data's span is split in time: the ranker learns from [RankerFrom, Cutoff) with
// embeddings fit before RankerFrom; the evaluated model is fit on everything before Cutoff;
// the test is every viewer's new plays after it. Each system ranks the titles available at
// the cutoff minus what the viewer played, and is scored by recall@k, NDCG@k and MAP@k
// (metrics.go): popularity (the baseline), the bare ALS scores, the serving ranker, and the
// serving ranker with its diversity re-ranking. With Refit, the published model is then fit
// on all the data with the same ranker weights.
//
// Offline metrics on logged plays favour whatever the logging policy showed most: popular
// titles, here. The ranker is trained for clicks given what is shown, so on logged data it
// can trail the bare embeddings while earning more clicks online; recs/synth's ground truth
// (synth.World.ExpectedClicks) measures that (`cuepoint train --synthetic` reports it), and
// TestTrainingBeatsPopularity checks both.
//
// # Reproducibility
//
// Given the same data, catalogue and Config (Seed included), Train returns byte-identical
// models: every random choice draws from PCGs seeded with Config.Seed, parallel work is
// partitioned deterministically, sums run in a fixed order, ties break by index.
//
// # Cost
//
// Memory is the dataset plus the factors: fine to tens of millions of interactions on one
// machine. Time is dominated by ALS (O(interactions·d² + rows·d³) per sweep) and the
// evaluation (one ranking per test viewer per system): about 9 s on two cores for the synthetic
// default world (5,000 viewers, 2,000 titles, 100k lists); see recs/BENCHMARKS.md.
package train
