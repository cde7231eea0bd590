// Package recs is Cuepoint's recommendation service: players ask it what to show a viewer
// (GET /v1/recs on :8085, `cuepoint recs`, also in `cuepoint dev`) and get a personal, fresh,
// diverse list in a few milliseconds. docs/recs.md is the integrator's and operator's guide;
// this comment is the map of the code.
//
// # The request path
//
//	query → params (400 names the bad one)                                  request.go
//	→ A/B arm: hash(experiment, viewer) → policy                            experiment.go
//	→ viewer: featurestore user/profile + user/recent, one BatchGet under    features.go
//	  the feature deadline; this instance's memory of their plays first      history.go
//	→ candidates: content, co-occurrence, embedding, trending, fresh;        recs/rank
//	  merged, deduplicated, filtered (watched, rights, maturity)
//	→ candidates' popularity: the trending snapshot (every title's             trending.go
//	  featurestore item/popularity, refreshed in the background); with
//	  --item-features also one BatchGet in what is left of the deadline       features.go
//	→ features + logistic-regression ranker; promotions, Thompson-sampled    recs/rank
//	  exploration slots, MMR diversity with a genre cap, never-empty fill
//	→ JSON written by hand; RecsServed event; bandit impressions; metrics    respond.go, events.go
//
// Clicks and plays come back on POST /v1/recs/actions (actions.go): each becomes a
// RecsAction event (model, arm and position included, so the dashboard shows CTR by position,
// model and arm), a click teaches the exploration bandit, a play is remembered for the
// viewer's next list on this instance. The trained model (recs/model, written by
// `cuepoint train`) is polled for and swapped atomically without a restart (service.go); the
// trending snapshot is rebuilt from the featurestore in the background (trending.go).
//
// # Degradation
//
// The featurestore answers within the request's deadline whatever Cassandra does, with
// cached or default values marked as such. recs then serves from what it has: the
// featurestore's near-cache, its own memory of the viewer's plays (folded into an embedding),
// the trending snapshot (frozen, not emptied, while the featurestore is down) and the model's
// popularity prior. A list is never empty while the catalogue has a title the viewer may see
// (rights and maturity are never relaxed); a degraded list says so in "degraded".
//
// # Budget
//
// ARCHITECTURE.md: recs, 500 candidates ranked: ≤ 5 ms p99 server-side (goal), 100 ms (hard).
// The ranking itself takes ~0.15 ms for 500 candidates over 5,000 titles (recs/rank's
// BenchmarkRank); the whole handler, featurestore read from its near-cache included, ~0.25 ms
// and 35 allocations (BenchmarkServe); under open-loop load one core serves ~1,700 requests/s
// at p99 ≤ 5 ms (`cuepoint loadtest --scenario recs`; BENCHMARKS.md has the figures
// and commands). The request path allocates only what it hands on: the featurestore's
// answers and the event.
//
// # Wiring
//
//	cfg := recs.Flags(fs)
//	svc, err := recs.New(*cfg, recs.Deps{Catalog: cat, Features: store, Emitter: producer, Log: log})
//	svc.Mount(ctx, srv) // routes, readiness, background work, closer
package recs
