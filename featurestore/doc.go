// Package featurestore serves online features: typed values per entity (viewer, item,
// device, campaign, viewer×campaign) kept in Cassandra behind an in-process near-cache
// (bigcache, one per entity type: nearcache.go), written by streams (package
// featurestore/stream), batch loads (`cuepoint features load`, the recs trainer) and the HTTP
// API, and read on the hot paths of the bidder and recs.
//
// # Model
//
// A Registry (Default, in catalog.go; docs/features.md documents it) declares entity types,
// each with views: named groups of typed features (Float, Int, String, Vector of float32,
// Strings) with defaults, a TTL (how long a written value lives) and a Freshness (how long a
// near-cache serves a value before reading it again). A view's value is written and read as a
// whole; all views of one entity are one Cassandra partition, so one read. Helpers read stream
// views as of now: Popularity (an item's decayed plays) and Impressions (a viewer's impressions
// of a campaign in a window, for frequency caps across instances).
//
// # Reading, in process
//
// Open one Store per process and share it:
//
//	store, err := featurestore.Open(ctx, cfg, log, false)
//	…
//	ents, err := store.BatchGet(ctx, featurestore.EntityUser, ids, []string{featurestore.ViewProfile})
//	for i := range ents { // one per id, in the order of ids
//		p := ents[i].Views[0]               // one Values per requested view, in order
//		tol := p.Float("ad_tolerance")      // the default (0.5) when absent
//		emb = p.AppendVector(emb[:0], "embedding")
//		if ents[i].Status.Degraded() { … } // Cassandra failed: stale values or defaults
//	}
//
// BatchGet never fails because of Cassandra and never outlasts the earlier of ctx's deadline
// and Config.ReadTimeout: an entity Cassandra did not answer for in time is served from the
// near-cache up to Config.MaxStale past its freshness (StatusStale) or with defaults
// (StatusDefault). Its only errors are requests to fix (*RequestError). Tests of callers use
// OpenMemory, the same Store on process memory.
//
// On hot paths, BatchGetInto answers into an Answer the caller reuses (one per goroutine or
// from a sync.Pool): served from the near-cache, it allocates nothing but bigcache's copies of
// the entries, which its Values point into. Its Values are valid until the Answer is used
// again.
//
//	var a featurestore.Answer
//	err := store.BatchGetInto(ctx, &a, featurestore.EntityUser, ids, views)
//	for i := range a.Entities { … } // as BatchGet's answer
//
// # Writing
//
// Put (the API, loads) replaces a view's value as of an event time; the latest event time
// wins whatever the order of arrival, so replays and late backfills are harmless. Delete
// removes one. Modify is a compare-and-set read-modify-write for counters and stream state.
// A write through a Store is visible to that Store's next read; other processes see it within
// the view's Freshness.
//
// # Cassandra
//
// Schema (CQL accepted by Cassandra 2.1 in dev and CI and 4/5 in production) is applied by
// `cuepoint migrate`. Reads are prepared statements at LOCAL_ONE (configurable), token-aware,
// with gocql's per-attempt timeout in tens of milliseconds, a per-request deadline, speculative
// execution for reads only, ReadParallelism partitions at a time; misses of one entity from
// concurrent callers share one read; a circuit breaker stops waiting on a failing cluster and
// probes it back. Writes carry the view's TTL. The session needs nothing special for Cassandra
// 2.1 (internal/db/cassandra_legacy.go tells what it once did).
//
// # HTTP
//
// NewAPI(store).Mount(srv) serves GET /v1/features/{type}/{id}, POST /v1/features:batchGet,
// admin PUT and DELETE /v1/features/{type}/{id}/{view} (`cuepoint featurestore`, port 8086).
//
// # Budget
//
// BatchGet of 500 entities answered from the near-cache: the goal is ≤ 100 µs p99. It takes
// 87–130 µs of CPU (4–6.5× a bare Go map's look-up and decode), so the goal is not met on the
// shared 2-core machine the figures come from (p50 60–104 µs, p99 0.4–11 ms). Most of it is
// bigcache's Get, which allocates twice per entity (it copies the stored key for its collision
// check, and the entry); BatchGetInto allocates nothing else, BatchGet 3 more times per batch
// for its answer (store_bench_test.go, BENCHMARKS.md). Misses cost one Cassandra round trip per
// partition (about a millisecond on loopback), bounded by the deadline.
package featurestore
