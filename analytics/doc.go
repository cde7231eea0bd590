// Package analytics is the root of Cuepoint's analytics pipeline; its subpackages carry
// every event from the request path that caused it to a ClickHouse row a dashboard reads:
//
//	service ──Emit──▶ producer ──Kafka cuepoint.<family>──▶ sink ──INSERT──▶ ClickHouse
//	 (bidder, adserver, ssai, recs)                            │      raw tables ──views──▶ rollups
//	player ──HTTP──▶ collector ──▶ producer                    └──▶ cuepoint.deadletter
//
// The packages:
//
//   - events: the schema (one Go type per event, five families, one topic each), the JSON
//     codec and validation. docs/events.md documents every field.
//   - producer: emits events from request paths without blocking (≤ 1 µs), spooling to disk
//     while Kafka is unreachable.
//   - collector: accepts events from players over HTTP, validates them with events.Decode.
//   - sink: `cuepoint sink`, a consumer group that stores every event exactly once in
//     ClickHouse, with batching, backpressure, retries and dead letters.
//   - schema: the ClickHouse tables (raw per family, minute and hour rollups, the sink's
//     ledger) as migrations for `cuepoint migrate`, and partition retention.
//   - dashboard: reads the rollups.
//
// Budgets: emitting an event never blocks and costs ≤ 1 µs; an event is queryable in
// ClickHouse ≤ 5 s (p99) after it happened. BENCHMARKS.md records both.
package analytics
