package schema

import "strings"

// Rollups pre-aggregate the raw tables per minute and per hour for the dashboard. Each is a
// target table written by materialized views on a raw table, so a row inserted into the raw
// table is counted in the same INSERT. Counts and sums use SummingMergeTree; where a rollup
// keeps latency quantiles it is an AggregatingMergeTree, and every column holds an aggregate
// state that queries finish with the -Merge combinator:
//
//	SELECT minute, exchange, countMerge(requests) AS requests,
//	       sumMerge(price_micros_sum) / 1e6 AS spend,
//	       quantilesMerge(0.5, 0.9, 0.99)(latency_us_q) AS latency_us
//	FROM cuepoint.bids_1m WHERE minute >= now() - 3600 GROUP BY minute, exchange ORDER BY minute
//
// Aggregate columns never share a name with a raw column (ClickHouse 18.16 resolves such an
// alias to the wrong thing in a materialized view).

// granularity is one rollup resolution.
type granularity struct {
	suffix    string // table name suffix
	column    string // the time bucket column
	bucket    string // expression of the raw time
	partition string // expression of the bucket column
}

var (
	perMinute = granularity{"_1m", "minute", "toStartOfMinute(time)", "toDate(minute)"}
	perHour   = granularity{"_1h", "hour", "toStartOfHour(time)", "toYYYYMM(hour)"}
)

// rollup is one rollup table and the views that fill it, with {g} standing for the bucket
// column and {bucket} for its expression.
type rollup struct {
	name    string
	engine  string
	keys    string // key columns after the bucket, with types
	columns string // value columns with types
	order   string // key column names after the bucket
	views   []string
}

func (r rollup) statements(g granularity) []string {
	rep := strings.NewReplacer("{g}", g.column, "{bucket}", g.bucket, "{table}", r.name+g.suffix)
	out := []string{rep.Replace(`CREATE TABLE IF NOT EXISTS {db}.{table} (
    {g} DateTime,` + r.keys + r.columns + `
) ENGINE = ` + r.engine + `
PARTITION BY ` + g.partition + `
ORDER BY ({g}, ` + r.order + `)`)}
	for i, v := range r.views {
		view := r.name + g.suffix + "_mv"
		if len(r.views) > 1 {
			view = r.name + g.suffix + "_mv" + string(rune('1'+i))
		}
		out = append(out, rep.Replace(`CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.`+view+` TO {db}.{table} AS `+v))
	}
	return out
}

var rollups = []rollup{
	{
		name:   "bids",
		engine: "AggregatingMergeTree",
		keys: `
    exchange String,
    publisher String,
    answered UInt8,
    nbr UInt16,
    reason String,`,
		columns: `
    requests AggregateFunction(count),
    imps_sum AggregateFunction(sum, UInt64),
    bids_sum AggregateFunction(sum, UInt64),
    price_micros_sum AggregateFunction(sum, Int64),
    latency_us_q AggregateFunction(quantiles(0.5, 0.9, 0.99), Int64)`,
		order: "exchange, publisher, answered, nbr, reason",
		views: []string{`
SELECT {bucket} AS {g}, exchange, publisher,
    toUInt8(notEmpty(bid.price_micros)) AS answered, nbr, reason,
    countState() AS requests,
    sumState(toUInt64(imps)) AS imps_sum,
    sumState(toUInt64(length(bid.price_micros))) AS bids_sum,
    sumState(arraySum(bid.price_micros)) AS price_micros_sum,
    quantilesState(0.5, 0.9, 0.99)(latency_us) AS latency_us_q
FROM {db}.bids
GROUP BY {g}, exchange, publisher, answered, nbr, reason`},
	},
	{
		name:   "wins",
		engine: "SummingMergeTree",
		keys: `
    exchange String,
    campaign String,
    type String,`,
		columns: `
    notices UInt64,
    price_micros_sum Int64,
    bid_micros_sum Int64`,
		order: "exchange, campaign, type",
		views: []string{`
SELECT {bucket} AS {g}, exchange, campaign, type,
    count() AS notices,
    sum(price_micros) AS price_micros_sum,
    sum(bid_micros) AS bid_micros_sum
FROM {db}.wins
GROUP BY {g}, exchange, campaign, type`},
	},
	{
		name:   "ad_tracking",
		engine: "SummingMergeTree",
		keys: `
    campaign String,
    creative String,
    type String,
    vast_error UInt16,`,
		columns: `
    events UInt64`,
		order: "campaign, creative, type, vast_error",
		views: []string{`
SELECT {bucket} AS {g}, campaign, creative, type, vast_error,
    count() AS events
FROM {db}.ads
WHERE type != 'decision'
GROUP BY {g}, campaign, creative, type, vast_error`},
	},
	{
		name:   "ad_decisions",
		engine: "AggregatingMergeTree",
		keys: `
    pod_size UInt16,`,
		columns: `
    decisions AggregateFunction(count),
    requested_ms_sum AggregateFunction(sum, Int64),
    filled_ms_sum AggregateFunction(sum, Int64),
    ads_sum AggregateFunction(sum, UInt64),
    bidders_sum AggregateFunction(sum, UInt64),
    bids_sum AggregateFunction(sum, UInt64),
    auction_latency_us_q AggregateFunction(quantiles(0.5, 0.9, 0.99), Int64),
    latency_us_q AggregateFunction(quantiles(0.5, 0.9, 0.99), Int64)`,
		order: "pod_size",
		views: []string{`
SELECT {bucket} AS {g}, pod_size,
    countState() AS decisions,
    sumState(requested_ms) AS requested_ms_sum,
    sumState(filled_ms) AS filled_ms_sum,
    sumState(toUInt64(length(creatives))) AS ads_sum,
    sumState(toUInt64(bidders)) AS bidders_sum,
    sumState(toUInt64(bids)) AS bids_sum,
    quantilesState(0.5, 0.9, 0.99)(auction_latency_us) AS auction_latency_us_q,
    quantilesState(0.5, 0.9, 0.99)(latency_us) AS latency_us_q
FROM {db}.ads
WHERE type = 'decision'
GROUP BY {g}, pod_size`},
	},
	{
		name:   "playback",
		engine: "AggregatingMergeTree",
		keys: `
    device String,
    content_id String,`,
		columns: `
    reports AggregateFunction(count),
    starts AggregateFunction(countIf, UInt8),
    ends AggregateFunction(countIf, UInt8),
    startup_ms_sum AggregateFunction(sum, Int64),
    startup_ms_q AggregateFunction(quantilesIf(0.5, 0.9, 0.99), Int64, UInt8),
    watch_ms_sum AggregateFunction(sum, Int64),
    rebuffers_sum AggregateFunction(sum, UInt64),
    rebuffer_ms_sum AggregateFunction(sum, Int64),
    bitrate_switches_sum AggregateFunction(sum, UInt64),
    errors_sum AggregateFunction(sum, UInt64)`,
		order: "device, content_id",
		views: []string{`
SELECT {bucket} AS {g}, device, content_id,
    countState() AS reports,
    countIfState(startup_ms > 0) AS starts,
    countIfState(final = 1) AS ends,
    sumState(startup_ms) AS startup_ms_sum,
    quantilesIfState(0.5, 0.9, 0.99)(startup_ms, startup_ms > 0) AS startup_ms_q,
    sumState(watch_ms) AS watch_ms_sum,
    sumState(toUInt64(rebuffers)) AS rebuffers_sum,
    sumState(rebuffer_ms) AS rebuffer_ms_sum,
    sumState(toUInt64(bitrate_switches)) AS bitrate_switches_sum,
    sumState(toUInt64(errors)) AS errors_sum
FROM {db}.playback
GROUP BY {g}, device, content_id`},
	},
	{
		name:   "recs",
		engine: "SummingMergeTree",
		keys: `
    model String,
    experiment String,
    arm String,
    position UInt16,`,
		columns: `
    impressions UInt64,
    clicks UInt64,
    plays UInt64`,
		order: "model, experiment, arm, position",
		views: []string{`
SELECT {bucket} AS {g}, model, experiment, arm, toUInt16(list_pos) AS position,
    count() AS impressions, toUInt64(0) AS clicks, toUInt64(0) AS plays
FROM {db}.recs
ARRAY JOIN arrayEnumerate(items) AS list_pos
WHERE type = 'served'
GROUP BY {g}, model, experiment, arm, position`, `
SELECT {bucket} AS {g}, model, experiment, arm, position,
    toUInt64(0) AS impressions,
    countIf(type = 'click') AS clicks,
    countIf(type = 'play') AS plays
FROM {db}.recs
WHERE type IN ('click', 'play')
GROUP BY {g}, model, experiment, arm, position`},
	},
}
