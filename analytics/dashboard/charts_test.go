package dashboard

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// seedBase is the start of the seeded traffic: a fixed hour, so ranges and buckets are the
// same on every run.
var seedBase = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const seedMinutes = 120

// TestChartsAgainstRawSQL runs every chart on the real server (ClickHouse 18.16 here) over
// seeded traffic, at minute and hour resolution, and checks the rollup-based numbers against
// the same figures computed from the raw events.
func TestChartsAgainstRawSQL(t *testing.T) {
	conn, _, database := testDB(t)
	insertEvents(t, conn, database, traffic(1, seedBase, seedMinutes))
	q := NewQuerier(conn, database, 10*time.Second)
	ctx := context.Background()
	from, to := seedBase.Unix(), seedBase.Add(seedMinutes*time.Minute).Unix()

	for _, step := range []int64{300, 3600} {
		r := Range{From: from, To: to, Step: step}
		results := map[string]*Result{}
		for i := range Charts {
			c := &Charts[i]
			res, err := q.Run(ctx, c, r)
			if err != nil {
				t.Fatalf("step %d: chart %s: %v\n%s", step, c.Name, err, c.Render(database, r))
			}
			if len(res.Rows) == 0 {
				t.Errorf("step %d: chart %s: no rows", step, c.Name)
			}
			if c.Shape == TimeSeries && len(res.Rows) != int((to-from)/step) {
				t.Errorf("step %d: chart %s: %d rows, want one per bucket (%d)", step, c.Name, len(res.Rows), (to-from)/step)
			}
			results[c.Name] = res
		}
		wantRes := map[int64]string{300: "1m", 3600: "1h"}[step]
		if results["revenue"].Table != wantRes || results["bid-price-distribution"].Table != "raw" {
			t.Errorf("step %d: read %s and %s", step, results["revenue"].Table, results["bid-price-distribution"].Table)
		}

		// Revenue per bucket against the raw events: impressions at price / 1000 (the other
		// tracking events carry the price too, and must not count), and billing notices.
		raw := rawSeries(t, conn, fmt.Sprintf(`SELECT toUInt32(intDiv(toUInt32(time), %d) * %d) AS b, sum(price_micros) / 1e9 AS v
			FROM %s.wins WHERE type = 'billing' AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY b`, step, step, database, from, to))
		imps := rawSeries(t, conn, fmt.Sprintf(`SELECT toUInt32(intDiv(toUInt32(time), %d) * %d) AS b, sum(price_micros) / 1000 / 1e6 AS v
			FROM %s.ads WHERE type = 'impression' AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY b`, step, step, database, from, to))
		impN := rawSeries(t, conn, fmt.Sprintf(`SELECT toUInt32(intDiv(toUInt32(time), %d) * %d) AS b, count() AS v
			FROM %s.ads WHERE type = 'impression' AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY b`, step, step, database, from, to))
		for _, row := range results["revenue"].Rows {
			b := row[0].(int64)
			if got, want := num(row[1]), imps[b]; !near(got, want) || want == 0 {
				t.Errorf("step %d: ad revenue at %d: chart %v, raw %v", step, b, got, want)
			}
			if got, want := num(row[2]), raw[b]; !near(got, want) {
				t.Errorf("step %d: billed revenue at %d: chart %v, raw %v", step, b, got, want)
			}
		}
		for _, row := range results["ecpm"].Rows {
			b := row[0].(int64)
			if got, want := num(row[1]), imps[b]*1000/impN[b]; !near(got, want) {
				t.Errorf("step %d: impressions eCPM at %d: chart %v, raw %v", step, b, got, want)
			}
		}
		// Session start breakdown: each stage's quantiles against the raw rows of the same
		// traces; the slow decisions outside any session start are not in it.
		checkStage := func(col int, name, value, rest string) {
			t.Helper()
			for _, p := range []int{0, 1} {
				want := rawSeries(t, conn, fmt.Sprintf(`SELECT toUInt32(intDiv(toUInt32(time), %d) * %d) AS b, quantiles(0.5, 0.99)(%s)[%d] / 1000 AS v
					FROM %s AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY b`, step, step, value, p+1, rest, from, to))
				for _, row := range results["session-start-breakdown"].Rows {
					b := row[0].(int64)
					if got := num(row[col+p]); !near(got, want[b]) || got == 0 {
						t.Errorf("step %d: %s p%d at %d: chart %v, raw %v", step, name, []int{50, 99}[p], b, got, want[b])
					}
				}
			}
		}
		traces := fmt.Sprintf(`request_id IN (SELECT request_id FROM %s.playback WHERE type = 'session_start')`, database)
		checkStage(1, "ssai", "latency_us", fmt.Sprintf(`%s.playback WHERE type = 'session_start'`, database))
		checkStage(3, "decision wait", "decision_us", fmt.Sprintf(`%s.playback WHERE type = 'session_start' AND decision_us > 0`, database))
		checkStage(5, "adserver", "latency_us", fmt.Sprintf(`%s.ads WHERE type = 'decision' AND %s`, database, traces))
		checkStage(7, "auction", "auction_latency_us", fmt.Sprintf(`%s.ads WHERE type = 'decision' AND %s`, database, traces))
		checkStage(9, "bidder", "latency_us", fmt.Sprintf(`%s.bids WHERE %s`, database, traces))
		checkStage(11, "startup", "startup_ms * 1000", fmt.Sprintf(`%s.playback WHERE type = 'qoe' AND startup_ms > 0`, database))
		for _, row := range results["session-start-breakdown"].Rows {
			if p99 := num(row[6]); p99 >= 400 {
				t.Errorf("step %d: adserver p99 %v ms includes decisions outside the session starts' traces", step, p99)
			}
		}
		// Win rate per bucket.
		wins := rawSeries(t, conn, fmt.Sprintf(`SELECT toUInt32(intDiv(toUInt32(time), %d) * %d) AS b, count() AS v
			FROM %s.wins WHERE type = 'win' AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY b`, step, step, database, from, to))
		bids := rawSeries(t, conn, fmt.Sprintf(`SELECT toUInt32(intDiv(toUInt32(time), %d) * %d) AS b, sum(length(bid.price_micros)) AS v
			FROM %s.bids WHERE time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY b`, step, step, database, from, to))
		for _, row := range results["win-rate"].Rows {
			b := row[0].(int64)
			if got, want := num(row[1]), wins[b]/bids[b]; !near(got, want) {
				t.Errorf("step %d: win rate at %d: chart %v, raw %v", step, b, got, want)
			}
		}
		// Funnel totals.
		stages := rawSeriesS(t, conn, fmt.Sprintf(`SELECT type, count() FROM %s.ads WHERE type != 'decision' AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY type`, database, from, to))
		for i, row := range results["quartile-funnel"].Rows {
			if row[0] != funnelStages[i] || num(row[1]) != stages[funnelStages[i]] {
				t.Errorf("step %d: funnel row %d = %v, raw %s = %v", step, i, row, funnelStages[i], stages[funnelStages[i]])
			}
		}
		if f := results["quartile-funnel"].Rows; num(f[0][1]) <= num(f[5][1]) || num(f[5][1]) == 0 {
			t.Errorf("step %d: the funnel should thin out: %v", step, f)
		}
		// Recs CTR at position 1 of each model.
		for _, row := range results["recs-ctr"].Rows {
			if row[0] != uint64(1) {
				continue
			}
			model := row[1].(string)
			shown := rawScalar(t, conn, fmt.Sprintf(`SELECT count() FROM %s.recs WHERE type = 'served' AND model = '%s' AND time >= toDateTime(%d) AND time < toDateTime(%d)`, database, model, from, to))
			clicks := rawScalar(t, conn, fmt.Sprintf(`SELECT count() FROM %s.recs WHERE type = 'click' AND model = '%s' AND position = 1 AND time >= toDateTime(%d) AND time < toDateTime(%d)`, database, model, from, to))
			if !near(num(row[4]), clicks/shown) {
				t.Errorf("step %d: %s CTR at position 1: chart %v, raw %v/%v", step, model, row[4], clicks, shown)
			}
		}
		// Bid latency quantiles: approximate, so within the range of the raw values.
		for _, row := range results["bid-latency"].Rows {
			if p50, p99 := num(row[1]), num(row[3]); !(p50 > 0.1 && p50 <= p99 && p99 < 20) {
				t.Errorf("step %d: bid latency %v", step, row)
			}
		}
		// Rebuffering ratio overall.
		ratio := rawScalar(t, conn, fmt.Sprintf(`SELECT sum(rebuffer_ms) / (sum(watch_ms) + sum(rebuffer_ms)) FROM %s.playback WHERE time >= toDateTime(%d) AND time < toDateTime(%d)`, database, from, to))
		if ratio <= 0 || ratio > 0.2 {
			t.Errorf("seeded rebuffering ratio %v", ratio)
		}
	}

	// A range with no data: time series of nulls (rates) and zeros (sums), never an error.
	empty := Range{From: seedBase.Add(-48 * time.Hour).Unix(), To: seedBase.Add(-47 * time.Hour).Unix(), Step: 600}
	for _, name := range []string{"win-rate", "revenue", "quartile-funnel", "recs-ctr"} {
		c, _ := ByName(name)
		res, err := q.Run(ctx, c, empty)
		if err != nil {
			t.Fatalf("%s over an empty range: %v", name, err)
		}
		switch name {
		case "win-rate":
			if len(res.Rows) != 6 || res.Rows[0][1] != nil {
				t.Errorf("empty win rate: %v", res.Rows)
			}
		case "revenue":
			if res.Rows[0][1] != 0 {
				t.Errorf("empty revenue: %v", res.Rows)
			}
		case "quartile-funnel":
			if len(res.Rows) != 6 || res.Filled != 6 {
				t.Errorf("empty funnel: %v", res.Rows)
			}
		case "recs-ctr":
			if len(res.Rows) != 0 {
				t.Errorf("empty CTR: %v", res.Rows)
			}
		}
	}

	// Queries are read-only on the server, whatever the SQL says.
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := conn.Exec(q.withSettings(wctx), "CREATE TABLE "+database+".nope (x UInt8) ENGINE = Memory"); err == nil {
		t.Error("a statement under the dashboard's settings could write")
	} else {
		t.Logf("a write under the dashboard's settings: %v", err)
	}
}

func rawSeries(t *testing.T, conn driver.Conn, sql string) map[int64]float64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	defer rows.Close()
	out := map[int64]float64{}
	for rows.Next() {
		var b uint32
		var f float64
		if err := scanNumber(rows, &b, &f); err != nil {
			t.Fatal(err)
		}
		out[int64(b)] = f
	}
	return out
}

func rawSeriesS(t *testing.T, conn driver.Conn, sql string) map[string]float64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var n uint64
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out[k] = float64(n)
	}
	return out
}

func rawScalar(t *testing.T, conn driver.Conn, sql string) float64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("no row: %s", sql)
	}
	var f float64
	if err := scanNumber(rows, nil, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// scanNumber scans an optional UInt32 key and a numeric value of any type as float64.
func scanNumber(rows driver.Rows, key *uint32, f *float64) error {
	cts := rows.ColumnTypes()
	var v float64
	var u uint64
	var dest []any
	if key != nil {
		dest = append(dest, key)
	}
	valType := cts[len(cts)-1].DatabaseTypeName()
	if valType == "Float64" {
		dest = append(dest, &v)
	} else {
		dest = append(dest, &u)
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	if valType == "Float64" {
		*f = v
	} else {
		*f = float64(u)
	}
	return nil
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case nil:
		return math.NaN()
	}
	panic(fmt.Sprintf("not a number: %T %v", v, v))
}

func near(a, b float64) bool {
	if math.IsNaN(a) && math.IsNaN(b) {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}
