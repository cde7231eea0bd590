package dashboard

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestChartDefinitions(t *testing.T) {
	seen := map[string]bool{}
	for i := range Charts {
		c := &Charts[i]
		if err := c.check(); err != nil {
			t.Error(err)
		}
		if seen[c.Name] {
			t.Errorf("chart %s defined twice", c.Name)
		}
		seen[c.Name] = true
		if c.Title == "" || c.Description == "" {
			t.Errorf("chart %s: needs a title and a description", c.Name)
		}
		cols := map[string]bool{}
		for _, col := range c.Columns {
			if cols[col.Name] {
				t.Errorf("chart %s: column %s twice", c.Name, col.Name)
			}
			cols[col.Name] = true
			if col.Label == "" || col.Unit == "" {
				t.Errorf("chart %s: column %s needs a label and a unit", c.Name, col.Name)
			}
		}
	}
	// The list of charts, each present.
	for _, name := range []string{"fill-rate", "win-rate", "ecpm", "revenue", "bid-price-distribution", "bid-latency", "vcr",
		"quartile-funnel", "rebuffering", "video-start-time", "recs-ctr"} {
		if !seen[name] {
			t.Errorf("chart %s missing", name)
		}
	}
}

// TestAliasesNeverShadowColumns guards the ClickHouse 18.16 rule: an aggregate aliased with
// the name of a column resolves to the wrong thing. No alias may be a column of the tables
// a chart reads.
func TestAliasesNeverShadowColumns(t *testing.T) {
	tableCols := map[string][]string{ // the columns the charts' SQL can see (analytics/schema)
		"bids_":         {"minute", "hour", "exchange", "publisher", "answered", "nbr", "reason", "requests", "imps_sum", "bids_sum", "price_micros_sum", "latency_us_q"},
		"wins_":         {"minute", "hour", "exchange", "campaign", "type", "notices", "price_micros_sum", "bid_micros_sum"},
		"ad_tracking_":  {"minute", "hour", "campaign", "creative", "type", "vast_error", "events"},
		"ad_decisions_": {"minute", "hour", "pod_size", "decisions", "requested_ms_sum", "filled_ms_sum", "ads_sum", "bidders_sum", "bids_sum", "auction_latency_us_q", "latency_us_q"},
		"playback_":     {"minute", "hour", "device", "content_id", "reports", "starts", "ends", "startup_ms_sum", "startup_ms_q", "watch_ms_sum", "rebuffers_sum", "rebuffer_ms_sum", "bitrate_switches_sum", "errors_sum"},
		"recs_":         {"minute", "hour", "model", "experiment", "arm", "position", "impressions", "clicks", "plays"},
		"bids":          {"time", "bid", "imps", "latency_us", "exchange", "publisher", "nbr", "reason", "floor_micros"},
	}
	for i := range Charts {
		c := &Charts[i]
		for _, alias := range aliases(c.SQL) {
			for _, tb := range c.Tables {
				for _, col := range tableCols[tb] {
					if alias == col && !passThrough(c.SQL, alias) {
						t.Errorf("chart %s: alias %s is also a column of %s", c.Name, alias, tb)
					}
				}
			}
		}
	}
}

// aliases returns the names after " AS " in sql.
func aliases(sql string) []string {
	var out []string
	for _, part := range strings.Split(sql, " AS ")[1:] {
		end := strings.IndexAny(part, ",\n )")
		if end < 0 {
			end = len(part)
		}
		out = append(out, part[:end])
	}
	return out
}

// passThrough reports an alias that renames nothing aggregated (none today).
func passThrough(string, string) bool { return false }

func TestParseRange(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 34, 56, 0, time.UTC)
	get := func(q string) func(string) string {
		v, _ := url.ParseQuery(q)
		return v.Get
	}
	ok := []struct {
		q    string
		want Range
	}{
		{"", Range{now.Unix() - 3600, now.Unix(), 60}},
		{"from=now-15m&to=now", Range{now.Unix() - 900, now.Unix(), 60}},
		{"from=now-24h", Range{now.Unix() - 86400, now.Unix(), 900}},
		{"from=now-7d", Range{now.Unix() - 7*86400, now.Unix(), 7200}},
		{"from=now-1h&step=5m", Range{now.Unix() - 3600, now.Unix(), 300}},
		{"from=2026-03-02T10:00:00Z&to=2026-03-02T12:00:00Z&step=3600", Range{1772445600, 1772452800, 3600}},
		{"from=1772445600&to=1772452800&step=120", Range{1772445600, 1772452800, 120}},
	}
	for _, c := range ok {
		got, err := ParseRange(get(c.q), now)
		if err != nil || got != c.want {
			t.Errorf("%q: got %+v, %v; want %+v", c.q, got, err, c.want)
		}
	}
	bad := []struct{ q, param, reason string }{
		{"from=yesterday", "from", "want unix seconds"},
		{"to=now-x", "to", "want now-<duration>"},
		{"from=now&to=now-1h", "from", "must be before to"},
		{"from=now-1000d", "from", "at most 731 days"},
		{"step=90", "step", "multiple of 60"},
		{"step=0", "step", "multiple of 60"},
		{"step=-60", "step", "multiple of 60"},
		{"step=1.5m", "step", "multiple of 60"},
		{"step=soon", "step", "want seconds"},
		{"from=now-7d&step=60", "step", "at most 2000"},
		{"to=now-0s", "to", "now-<duration>"},
		{"from=12", "from", "between 2000 and 2100"},
		{"to=4102444800", "to", "more than a day ahead"},
	}
	for _, c := range bad {
		_, err := ParseRange(get(c.q), now)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != c.param || !strings.Contains(pe.Reason, c.reason) {
			t.Errorf("%q: got %v; want a %s error saying %q", c.q, err, c.param, c.reason)
		}
	}
}

func TestRender(t *testing.T) {
	c, _ := ByName("revenue")
	r := Range{From: 1772445630, To: 1772452800, Step: 300}
	sql := c.Render("cuepoint", r)
	for _, want := range []string{"FROM cuepoint.wins_1m", "minute >= toDateTime(1772445600)", "minute < toDateTime(1772452800)", "intDiv(toUInt32(minute), 300) * 300"} {
		if !strings.Contains(sql, want) {
			t.Errorf("minute SQL lacks %q:\n%s", want, sql)
		}
	}
	r.Step = 7200
	sql = c.Render("db2", r)
	for _, want := range []string{"FROM db2.wins_1h", "hour >= toDateTime(1772445600)", "intDiv(toUInt32(hour), 7200) * 7200"} {
		if !strings.Contains(sql, want) {
			t.Errorf("hour SQL lacks %q:\n%s", want, sql)
		}
	}
	raw, _ := ByName("bid-price-distribution")
	if sql := raw.Render("cuepoint", Range{From: 1772445630, To: 1772452800, Step: 300}); !strings.Contains(sql, "time >= toDateTime(1772445630)") {
		t.Errorf("a raw chart keeps the exact start:\n%s", sql)
	}
	if strings.Contains(sql, "{") {
		t.Errorf("placeholder left:\n%s", sql)
	}
}

func TestFill(t *testing.T) {
	c, _ := ByName("revenue")
	r := Range{From: 1000050, To: 1000050 + 300, Step: 60} // aligned start 1000020
	rows, filled := fillBuckets(c, r, [][]any{{int64(1000080), 1.5, 2.5}})
	if len(rows) != 6 || filled != 5 {
		t.Fatalf("got %d rows (%d filled): %v", len(rows), filled, rows)
	}
	if rows[0][0] != int64(1000020) || rows[1][1] != 1.5 || rows[0][1] != 0 {
		t.Errorf("rows %v", rows)
	}
	nullFill, _ := ByName("win-rate")
	rows, _ = fillBuckets(nullFill, r, nil)
	if rows[0][1] != nil {
		t.Errorf("a ratio without data is null, got %v", rows[0][1])
	}
	f, _ := ByName("quartile-funnel")
	rows, filled = fillCategories(f, [][]any{{"complete", uint64(3)}, {"impression", uint64(9)}})
	if filled != 4 || rows[0][0] != "impression" || rows[5][0] != "complete" || rows[1][1] != 0 {
		t.Errorf("funnel rows %v (%d filled)", rows, filled)
	}
	if finite(math.NaN()) != nil || finite(math.Inf(1)) != nil || finite(0.5) != 0.5 {
		t.Error("finite")
	}
}
