package schema

import (
	"strings"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/migrate"
)

// Migration 4: the fields events gained without a version change (see analytics/events):
// the header's received time, the ad price and viewer on tracking events, SSAI session starts
// in the playback table.
//
// ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS (current releases do), so the columns of
// each table are added by one ALTER, which 18.16 applies whole or not at all; on servers with
// IF NOT EXISTS every ADD carries it, and the migration is idempotent statement by statement
// as the others are. On 18.16 only, a run interrupted between two tables' ALTERs fails on the
// next run with "column … already exists"; dropping that table's new columns (listed in
// docs/events.md) and migrating again completes it. The other statements are idempotent on
// every server.
//
// New columns have a DEFAULT, so rows stored before the migration read sensibly: received
// falls back to the event time (what it means for events a server emitted), everything else
// to zero or empty.

// addsIfNotExists reports whether the server has ALTER … ADD COLUMN IF NOT EXISTS (every
// release since 2020 does; 18.16 does not).
func addsIfNotExists(v migrate.ServerVersion) bool { return v.AtLeast(20, 1) }

// addColumns returns one ALTER adding columns (each "name Type DEFAULT … AFTER …") to table.
func addColumns(v migrate.ServerVersion, table string, columns ...string) string {
	add := "ADD COLUMN "
	if addsIfNotExists(v) {
		add += "IF NOT EXISTS "
	}
	return "ALTER TABLE {db}." + table + " " + add + strings.Join(columns, ", "+add)
}

// newColumns lists the columns migration 4 adds to each raw table.
func newColumns(f events.Family) []string {
	cols := []string{
		"received DateTime DEFAULT time AFTER request_id",
		"received_ms UInt16 DEFAULT time_ms AFTER received",
	}
	switch f {
	case events.FamilyAds:
		cols = append(cols,
			"viewer String DEFAULT '' AFTER source",
			"price_micros Int64 DEFAULT 0 AFTER viewer",
			"currency String DEFAULT '' AFTER price_micros")
	case events.FamilyPlayback:
		// SessionStart's own columns (session_id and content_id it shares with QoE).
		cols = append(cols,
			"source String DEFAULT '' AFTER final",
			"viewer String DEFAULT '' AFTER source",
			"mode String DEFAULT '' AFTER viewer",
			"preroll_ads UInt16 DEFAULT 0 AFTER mode",
			"decision_us Int64 DEFAULT 0 AFTER preroll_ads",
			"latency_us Int64 DEFAULT 0 AFTER decision_us")
	}
	return cols
}

// rollupFixes keeps the rollups exact now that the playback table holds session starts and
// ad beacons carry a price. 18.16 can neither alter a view's query nor push into a TO table
// a column the view does not select, so both views are replaced (dropping a view TO a table
// keeps the table's data; rows inserted into the raw table between the DROP and the CREATE,
// a few milliseconds while migrating, miss the rollup):
//
//   - the playback rollup counted every row as a QoE report; its view now reads QoE rows only;
//   - ad_tracking gains price_micros_sum, the sum of impression prices (CPM micros, so
//     revenue is price_micros_sum / 1000 micros).
func rollupFixes(v migrate.ServerVersion) []string {
	var out []string
	for _, g := range []granularity{perMinute, perHour} {
		pb := "{db}.playback" + g.suffix
		out = append(out,
			`DROP TABLE IF EXISTS `+pb+`_mv`,
			`CREATE MATERIALIZED VIEW IF NOT EXISTS `+pb+`_mv_qoe TO `+pb+` AS `+
				replaceBucket(playbackRollupSelect+"\nWHERE type = 'qoe'\nGROUP BY {g}, device, content_id", g))
		at := "{db}.ad_tracking" + g.suffix
		out = append(out,
			`DROP TABLE IF EXISTS `+at+`_mv`,
			addColumns(v, "ad_tracking"+g.suffix, "price_micros_sum Int64 DEFAULT 0"),
			`CREATE MATERIALIZED VIEW IF NOT EXISTS `+at+`_mv_price TO `+at+` AS `+replaceBucket(`
SELECT {bucket} AS {g}, campaign, creative, type, vast_error,
    count() AS events,
    sumIf(price_micros, type = 'impression') AS price_micros_sum
FROM {db}.ads
WHERE type != 'decision'
GROUP BY {g}, campaign, creative, type, vast_error`, g))
	}
	return out
}

// playbackRollupSelect is the playback rollup's SELECT of migration 2, without its GROUP BY.
const playbackRollupSelect = `
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
FROM {db}.playback`

func replaceBucket(s string, g granularity) string {
	return strings.NewReplacer("{g}", g.column, "{bucket}", g.bucket).Replace(s)
}

// eventAdditions returns migration 4's statements for the server.
func eventAdditions(v migrate.ServerVersion) []string {
	var out []string
	for _, f := range events.Families {
		out = append(out, addColumns(v, RawTable(f), newColumns(f)...))
	}
	return append(out, rollupFixes(v)...)
}
