// Package schema is the ClickHouse schema of Cuepoint's analytics, as migrations for
// internal/migrate, and the retention that drops old partitions.
//
// `cuepoint migrate` (and `cuepoint dev`) apply it; every sink instance may too, since
// migrations are idempotent:
//
//	applied, err := migrate.ClickHouse(ctx, conn, schema.Database, schema.ClickHouse(schema.Database))
//
// # Tables
//
// One raw table per event family (bids, wins, ads, playback, recs: see RawTable and
// docs/events.md for the columns), one row per event, partitioned by event day and ordered by
// (hour, dashboard dimensions, time). The sink writes them and nothing else does: every row
// carries the Kafka partition and offset it came from and the id of the batch that inserted
// it, which is what makes the sink exactly-once.
//
// Minute (<name>_1m, daily partitions) and hour (<name>_1h, monthly partitions) rollups are
// filled by materialized views in the same INSERT as the raw rows:
//
//	bids_1m/_1h          requests, imps, bids, spend and latency quantiles by exchange,
//	                     publisher, answered (bid or no-bid), no-bid code and reason
//	wins_1m/_1h          win, billing and loss notices and their amounts by exchange, campaign
//	ad_decisions_1m/_1h  breaks requested vs filled (ms), ads placed, bidders, bids and latency
//	                     quantiles by pod size
//	ad_tracking_1m/_1h   impressions, starts, quartiles, completes, clicks, errors, pauses, skips,
//	                     mutes… by campaign, creative, event type and VAST error code, and the
//	                     sum of impression prices (price_micros_sum, CPM micros)
//	playback_1m/_1h      QoE reports, starts, ends, startup time (sum and quantiles), watch
//	                     time, rebuffers, bitrate switches and errors by device and content
//	                     (SSAI session starts share the raw table but not this rollup)
//	recs_1m/_1h          impressions, clicks and plays by model, experiment, arm and position
//
// SummingMergeTree rollups are read with sum(); AggregatingMergeTree ones (those with
// quantiles) with the -Merge combinators, e.g. countMerge(requests),
// quantilesMerge(0.5, 0.9, 0.99)(latency_us_q). Always GROUP BY: rows of one key are only
// combined when parts merge.
//
// sink_batches is the sink's ledger of batches it is about to insert (see analytics/sink).
//
// # Portability
//
// The same statements run on ClickHouse 18.16 (dev, CI) and current ClickHouse
// (production), except that migration 4 adds columns with ADD COLUMN IF NOT EXISTS only where
// the server has it (not 18.16: there, one ALTER per table; see additions.go and
// docs/events.md). Otherwise: MergeTree with PARTITION BY/ORDER BY, no TTL
// (DropExpired does retention), no LowCardinality, CODEC, Map, JSON or DateTime64 (events keep
// milliseconds in time_ms), and no aggregate aliased with a raw column's name. The tests apply
// the schema to a real 18.16 server and insert through every view.
//
// # Retention
//
// DropExpired drops whole partitions whose newest row is older than the Retention of the
// table's kind (raw 30 days, minute rollups 90, hour rollups 730, ledger 30 by default); the
// sink runs it periodically.
package schema
