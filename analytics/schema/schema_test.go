package schema

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/migrate"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// newDatabase returns a connection and the name of an empty database of the test's own on
// the test ClickHouse, with the schema applied.
func newDatabase(t *testing.T) (driver.Conn, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := db.OpenClickHouse(ctx, stacktest.ClickHouse(t), db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_")) + "_" + events.NewID()[20:]
	apply(t, ctx, conn, name)
	return conn, name
}

// apply migrates database with migrate.ClickHouse, as `cuepoint migrate` does.
func apply(t *testing.T, ctx context.Context, conn driver.Conn, database string) {
	t.Helper()
	applied, err := migrate.ClickHouse(ctx, conn, database, ClickHouse(database))
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(ClickHouse(database)) {
		t.Fatalf("applied %v to a new database", applied)
	}
}

// applyStatements runs every statement of the schema again, bypassing the version record:
// a migration interrupted half-way is completed by running all its statements again. On a
// server without ADD COLUMN IF NOT EXISTS (18.16), the ALTERs adding columns are the one
// documented exception and are left out.
func applyStatements(t *testing.T, ctx context.Context, conn driver.Conn, database string) {
	t.Helper()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+database); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	sv, err := migrate.ParseServerVersion(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ClickHouse(database) {
		for i, stmt := range m.Statements(sv) {
			if !addsIfNotExists(sv) && strings.HasPrefix(stmt, "ALTER TABLE ") {
				continue
			}
			if err := conn.Exec(ctx, stmt); err != nil {
				t.Fatalf("migration %d (%s) statement %d: %v\n%s", m.Version, m.Name, i+1, err, stmt)
			}
		}
	}
}

// The schema applies to the real server, twice (every statement is idempotent), and creates
// every table of Tables.
func TestAppliesAndIsIdempotent(t *testing.T) {
	conn, database := newDatabase(t)
	ctx := context.Background()
	applyStatements(t, ctx, conn, database)
	if applied, err := migrate.ClickHouse(ctx, conn, database, ClickHouse(database)); err != nil || len(applied) != 0 {
		t.Fatalf("migrating again applied %v, %v", applied, err)
	}
	have := map[string]bool{}
	rows, err := conn.Query(ctx, "SELECT name FROM system.tables WHERE database = ?", database)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		have[n] = true
	}
	rows.Close()
	for _, tb := range Tables {
		if !have[tb.Name] {
			t.Errorf("table %s (%s) missing", tb.Name, tb.Kind)
		}
	}
}

// Statements stay within what ClickHouse 18.16 and current ClickHouse both accept.
func TestPortableSyntax(t *testing.T) {
	forbidden := []string{"LowCardinality", "TTL", "CODEC", "DateTime64", "Map(", "JSON", "Nullable(", "SETTINGS allow_"}
	versions := map[int]bool{}
	old, current := migrate.ServerVersion{Major: 18, Minor: 16, Raw: "18.16.1"}, migrate.ServerVersion{Major: 25, Minor: 8, Raw: "25.8.1"}
	for _, m := range ClickHouse("db") {
		if versions[m.Version] {
			t.Errorf("version %d twice", m.Version)
		}
		versions[m.Version] = true
		for _, stmt := range m.Statements(old) {
			if strings.HasPrefix(stmt, "ALTER TABLE ") && !strings.Contains(stmt, "IF NOT EXISTS") {
				continue // 18.16 has no ADD COLUMN IF NOT EXISTS: one ALTER per table (see additions.go)
			}
			if strings.Contains(stmt, "IF NOT EXISTS") || strings.HasPrefix(stmt, "DROP TABLE IF EXISTS ") {
				continue
			}
			t.Errorf("migration %d has a statement that is not idempotent on 18.16:\n%s", m.Version, stmt)
		}
		for _, stmt := range m.Statements(current) {
			for _, f := range forbidden {
				if strings.Contains(stmt, f) {
					t.Errorf("migration %d uses %s:\n%s", m.Version, f, stmt)
				}
			}
			if !strings.Contains(stmt, "IF NOT EXISTS") && !strings.HasPrefix(stmt, "DROP TABLE IF EXISTS ") {
				t.Errorf("migration %d has a statement that is not idempotent:\n%s", m.Version, stmt)
			}
		}
	}
}

// No view aliases an aggregate with the name of a column of its source table: ClickHouse
// 18.16 then resolves the name to the aggregate in the wrong places.
func TestNoAggregateAliasedAsASourceColumn(t *testing.T) {
	conn, database := newDatabase(t)
	ctx := context.Background()
	aggAlias := regexp.MustCompile(`(?i)\b(?:count|sum|avg|min|max|quantiles?|uniq)\w*\([^)]*\)(?:\([^)]*\))?\s+AS\s+(\w+)`)
	from := regexp.MustCompile(`FROM \{db\}\.(\w+)`)
	checked := 0
	for _, r := range rollups {
		for _, v := range r.views {
			src := from.FindStringSubmatch(v)[1]
			cols := columns(t, ctx, conn, database, src)
			for _, m := range aggAlias.FindAllStringSubmatch(v, -1) {
				checked++
				if cols[m[1]] {
					t.Errorf("%s: aggregate aliased %q, a column of %s", r.name, m[1], src)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("found only %d aggregate aliases: the pattern no longer matches the views", checked)
	}
}

func columns(t *testing.T, ctx context.Context, conn driver.Conn, database, table string) map[string]bool {
	t.Helper()
	rows, err := conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ?", database, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[n] = true
	}
	if len(out) == 0 {
		t.Fatalf("table %s.%s has no columns", database, table)
	}
	return out
}

// Retention drops exactly the partitions whose newest row is older than the limit of their
// table's kind, in raw tables, both rollups and the ledger, and nothing else.
func TestDropExpired(t *testing.T) {
	conn, database := newDatabase(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	day := func(d int) string { return now.AddDate(0, 0, -d).Format("2006-01-02 15:04:05") }
	exec := func(q string) {
		t.Helper()
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Raw bids (and through the views, bids_1m and bids_1h) 1, 10, 40 and 100 days old.
	for _, d := range []int{1, 10, 40, 100} {
		exec(fmt.Sprintf("INSERT INTO %s.bids (time, id, type, exchange) SELECT toDateTime('%s'), 'x', 'bid_request', 'e'", database, day(d)))
		exec(fmt.Sprintf("INSERT INTO %s.sink_batches (written_at, topic) SELECT toDateTime('%s'), 't'", database, day(d)))
	}
	r := Retention{RawDays: 30, MinuteDays: 60, HourDays: 365, LedgerDays: 7}
	dropped, err := DropExpired(ctx, conn, database, r, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, d := range dropped {
		got[d.Table]++
	}
	want := map[string]int{"bids": 2, "bids_1m": 1, "sink_batches": 3}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dropped %v, want %v (partitions per table)", got, want)
	}
	count := func(table string) (n uint64) {
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.%s", database, table)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for table, n := range map[string]uint64{"bids": 2, "bids_1m": 3, "bids_1h": 4, "sink_batches": 1} {
		if got := count(table); got != n {
			t.Errorf("%s: %d rows left, want %d", table, got, n)
		}
	}
	// Running it again drops nothing more.
	if dropped, err := DropExpired(ctx, conn, database, r, now); err != nil || len(dropped) != 0 {
		t.Errorf("second run dropped %v, %v", dropped, err)
	}
}

func TestRetentionValidate(t *testing.T) {
	for _, c := range []struct {
		r  Retention
		ok bool
	}{
		{DefaultRetention, true},
		{Retention{}, true},
		{Retention{RawDays: -1}, false},
		{Retention{LedgerDays: 1}, false},
	} {
		if err := c.r.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.r, err)
		}
	}
}

// Migration 4 on a database holding rows of migration 3: old rows read received = time; new
// rows keep theirs; session starts stay out of the playback rollup; impression prices sum into
// ad_tracking's price_micros_sum and nothing else does.
func TestEventAdditions(t *testing.T) {
	ctx := context.Background()
	conn, err := db.OpenClickHouse(ctx, stacktest.ClickHouse(t), db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	database := "additions_" + events.NewID()[20:]
	all := ClickHouse(database)
	if _, err := migrate.ClickHouse(ctx, conn, database, all[:3]); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if err := conn.Exec(ctx, strings.ReplaceAll(q, "{db}", database)); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO {db}.playback (time, time_ms, id, type, startup_ms) SELECT toDateTime('2026-11-22 12:00:00'), 5, 'old', 'qoe', 700`)
	if applied, err := migrate.ClickHouse(ctx, conn, database, all); err != nil || fmt.Sprint(applied) != "[4]" {
		t.Fatalf("applied %v, %v", applied, err)
	}
	applyStatements(t, ctx, conn, database) // and idempotent
	exec(`INSERT INTO {db}.playback (time, id, type, request_id, received, received_ms, startup_ms, latency_us, decision_us, mode, source)
		SELECT toDateTime('2026-11-22 12:00:01'), 'new', 'qoe', '', toDateTime('2026-11-22 12:00:03'), 250, 900, 0, 0, '', ''
		UNION ALL SELECT toDateTime('2026-11-22 12:00:02'), 'ss', 'session_start', 'tr-1', toDateTime('2026-11-22 12:00:02'), 0, 0, 52000, 41000, 'stitched', 'demo'`)
	exec(`INSERT INTO {db}.ads (time, id, type, creative, price_micros, viewer, currency)
		SELECT toDateTime('2026-11-22 12:00:00'), 'i1', 'impression', 'cr', 12000000, 'v', 'USD'
		UNION ALL SELECT toDateTime('2026-11-22 12:00:00'), 'i2', 'impression', 'cr', 8000000, 'v', 'USD'
		UNION ALL SELECT toDateTime('2026-11-22 12:00:00'), 's1', 'start', 'cr', 12000000, 'v', 'USD'`)
	// The trace join docs/events.md shows runs on this server.
	exec(`INSERT INTO {db}.ads (time, id, type, request_id, latency_us, auction_latency_us)
		SELECT toDateTime('2026-11-22 12:00:02'), 'd1', 'decision', 'tr-1', 30000, 20000`)
	exec(`INSERT INTO {db}.bids (time, id, type, request_id, latency_us)
		SELECT toDateTime('2026-11-22 12:00:02'), 'b1', 'bid_request', 'tr-1', 9000`)
	docQuery := strings.NewReplacer("cuepoint.", database+".", "now() - 3600", "toDateTime('2026-11-22 00:00:00')").Replace(`
SELECT request_id, latency_us, decision_us, adserver_us, auction_us, bidder_us
FROM (
    SELECT request_id, latency_us, decision_us, adserver_us, auction_us
    FROM (SELECT request_id, latency_us, decision_us FROM cuepoint.playback
          WHERE type = 'session_start' AND time >= now() - 3600)
    ANY LEFT JOIN (SELECT request_id, max(latency_us) AS adserver_us, max(auction_latency_us) AS auction_us
                   FROM cuepoint.ads WHERE type = 'decision' AND time >= now() - 3600 GROUP BY request_id)
    USING request_id
)
ANY LEFT JOIN (SELECT request_id, max(latency_us) AS bidder_us FROM cuepoint.bids
               WHERE time >= now() - 3600 GROUP BY request_id)
USING request_id
ORDER BY latency_us DESC LIMIT 20`)
	var trace string
	var lat, wait, adserver, auction, bidder int64
	if err := conn.QueryRow(ctx, docQuery).Scan(&trace, &lat, &wait, &adserver, &auction, &bidder); err != nil {
		t.Fatalf("%v\n%s", err, docQuery)
	}
	if trace != "tr-1" || lat != 52000 || wait != 41000 || adserver != 30000 || auction != 20000 || bidder != 9000 {
		t.Errorf("trace join: %s %d %d %d %d %d", trace, lat, wait, adserver, auction, bidder)
	}

	var received string
	var receivedMS uint16
	if err := conn.QueryRow(ctx, "SELECT toString(received), received_ms FROM "+database+".playback WHERE id = 'old'").Scan(&received, &receivedMS); err != nil {
		t.Fatal(err)
	}
	if received != "2026-11-22 12:00:00" || receivedMS != 5 {
		t.Errorf("old row: received %s.%03d, want the event time", received, receivedMS)
	}
	for _, g := range []string{"1m", "1h"} {
		var reports, starts uint64
		if err := conn.QueryRow(ctx, "SELECT countMerge(reports), countIfMerge(starts) FROM "+database+".playback_"+g).Scan(&reports, &starts); err != nil {
			t.Fatal(err)
		}
		if reports != 2 || starts != 2 {
			t.Errorf("playback_%s: %d reports, %d starts; want 2 QoE reports (session starts excluded), 2 starts", g, reports, starts)
		}
		var n, price int64
		if err := conn.QueryRow(ctx, "SELECT toInt64(sum(events)), sum(price_micros_sum) FROM "+database+".ad_tracking_"+g).Scan(&n, &price); err != nil {
			t.Fatal(err)
		}
		if n != 3 || price != 20_000_000 {
			t.Errorf("ad_tracking_%s: %d events, price sum %d; want 3 and 20000000 (impressions only)", g, n, price)
		}
	}
}
