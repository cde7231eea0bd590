package dashboard

import (
	"fmt"
	"strings"
)

// PerSecond is a rate: events per second, averaged over the bucket.
const PerSecond Unit = "per_s"

// The SQL fragments every rollup time series shares: the bucket of a row and the range.
const (
	bucket  = "toDateTime(intDiv(toUInt32({tcol}), {step}) * {step}) AS t"
	inRange = "{tcol} >= {from} AND {tcol} < {to}"
)

// rawBucket is bucket for raw tables, which time series read by their time column.
const rawBucket = "toDateTime(intDiv(toUInt32(time), {step}) * {step}) AS t"

// sessionStartTraces selects the trace ids of the range's SSAI session starts (a minute
// beyond each end, for the decisions and bids of starts at the edges).
const sessionStartTraces = `request_id IN (
        SELECT request_id FROM {db}.playback
        WHERE type = 'session_start' AND request_id != '' AND time >= {from} - 60 AND time < {to} + 60)`

// sessionStartSQL is the session start breakdown: one quantiles(0.5, 0.99) row per stage and
// bucket, in microseconds, pivoted into a column per stage and quantile in milliseconds. A
// stage without data in a bucket is NaN, which the API sends as null (a gap).
var sessionStartSQL = func() string {
	stages := []struct{ name, value, from, where string }{
		{"ssai", "latency_us", "playback", "type = 'session_start'"},
		{"wait", "decision_us", "playback", "type = 'session_start' AND decision_us > 0"},
		{"adserver", "latency_us", "ads", "type = 'decision' AND " + sessionStartTraces},
		{"auction", "auction_latency_us", "ads", "type = 'decision' AND " + sessionStartTraces},
		{"bidder", "latency_us", "bids", sessionStartTraces},
		{"startup", "startup_ms * 1000", "playback", "type = 'qoe' AND startup_ms > 0"},
	}
	var cols, parts []string
	for _, st := range stages {
		for i, p := range []string{"p50", "p99"} {
			cols = append(cols, fmt.Sprintf("    if(countIf(stage = '%s') > 0, anyIf(q, stage = '%s')[%d] / 1000, nan) AS %s_%s", st.name, st.name, i+1, st.name, p))
		}
		parts = append(parts, fmt.Sprintf(`    SELECT %s, '%s' AS stage, quantiles(0.5, 0.99)(%s) AS q
    FROM {db}.%s
    WHERE time >= {from} AND time < {to} AND %s
    GROUP BY t`, rawBucket, st.name, st.value, st.from, st.where))
	}
	return "SELECT t,\n" + strings.Join(cols, ",\n") + "\nFROM (\n" + strings.Join(parts, "\n    UNION ALL\n") + "\n)\nGROUP BY t\nORDER BY t"
}()

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
		Description: "Average price per thousand ad impressions played (the impressions' clearing prices, from the ad tracking events), and on the bidder's side: the average clearing price of won auctions and of billed impressions, and the bidder's own average bid on the auctions it won (the gap is what second-price or shading saved).",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"ad_tracking_", "wins_"},
		SQL: `SELECT t,
    sum(imp_price) / sum(imps) / 1e6 AS impression_ecpm,
    sum(win_price) / sum(wins_n) / 1e6 AS win_ecpm,
    sum(billed_price) / sum(billed_n) / 1e6 AS billed_ecpm,
    sum(win_bid) / sum(wins_n) / 1e6 AS bid_cpm
FROM (
    SELECT ` + bucket + `,
        sum(price_micros_sum) AS imp_price, sum(events) AS imps,
        toInt64(0) AS win_price, toUInt64(0) AS wins_n, toInt64(0) AS billed_price, toUInt64(0) AS billed_n, toInt64(0) AS win_bid
    FROM {db}.ad_tracking_{res}
    WHERE ` + inRange + ` AND type = 'impression'
    GROUP BY t
    UNION ALL
    SELECT ` + bucket + `,
        toInt64(0) AS imp_price, toUInt64(0) AS imps,
        sumIf(price_micros_sum, type = 'win') AS win_price, sumIf(notices, type = 'win') AS wins_n,
        sumIf(price_micros_sum, type = 'billing') AS billed_price, sumIf(notices, type = 'billing') AS billed_n,
        sumIf(bid_micros_sum, type = 'win') AS win_bid
    FROM {db}.wins_{res}
    WHERE ` + inRange + `
    GROUP BY t
)
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "impression_ecpm", Label: "impressions eCPM", Unit: CPM},
			{Name: "win_ecpm", Label: "won eCPM", Unit: CPM},
			{Name: "billed_ecpm", Label: "billed eCPM", Unit: CPM},
			{Name: "bid_cpm", Label: "own bid CPM", Unit: CPM},
		},
	},
	{
		Name:        "revenue",
		Title:       "Revenue",
		Description: "Money per bucket. Ad revenue: the ad impressions played, each at its clearing price / 1000 (prices are CPM), from the impression tracking events. On the bidder's side: billed impressions (billing notices) and won impressions (win notices), at the clearing price. Amounts are in the auctions' currency (USD unless the event says otherwise).",
		Shape:       TimeSeries,
		Rollup:      true,
		Tables:      []string{"ad_tracking_", "wins_"},
		SQL: `SELECT t,
    sum(imp_price) / 1e9 AS ad_revenue,
    sum(billed_price) / 1e9 AS billed,
    sum(win_price) / 1e9 AS won
FROM (
    SELECT ` + bucket + `,
        sum(price_micros_sum) AS imp_price, toInt64(0) AS billed_price, toInt64(0) AS win_price
    FROM {db}.ad_tracking_{res}
    WHERE ` + inRange + ` AND type = 'impression'
    GROUP BY t
    UNION ALL
    SELECT ` + bucket + `,
        toInt64(0) AS imp_price,
        sumIf(price_micros_sum, type = 'billing') AS billed_price,
        sumIf(price_micros_sum, type = 'win') AS win_price
    FROM {db}.wins_{res}
    WHERE ` + inRange + `
    GROUP BY t
)
GROUP BY t
ORDER BY t`,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "ad_revenue", Label: "ad revenue (impressions)", Unit: USD, Fill: FillZero},
			{Name: "billed", Label: "billed (bidder)", Unit: USD, Fill: FillZero},
			{Name: "won", Label: "won (bidder)", Unit: USD, Fill: FillZero},
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
		Name:  "session-start-breakdown",
		Title: "Session start breakdown",
		Description: "Where the time of an SSAI session start goes, p50 (solid) and p99 (dashed) per bucket: the whole start in ssai, the part it waited for the adserver's preroll decision, " +
			"the adserver's decision and the auction inside it, the bidders' server time, and the player's startup time (play requested to first frame). " +
			"The adserver, auction and bidder figures are those of the session starts' own traces (joined by request_id); startup is every player session's. Log scale. Read from the raw events.",
		Shape:  TimeSeries,
		Rollup: false,
		LogY:   true,
		Tables: []string{"playback", "ads", "bids"},
		SQL:    sessionStartSQL,
		Columns: []Column{
			{Name: "t", Label: "time", Unit: Time},
			{Name: "ssai_p50", Label: "ssai start p50", Unit: MS},
			{Name: "ssai_p99", Label: "ssai start p99", Unit: MS},
			{Name: "wait_p50", Label: "decision wait p50", Unit: MS},
			{Name: "wait_p99", Label: "decision wait p99", Unit: MS},
			{Name: "adserver_p50", Label: "adserver decision p50", Unit: MS},
			{Name: "adserver_p99", Label: "adserver decision p99", Unit: MS},
			{Name: "auction_p50", Label: "auction p50", Unit: MS},
			{Name: "auction_p99", Label: "auction p99", Unit: MS},
			{Name: "bidder_p50", Label: "bidder p50", Unit: MS},
			{Name: "bidder_p99", Label: "bidder p99", Unit: MS},
			{Name: "startup_p50", Label: "player startup p50", Unit: MS},
			{Name: "startup_p99", Label: "player startup p99", Unit: MS},
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
