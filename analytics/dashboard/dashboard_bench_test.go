package dashboard

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// benchDays of traffic are generated in ClickHouse itself for the benchmark: about 500k bid
// requests, 170k notices, 240k ad events, 100k QoE reports and 70k recommendation events a
// week, which the materialized views roll up as the sink's inserts would.
const benchDays = 7

// seedBulk fills database with benchDays of traffic ending at end, generated server-side
// (INSERT … SELECT FROM numbers, with explicit column lists).
func seedBulk(tb testing.TB, conn driver.Conn, database string, end time.Time) {
	tb.Helper()
	span := int64(benchDays * 86400)
	start := end.Unix() - span
	at := func(n int64) string { // row number → a time spread evenly over the span
		return fmt.Sprintf("toDateTime(%d + intDiv(number * %d, %d))", start, span, n)
	}
	stmts := []string{
		fmt.Sprintf(`INSERT INTO %[1]s.bids (time, id, type, service, request_id, exchange, publisher, imps, bid.imp, bid.price_micros, bid.campaign, bid.creative, bid.deal, nbr, reason, latency_us)
			SELECT %[2]s, toString(number), 'bid_request', 'bidder', if(number %% 3 = 1, 'tr-' || toString(intDiv(number, 12.6)), ''), ['ssp-alpha', 'ssp-beta', 'ssp-gamma'][number %% 3 + 1], ['pub-news', 'pub-sports'][number %% 2 + 1], 1,
				if(number %% 3 = 0, emptyArrayString(), ['1']), if(number %% 3 = 0, emptyArrayInt64(), [toInt64(500000 + (number * 7919) %% 9000000)]),
				if(number %% 3 = 0, emptyArrayString(), ['cmp-' || toString(number %% 7)]), if(number %% 3 = 0, emptyArrayString(), ['cr-1']), if(number %% 3 = 0, emptyArrayString(), ['']),
				if(number %% 3 = 0, 2, 0), if(number %% 3 = 0, 'below_floor', ''), toInt64(200 + (number * 31) %% 3000)
			FROM numbers(%[3]d)`, database, at(504_000), 504_000),
		fmt.Sprintf(`INSERT INTO %[1]s.wins (time, id, type, service, auction_id, exchange, campaign, creative, price_micros, bid_micros)
			SELECT %[2]s, toString(number), ['win', 'billing', 'loss'][number %% 3 + 1], 'bidder', toString(number), ['ssp-alpha', 'ssp-beta'][number %% 2 + 1],
				'cmp-' || toString(number %% 7), 'cr-1', toInt64(400000 + (number * 104729) %% 6000000), toInt64(500000 + (number * 7919) %% 9000000)
			FROM numbers(%[3]d)`, database, at(170_000), 170_000),
		// One SSAI session start per decision, sharing its trace id (and, above, a third of the
		// bid requests are those traces' bidders).
		fmt.Sprintf(`INSERT INTO %[1]s.playback (time, id, type, service, request_id, session_id, source, mode, preroll_ads, decision_us, latency_us)
			SELECT %[2]s, 's' || toString(number), 'session_start', 'ssai', 'tr-' || toString(number), toString(number), 'demo', 'stitched',
				toUInt16(number %% 4), toInt64(4000 + number %% 9000), toInt64(9000 + (number * 7) %% 20000)
			FROM numbers(%[3]d)`, database, at(40_000), 40_000),
		fmt.Sprintf(`INSERT INTO %[1]s.ads (time, id, type, service, request_id, session_id, break_id, requested_ms, filled_ms, pod_size, creatives, bidders, bids, auction_latency_us, latency_us)
			SELECT %[2]s, toString(number), 'decision', 'adserver', 'tr-' || toString(number), toString(number), 'brk-1', 60000, toInt64((number %% 5) * 15000), toUInt16(2 + number %% 3),
				arrayResize(['cr-1'], number %% 4), 2, toUInt32(number %% 4), toInt64(1000 + number %% 4000), toInt64(3000 + number %% 6000)
			FROM numbers(%[3]d)`, database, at(40_000), 40_000),
		fmt.Sprintf(`INSERT INTO %[1]s.ads (time, id, type, service, session_id, creative, campaign, position, vast_error, source, price_micros)
			SELECT %[2]s, toString(number), ['impression', 'start', 'first_quartile', 'midpoint', 'third_quartile', 'complete', 'impression', 'start', 'complete', 'error'][number %% 10 + 1],
				'ssai', toString(intDiv(number, 10)), 'cr-' || toString(number %% 5), 'cmp-' || toString(number %% 7), toUInt16(1 + number %% 3), if(number %% 10 = 9, 405, 0), 'server',
				toInt64(2000000 + (number * 7919) %% 20000000)
			FROM numbers(%[3]d)`, database, at(200_000), 200_000),
		fmt.Sprintf(`INSERT INTO %[1]s.playback (time, id, type, service, session_id, content_id, device, startup_ms, watch_ms, rebuffers, rebuffer_ms, bitrate_kbps)
			SELECT %[2]s, toString(number), 'qoe', 'player', toString(intDiv(number, 5)), 'vod-' || toString(number %% 50), ['web', 'ios', 'android', 'ctv'][number %% 4 + 1],
				if(number %% 5 = 0, toInt64(300 + (number * 13) %% 2000), 0), 10000, toUInt32(number %% 7 = 0), if(number %% 7 = 0, toInt64(500), 0), 3000
			FROM numbers(%[3]d)`, database, at(100_000), 100_000),
		fmt.Sprintf(`INSERT INTO %[1]s.recs (time, id, type, service, list_id, user_id, model, items)
			SELECT %[2]s, toString(number), 'served', 'recs', toString(number), 'viewer-' || toString(number %% 1000), ['two-tower', 'popular'][number %% 2 + 1],
				arrayMap(i -> 'title-' || toString((number + i) %% 500), range(10))
			FROM numbers(%[3]d)`, database, at(50_000), 50_000),
		fmt.Sprintf(`INSERT INTO %[1]s.recs (time, id, type, service, list_id, user_id, model, item, position)
			SELECT %[2]s, toString(number), ['click', 'play'][number %% 2 + 1], 'player', toString(number), 'viewer-' || toString(number %% 1000), ['two-tower', 'popular'][number %% 2 + 1],
				'title-1', toUInt16(1 + (number * number) %% 10)
			FROM numbers(%[3]d)`, database, at(20_000), 20_000),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, s := range stmts {
		if err := conn.Exec(ctx, s); err != nil {
			tb.Fatalf("%v\n%s", err, s)
		}
	}
	// Merge the parts, as a running system's background merges would have.
	for _, t := range []string{"bids_1m", "bids_1h", "wins_1m", "wins_1h", "ad_tracking_1m", "ad_decisions_1m", "playback_1m", "recs_1m"} {
		if err := conn.Exec(ctx, "OPTIMIZE TABLE "+database+"."+t+" FINAL"); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkChartAPI measures GET /api/charts/{name} end to end (HTTP, the query on the
// rollups, gap filling, JSON) over a week of traffic, for the ranges the page offers:
//
//	go test ./analytics/dashboard -run '^$' -bench ChartAPI -benchtime 20x
func BenchmarkChartAPI(b *testing.B) {
	conn, _, database := testDB(b)
	end := time.Now().UTC().Truncate(time.Hour)
	seedBulk(b, conn, database, end)
	base := startDashboard(b, Options{Conn: conn, Database: database, Now: func() time.Time { return end }})
	ranges := []struct{ name, query string }{
		{"1h", "from=now-1h&to=now"},             // step 1m, minute rollups
		{"24h", "from=now-24h&to=now"},           // step 15m, minute rollups
		{"7d", "from=now-7d&to=now"},             // step 2h, hour rollups
		{"7d-1m", "from=now-7d&to=now&step=30m"}, // minute rollups over a week
	}
	client := &http.Client{Timeout: 30 * time.Second}
	for i := range Charts {
		for _, r := range ranges {
			url := base + "/api/charts/" + Charts[i].Name + "?" + r.query
			b.Run(Charts[i].Name+"/"+r.name, func(b *testing.B) {
				var took []time.Duration
				for b.Loop() {
					start := time.Now()
					resp, err := client.Get(url)
					if err != nil {
						b.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("%s: %d %s", url, resp.StatusCode, body)
					}
					took = append(took, time.Since(start))
				}
				// The median resists the noise of a shared machine better than the mean.
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			})
		}
	}
}
