package schema

// Raw tables: one per event family, one row per event. Every raw table starts with the
// header columns and ends with the sink's columns; in between are the family's own columns,
// the union of the fields of the family's event types (a column a type does not have holds
// its zero value). Rows are partitioned by event day (retention drops whole days) and ordered
// by hour, then the dimensions dashboards filter on, then time.

const headerColumns = `
    time DateTime,
    time_ms UInt16,
    id String,
    version UInt8,
    type String,
    service String,
    request_id String,`

// sinkColumns are written by the sink: where the row came from in Kafka (the exactly-once
// check reads kafka_partition and kafka_offset), the batch that inserted it, and when.
const sinkColumns = `
    kafka_partition Int32,
    kafka_offset Int64,
    batch_id String,
    inserted_at DateTime DEFAULT now()`

func rawTable(name, columns, orderBy string) string {
	return `CREATE TABLE IF NOT EXISTS {db}.` + name + ` (` + headerColumns + columns + sinkColumns + `
) ENGINE = MergeTree
PARTITION BY toDate(time)
ORDER BY (toStartOfHour(time), ` + orderBy + `, time)`
}

var rawTables = []string{
	rawTable("bids", `
    auction_id String,
    exchange String,
    publisher String,
    imps UInt32,
    formats Array(String),
    floor_micros Int64,
    tmax_ms UInt32,
    currency String,
    bid Nested(imp String, price_micros Int64, campaign String, creative String, deal String),
    nbr UInt16,
    reason String,
    latency_us Int64,`, "exchange, publisher"),

	rawTable("wins", `
    auction_id String,
    exchange String,
    imp_id String,
    bid_id String,
    campaign String,
    creative String,
    price_micros Int64,
    bid_micros Int64,
    currency String,
    loss_reason UInt16,`, "campaign, type"),

	rawTable("ads", `
    session_id String,
    break_id String,
    content_id String,
    requested_ms Int64,
    filled_ms Int64,
    pod_size UInt16,
    creatives Array(String),
    bidders UInt32,
    bids UInt32,
    auction_latency_us Int64,
    latency_us Int64,
    ad_id String,
    creative String,
    campaign String,
    position UInt16,
    vast_error UInt16,
    source String,`, "type, campaign"),

	rawTable("playback", `
    session_id String,
    content_id String,
    device String,
    startup_ms Int64,
    watch_ms Int64,
    rebuffers UInt32,
    rebuffer_ms Int64,
    bitrate_switches UInt32,
    bitrate_kbps UInt32,
    errors UInt32,
    last_error String,
    final UInt8,`, "device, content_id"),

	rawTable("recs", `
    list_id String,
    user_id String,
    surface String,
    model String,
    experiment String,
    arm String,
    items Array(String),
    latency_us Int64,
    item String,
    position UInt16,`, "model, arm, type"),
}
