// Package sink consumes Cuepoint's analytics topics and stores every event exactly once in
// the raw tables of ClickHouse (analytics/schema), from which materialized views fill the
// rollups. It is `cuepoint sink`, and `cuepoint dev` runs it in process:
//
//	s, err := sink.New(sink.Config{Brokers: brokers, ClickHouseAddr: addr, Logger: log})
//	s.Mount(srv)        // /readyz reports "clickhouse" and "kafka"
//	err = s.Run(ctx)    // until ctx is cancelled; then it stores what it read and leaves
//
// # Pipeline
//
// One goroutine polls the consumer group (franz-go, manual commits, rebalances blocked while
// a poll is processed), decodes each record with an events.Decoder (Decode's checks, no
// allocation: the decoded event is reused and its strings alias the record) and appends it
// straight to column buffers, one per topic partition, and hands a flush to the inserter when a
// table has BatchRows rows (100k), or the oldest record has waited BatchInterval (1 s), or a
// table has MinBatchRows rows (10k) and the sink has read every partition up to the high
// watermark its last fetch reported: when Kafka holds nothing more, waiting only delays rows
// (a backlog's last rows, or a steady 20k events/s, go at once instead of after a second)
// while ClickHouse still gets blocks of at least 10k rows. The inserter writes
// the flush — one INSERT per table, columns appended whole through clickhouse-go's native
// batch API — while the poll loop builds the next one. When the inserter is still busy with
// the previous flush, the loop waits instead of polling, so a slow or dead ClickHouse stops
// the fetching: memory stays bounded by three flushes (one being stored, one handed over, one
// filling) and one fetch (FetchMaxBytes). Failed flushes are
// retried with capped exponential backoff until they succeed; /readyz reports ClickHouse not
// ready meanwhile. Offsets are committed only after ClickHouse acknowledged the INSERT (and
// Kafka the flush's dead letters).
//
// Records that do not decode (syntax, unknown version or type, failed validation, too large)
// are produced unchanged to the dead-letter topic, with headers giving the reason, the error
// and the source topic, partition, offset and timestamp, and counted in
// cuepoint_sink_dead_letters_total{topic,reason}. They never block their partition: the
// flush commits past them once Kafka has them. Dead letters are at-least-once (a crash
// between producing them and committing replays them); their source headers identify
// duplicates.
//
// # Exactly once
//
// Kafka delivers at least once to a consumer that commits after storing, and ClickHouse 18.16
// stores a retried INSERT twice (it has no insert_deduplication_token, and block
// deduplication is for replicated tables only). The sink therefore makes the retry and the
// re-read idempotent itself, with the same mechanism on every server version:
//
//  1. Every row carries kafka_partition and kafka_offset, and the batch_id
//     "topic/partition/first-last" of the partition batch that stored it.
//  2. Before inserting a flush, the sink writes to the ledger table sink_batches, per
//     partition batch, the offset range and the event-time range it is about to store. The
//     ledger is written before the data, so every offset that may be in ClickHouse is at or
//     below the highest last_offset the ledger holds for its partition. The poll loop writes
//     it as it hands the flush over, while the previous flush is being stored, so that the
//     ledger's round trip is not on the inserter's path (the inserter writes it when that
//     failed).
//  3. For each partition it owns, the inserter keeps upTo: the offset up to which rows may
//     already be stored by an INSERT whose outcome it does not know. On assignment upTo is
//     the ledger's highest offset for the partition (a previous owner's batches, or our own
//     before a crash); after a failed INSERT it is raised to that batch's last offset; once a
//     batch reaching upTo is stored, it is cleared. Offsets above upTo were never attempted.
//  4. A batch that starts at or below upTo is checked: the inserter waits until no INSERT
//     of that partition is still running on the server (each INSERT's query_id lists its
//     partitions, so system.processes shows a client's abandoned INSERT that the server is
//     still writing), then selects the partition's kafka_offset values between the batch's
//     first offset and upTo, restricted to the batch's event-time range (so to its day
//     partitions), and inserts only the rows not found. This works at offset granularity, so
//     it is right when batch boundaries differ after a restart (another BatchRows, another
//     poll size) and when only part of an INSERT was stored.
//  5. An INSERT is one native block of at most BatchRows + 10k rows (BatchRows ≤ 1,000,000,
//     below max_insert_block_size), which ClickHouse writes as one part per day partition
//     it touches. Each part appears atomically; a block spanning midnight is two parts, and
//     a crash between them leaves part of the block, which step 4 completes.
//
// Committing offsets only after the INSERT is what prevents loss; the ledger and the check
// are what prevent duplicates, so a failed commit is harmless (the next one covers it).
//
// Rebalances: rebalance callbacks run only between polls (BlockRebalanceOnPoll). When the
// flush being stored holds a revoked partition, the revoke callback interrupts the attempt
// and waits for it to end (its outcome is then unknown, as after any failure); it drops the
// revoked partitions' pending batches and state. No attempt starts for a partition the sink
// no longer owns, and a partition assigned again is checked against the ledger again. The one case not
// covered is a member cut off from Kafka but not from ClickHouse for longer than the session
// timeout: until its client notices, it may store the batch it holds after the group gave
// its partitions to another member, which may then store the same rows (ClickHouse offers no
// fencing token to refuse the stale member's INSERT).
//
// Where the server has insert_deduplication_token (current ClickHouse, on replicated tables or
// with non_replicated_deduplication_window), the batch ids could also be sent as tokens; the
// sink does not, so that 18.16 and current servers run one mechanism, the one tested here.
//
// # Cost
//
// Per record the sink decodes without allocating and appends to column buffers that hold no
// pointers (string columns are one byte buffer plus end offsets; arrays add per-row element
// counts), so the garbage collector neither scans the millions of values a flush holds nor
// keeps the fetched records alive; the INSERT gets string views of those buffers, built once
// per flush. Strings aliasing records is why the Kafka client must not be given a
// PoolDecompressBytes (kgo.WithPools): Config.KafkaOptions must not recycle record memory.
// Arrays are handed to clickhouse-go row by row, which it appends without reflection. Past
// that, the INSERT costs what clickhouse-go's column encoding costs (it builds new columns
// for every INSERT). Profile it with
// `go test ./analytics/sink -run '^$' -bench SinkThroughput -benchtime 1x -cpuprofile cpu.out`.
//
// The ledger adds one small INSERT per flush. The check runs only after a failure, a crash
// or a rebalance, and reads two integer columns of the day partitions a batch touches.
// BENCHMARKS.md has the measured throughput against a raw clickhouse-go insert of the same
// rows, and the event-to-queryable latency.
//
// # Metrics
//
// cuepoint_sink_rows_total, _duplicates_skipped_total, _dead_letters_total{reason},
// _event_age_seconds (event time to insert acknowledged) per topic; _insert_errors_total,
// _commit_errors_total, _flushes_total, _flush_duration_seconds,
// _retention_dropped_partitions_total. All carry service="sink".
//
// Retention: every RetentionInterval the sink runs schema.DropExpired.
package sink
