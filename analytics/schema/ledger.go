package schema

// The sink's ledger: before each INSERT of a batch, the sink records here, per Kafka
// partition, the offset range it is about to insert and the event-time range of its rows.
// After a crash or a rebalance, a partition's new owner reads the ledger to learn up to which
// offset rows may already be stored, and checks the raw table for exactly those (see
// analytics/sink). Rows are small and few (one per partition per batch).
const ledgerTable = `CREATE TABLE IF NOT EXISTS {db}.sink_batches (
    written_at DateTime,
    topic String,
    kafka_partition Int32,
    first_offset Int64,
    last_offset Int64,
    rows UInt32,
    min_time DateTime,
    max_time DateTime,
    batch_id String,
    consumer String
) ENGINE = MergeTree
PARTITION BY toDate(written_at)
ORDER BY (topic, kafka_partition, last_offset)`
