package dashboard

// PerSecond is a rate: events per second, averaged over the bucket.
const PerSecond Unit = "per_s"

// The SQL fragments every rollup time series shares: the bucket of a row and the range.
const (
	bucket  = "toDateTime(intDiv(toUInt32({tcol}), {step}) * {step}) AS t"
	inRange = "{tcol} >= {from} AND {tcol} < {to}"
)

// funnelStages are the VAST tracking events of the quartile funnel, in viewing order.
var funnelStages = []string{"impression", "start", "first_quartile", "midpoint", "third_quartile", "complete"}

// Charts are the dashboard's charts, in the order the page shows them. Each is served at
// GET /api/charts/{name} and is a panel of deploy/grafana/dashboards/cuepoint.json.
var Charts = []Chart{
	{
		Name:        "traffic",
		Title:       "Traffic",
		Description: "Events stored per second, by family: bid requests answered, win/billing/loss notices, ad break decisions, ad tracking events, player QoE reports and recommendation lists served. Shows within seconds of the traffic that causes it.",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"bids_", "wins_", "ad_decisions_", "ad_tracking_", "playback_", "recs_"},
		SQL: `SELECT t,
    sumIf(n, family = 'bids') / {step} AS bid_requests,
    sumIf(n, family = 'wins') / {step} AS win_notices,
    sumIf(n, family = 'ad_decisions') / {step} AS ad_breaks,
    sumIf(n, family = 'ad_tracking') / {step} AS ad_events,
    sumIf(n, family = 'playback') / {step} AS qoe_reports,
    sumIf(n, family = 'recs') / {step} AS recs_lists
FROM (
    SELECT ` + bucket + `, 'bids' AS family, countMerge(requests) AS n
    FROM {db}.bids_{res} WHERE ` + inRange + ` GROUP BY t
    UNION ALL
    SELECT ` + bucket + `, 'wins' AS family, sum(notices) AS n
    FROM {db}.wins_{res} WHERE ` + inRange + ` GROUP BY t
    UNION ALL
    SELECT ` + bucket + `, 'ad_decisions' AS family, countMerge(decisions) AS n
    FROM {db}.ad_decisions_{res} WHERE ` + inRange + ` GROUP BY t
    UNION ALL
    SELECT ` + bucket + `, 'ad_tracking' AS family, sum(events) AS n
    FROM {db}.ad_tracking_{res} WHERE ` + inRange + ` GROUP BY t
    UNION ALL
    SELECT ` + bucket + `, 'playback' AS family, countMerge(reports) AS n
    FROM {db}.playback_{res} WHERE ` + inRange + ` GROUP BY t
    UNION ALL
    SELECT ` + bucket + `, 'recs' AS family, sumIf(impressions, position = 1) AS n
    FROM {db}.recs_{res} WHERE ` + inRange + ` GROUP BY t
)
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "bid_requests", Label: "bid requests/s", Unit: PerSecond, Fill: FillZero},
			{Name: "win_notices", Label: "notices/s", Unit: PerSecond, Fill: FillZero},
			{Name: "ad_breaks", Label: "ad breaks/s", Unit: PerSecond, Fill: FillZero},
			{Name: "ad_events", Label: "ad tracking/s", Unit: PerSecond, Fill: FillZero},
			{Name: "qoe_reports", Label: "QoE reports/s", Unit: PerSecond, Fill: FillZero},
			{Name: "recs_lists", Label: "recs lists/s", Unit: PerSecond, Fill: FillZero},
		},
	},
	{
		Name:        "fill-rate",
		Title:       "Ad break fill rate",
		Description: "Of the ad time the breaks asked for, the share filled with ads (time fill); of the ad slots the pods allowed, the share filled (slot fill). From the adserver's decisions.",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"ad_decisions_"},
		SQL: `SELECT t,
    sum(filled) / sum(requested) AS time_fill,
    sum(ads) / sum(slots) AS slot_fill
FROM (
    SELECT ` + bucket + `, pod_size,
        sumMerge(filled_ms_sum) AS filled,
        sumMerge(requested_ms_sum) AS requested,
        sumMerge(ads_sum) AS ads,
        countMerge(decisions) * pod_size AS slots
    FROM {db}.ad_decisions_{res}
    WHERE ` + inRange + `
    GROUP BY t, pod_size
)
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "time_fill", Label: "time fill", Unit: Ratio},
			{Name: "slot_fill", Label: "slot fill", Unit: Ratio},
		},
	},
	{
		Name:        "win-rate",
		Title:       "Win rate",
		Description: "Win notices per bid made (win rate), and bid requests answered with at least one bid (bid rate). From the bidder's requests and the exchanges' notices.",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"bids_", "wins_"},
		SQL: `SELECT t,
    sum(wins_n) / sum(bids_n) AS win_rate,
    sum(answered_n) / sum(requests_n) AS bid_rate
FROM (
    SELECT ` + bucket + `,
        countMerge(requests) AS requests_n,
        countMergeIf(requests, answered = 1) AS answered_n,
        sumMerge(bids_sum) AS bids_n,
        toUInt64(0) AS wins_n
    FROM {db}.bids_{res}
    WHERE ` + inRange + `
    GROUP BY t
    UNION ALL
    SELECT ` + bucket + `,
        toUInt64(0) AS requests_n,
        toUInt64(0) AS answered_n,
        toUInt64(0) AS bids_n,
        sum(notices) AS wins_n
    FROM {db}.wins_{res}
    WHERE ` + inRange + ` AND type = 'win'
    GROUP BY t
)
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "win_rate", Label: "win rate", Unit: Ratio},
			{Name: "bid_rate", Label: "bid rate", Unit: Ratio},
		},
	},
	{
		Name:        "ecpm",
		Title:       "eCPM",
		Description: "Average clearing price per thousand impressions of won auctions and of billed impressions, and the bidder's own average bid on the auctions it won (the gap is what second-price or shading saved).",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"wins_"},
		SQL: `SELECT ` + bucket + `,
    sumIf(price_micros_sum, type = 'win') / sumIf(notices, type = 'win') / 1e6 AS win_ecpm,
    sumIf(price_micros_sum, type = 'billing') / sumIf(notices, type = 'billing') / 1e6 AS billed_ecpm,
    sumIf(bid_micros_sum, type = 'win') / sumIf(notices, type = 'win') / 1e6 AS bid_cpm
FROM {db}.wins_{res}
WHERE ` + inRange + `
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "win_ecpm", Label: "won eCPM", Unit: CPM},
			{Name: "billed_ecpm", Label: "billed eCPM", Unit: CPM},
			{Name: "bid_cpm", Label: "own bid CPM", Unit: CPM},
		},
	},
	{
		Name:        "revenue",
		Title:       "Revenue",
		Description: "Money per bucket: billed impressions (billing notices) and won impressions (win notices), at the clearing price. Prices are CPM, so one impression is price / 1000. Amounts are in the auctions' currency (USD unless the exchange says otherwise).",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"wins_"},
		SQL: `SELECT ` + bucket + `,
    sumIf(price_micros_sum, type = 'billing') / 1e9 AS billed,
    sumIf(price_micros_sum, type = 'win') / 1e9 AS won
FROM {db}.wins_{res}
WHERE ` + inRange + `
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "billed", Label: "billed", Unit: USD, Fill: FillZero},
			{Name: "won", Label: "won", Unit: USD, Fill: FillZero},
		},
	},
	{
		Name:        "bid-price-distribution",
		Title:       "Bid price distribution",
		Description: "How many bids the bidder made at each price, in CPM buckets 0.25 wide; the last bucket, 20, holds every bid of 20 or more. Read from the raw bid requests (no rollup keeps prices).",
		Shape:       Bars,
		Rollup:      false,
		Tables:      []string{"bids"},
		SQL: `SELECT intDiv(least(price, 20000000), 250000) * 0.25 AS cpm_bucket,
    count() AS bids_n
FROM {db}.bids
ARRAY JOIN bid.price_micros AS price
WHERE time >= {from} AND time < {to}
GROUP BY cpm_bucket
ORDER BY cpm_bucket`,
		Columns: []Column{
			{Name: "cpm_bucket", Label: "bid CPM", Unit: CPM},
			{Name: "bids_n", Label: "bids", Unit: Count},
		},
	},
	{
		Name:        "bid-latency",
		Title:       "Bid latency",
		Description: "The bidder's server time per bid request, from request read to response written: median, 90th and 99th percentile (approximate quantiles, merged from the rollup's states).",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"bids_"},
		SQL: `SELECT ` + bucket + `,
    quantilesMerge(0.5, 0.9, 0.99)(latency_us_q)[1] / 1000 AS p50,
    quantilesMerge(0.5, 0.9, 0.99)(latency_us_q)[2] / 1000 AS p90,
    quantilesMerge(0.5, 0.9, 0.99)(latency_us_q)[3] / 1000 AS p99
FROM {db}.bids_{res}
WHERE ` + inRange + `
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "p50", Label: "p50", Unit: MS},
			{Name: "p90", Label: "p90", Unit: MS},
			{Name: "p99", Label: "p99", Unit: MS},
		},
	},
	{
		Name:        "vcr",
		Title:       "Video completion rate",
		Description: "Completes per impression (VCR) and VAST errors per impression, from the ad tracking events (server-side beacons and players).",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"ad_tracking_"},
		SQL: `SELECT ` + bucket + `,
    sumIf(events, type = 'complete') / sumIf(events, type = 'impression') AS vcr,
    sumIf(events, type = 'error') / sumIf(events, type = 'impression') AS error_rate
FROM {db}.ad_tracking_{res}
WHERE ` + inRange + `
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "vcr", Label: "VCR", Unit: Ratio},
			{Name: "error_rate", Label: "errors per impression", Unit: Ratio},
		},
	},
	{
		Name:        "quartile-funnel",
		Title:       "Quartile funnel",
		Description: "Ad tracking events over the range, in viewing order: impressions, starts, first quartile, midpoint, third quartile, completes.",
		Shape:       Bars,
		Rollup:      true,
		Tables:      []string{"ad_tracking_"},
		SQL: `SELECT type AS stage,
    sum(events) AS events_n
FROM {db}.ad_tracking_{res}
WHERE ` + inRange + `
    AND type IN ('impression', 'start', 'first_quartile', 'midpoint', 'third_quartile', 'complete')
GROUP BY stage
ORDER BY indexOf(['impression', 'start', 'first_quartile', 'midpoint', 'third_quartile', 'complete'], stage)`,
		Columns: []Column{
			{Name: "stage", Label: "stage", Unit: Label},
			{Name: "events_n", Label: "events", Unit: Count},
		},
		Categories: funnelStages,
	},
	{
		Name:        "rebuffering",
		Title:       "Rebuffering ratio",
		Description: "Time stalled after startup as a share of time watching (playing plus stalled), from the players' QoE reports.",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"playback_"},
		SQL: `SELECT ` + bucket + `,
    sumMerge(rebuffer_ms_sum) / (sumMerge(watch_ms_sum) + sumMerge(rebuffer_ms_sum)) AS rebuffer_ratio
FROM {db}.playback_{res}
WHERE ` + inRange + `
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "rebuffer_ratio", Label: "rebuffering ratio", Unit: Ratio},
		},
	},
	{
		Name:        "video-start-time",
		Title:       "Video start time",
		Description: "Time from play requested to first frame, per playback session that started: median, 90th and 99th percentile, and mean.",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"playback_"},
		SQL: `SELECT ` + bucket + `,
    quantilesIfMerge(0.5, 0.9, 0.99)(startup_ms_q)[1] AS p50,
    quantilesIfMerge(0.5, 0.9, 0.99)(startup_ms_q)[2] AS p90,
    quantilesIfMerge(0.5, 0.9, 0.99)(startup_ms_q)[3] AS p99,
    sumMerge(startup_ms_sum) / countIfMerge(starts) AS mean
FROM {db}.playback_{res}
WHERE ` + inRange + `
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "p50", Label: "p50", Unit: MS},
			{Name: "p90", Label: "p90", Unit: MS},
			{Name: "p99", Label: "p99", Unit: MS},
			{Name: "mean", Label: "mean", Unit: MS},
		},
	},
	{
		Name:        "recs-ctr",
		Title:       "Recommendations CTR by position and model",
		Description: "Clicks per impression at each position (1–20) of the lists served, one line per ranking model.",
		Shape:       Pivot,
		Rollup:      true,
		Tables:      []string{"recs_"},
		SQL: `SELECT position, model,
    sum(impressions) AS shown,
    sum(clicks) AS clicked,
    sum(clicks) / sum(impressions) AS ctr
FROM {db}.recs_{res}
WHERE ` + inRange + `
    AND position BETWEEN 1 AND 20
GROUP BY position, model
ORDER BY model, position`,
		Columns: []Column{
			{Name: "position", Label: "position", Unit: Count},
			{Name: "model", Label: "model", Unit: Label},
			{Name: "shown", Label: "impressions", Unit: Count},
			{Name: "clicked", Label: "clicks", Unit: Count},
			{Name: "ctr", Label: "CTR", Unit: Ratio},
		},
		Value: "ctr",
	},
}
