package dashboard

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Limits of a query's range.
const (
	MinStep    = 60              // seconds: the minute rollups' resolution
	MaxRange   = 731 * 24 * 3600 // seconds: the hour rollups' default retention
	MaxPoints  = 2000            // buckets of one time series
	MaxFuture  = 24 * 3600       // seconds a range may reach past now
	maxRows    = 100_000         // rows one query may return
	autoPts    = 120             // buckets an automatic step aims for
	hourStep   = 3600            // steps that are multiples of this read the hour rollups
	epochFar   = 4102444800      // 2100-01-01: later times are refused
	minTime    = 946684800       // 2000-01-01: earlier times are refused
	hourRes    = "1h"            // suffix of the hour rollups
	minuteRes  = "1m"            // suffix of the minute rollups
	timeLayout = time.RFC3339    // accepted besides unix seconds and now-…
)

// niceSteps are the automatic steps, in seconds.
var niceSteps = []int64{60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 7 * 86400}

// Range is the time range and bucket width of a query, in unix seconds.
type Range struct {
	From int64 `json:"from"` // inclusive
	To   int64 `json:"to"`   // exclusive
	Step int64 `json:"step"` // bucket width, a multiple of 60
}

// ParamError is a bad query parameter; the API answers 400 with it.
type ParamError struct {
	Param  string
	Reason string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Reason }

// ParseRange reads a range from the from, to and step parameters (get returns "" for an
// absent one). from and to are unix seconds, RFC 3339 times, "now" or "now-<duration>"
// ("now-15m", "now-7d"); step is seconds or a duration ("5m"), a multiple of 60, or empty for
// one giving about 120 buckets. Defaults: the last hour up to now.
func ParseRange(get func(string) string, now time.Time) (Range, error) {
	var r Range
	var err error
	if r.To, err = parseTime("to", get("to"), now, now.Unix()); err != nil {
		return r, err
	}
	if r.From, err = parseTime("from", get("from"), now, r.To-3600); err != nil {
		return r, err
	}
	if r.From >= r.To {
		return r, &ParamError{"from", fmt.Sprintf("must be before to (from %s, to %s)", fmtUnix(r.From), fmtUnix(r.To))}
	}
	if r.To-r.From > MaxRange {
		return r, &ParamError{"from", fmt.Sprintf("the range is %s; at most %d days", time.Duration(r.To-r.From)*time.Second, MaxRange/86400)}
	}
	if r.To > now.Unix()+MaxFuture {
		return r, &ParamError{"to", fmt.Sprintf("%s is more than a day ahead of now", fmtUnix(r.To))}
	}
	if r.Step, err = parseStep(get("step"), r.To-r.From); err != nil {
		return r, err
	}
	if n := (r.To - r.Aligned() + r.Step - 1) / r.Step; n > MaxPoints {
		return r, &ParamError{"step", fmt.Sprintf("%ds gives %d buckets over the range; at most %d (use a larger step)", r.Step, n, MaxPoints)}
	}
	return r, nil
}

func parseTime(param, s string, now time.Time, def int64) (int64, error) {
	s = strings.TrimSpace(s)
	var v int64
	switch {
	case s == "":
		return def, nil
	case s == "now":
		v = now.Unix()
	case strings.HasPrefix(s, "now-"):
		d, err := parseDuration(s[len("now-"):])
		if err != nil || d <= 0 {
			return 0, &ParamError{param, fmt.Sprintf("%q: want now-<duration> such as now-15m, now-24h, now-7d", s)}
		}
		v = now.Add(-d).Unix()
	default:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			v = n
		} else if t, err := time.Parse(timeLayout, s); err == nil {
			v = t.Unix()
		} else {
			return 0, &ParamError{param, fmt.Sprintf("%q: want unix seconds, an RFC 3339 time (2026-03-02T10:00:00Z), now or now-<duration>", s)}
		}
	}
	if v < minTime || v > epochFar {
		return 0, &ParamError{param, fmt.Sprintf("%d is not a time between 2000 and 2100 in unix seconds", v)}
	}
	return v, nil
}

// parseDuration is time.ParseDuration plus a "d" (day) unit.
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || days > 10_000 {
			return 0, fmt.Errorf("bad days %q", n)
		}
		return time.Duration(days * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}

func parseStep(s string, span int64) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "auto" {
		for _, st := range niceSteps {
			if span/st <= autoPts {
				return st, nil
			}
		}
		return niceSteps[len(niceSteps)-1], nil
	}
	var step int64
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		step = n
	} else if d, err := parseDuration(s); err == nil && d%time.Second == 0 {
		step = int64(d / time.Second)
	} else {
		return 0, &ParamError{"step", fmt.Sprintf("%q: want seconds (300) or a duration (5m)", s)}
	}
	if step < MinStep || step%MinStep != 0 {
		return 0, &ParamError{"step", fmt.Sprintf("%ds: want a positive multiple of %ds (the minute rollups' resolution)", step, MinStep)}
	}
	if step > MaxRange {
		return 0, &ParamError{"step", fmt.Sprintf("%ds is longer than the longest range", step)}
	}
	return step, nil
}

// Aligned is From rounded down to a multiple of Step: the first bucket's start.
func (r Range) Aligned() int64 { return r.From - r.From%r.Step }

// Resolution is the rollup the range reads: the hour rollups when the step is whole hours,
// the minute rollups otherwise. It returns the table suffix and the bucket column.
func (r Range) Resolution() (res, tcol string) {
	if r.Step%hourStep == 0 {
		return hourRes, "hour"
	}
	return minuteRes, "minute"
}

func fmtUnix(s int64) string { return time.Unix(s, 0).UTC().Format(time.RFC3339) }

// Render returns the chart's SQL for database and r, as it is sent to ClickHouse. Every
// value is a number the server validated, written into the text (ClickHouse 18.16 has no
// query parameters), so the text shown is exactly the query that ran.
func (c *Chart) Render(database string, r Range) string {
	res, tcol := r.Resolution()
	from := r.From
	if c.Rollup || c.Shape == TimeSeries {
		from = r.Aligned()
	}
	return strings.NewReplacer(
		"{db}", database,
		"{res}", res,
		"{tcol}", tcol,
		"{from}", "toDateTime("+strconv.FormatInt(from, 10)+")",
		"{to}", "toDateTime("+strconv.FormatInt(r.To, 10)+")",
		"{step}", strconv.FormatInt(r.Step, 10),
	).Replace(c.SQL)
}

// Result is one chart's data for one range: what GET /api/charts/{name} returns.
type Result struct {
	Chart   string   `json:"chart"`
	Title   string   `json:"title"`
	Shape   Shape    `json:"shape"`
	Range   Range    `json:"range"`
	Table   string   `json:"table"` // the rollup resolution read (1m, 1h), or raw
	SQL     string   `json:"sql"`
	Columns []Column `json:"columns"`
	// Rows are the query's rows, values in column order: numbers, strings, null (no data,
	// or a ratio of nothing to nothing); a time series' t is unix seconds. Time series have
	// one row per bucket of the range, Bars one per category when the chart lists them: the
	// server adds the rows the query had none for (see Column.Fill).
	Rows      [][]any `json:"rows"`
	Filled    int     `json:"filled"` // rows added by the server
	ElapsedMS float64 `json:"elapsed_ms"`
}

// Querier runs the charts' queries on ClickHouse: read-only, bounded in time and size.
type Querier struct {
	conn     driver.Conn
	database string
	timeout  time.Duration
}

// NewQuerier returns a Querier reading database over conn; every query gets timeout, on the
// client (context) and on the server (max_execution_time).
func NewQuerier(conn driver.Conn, database string, timeout time.Duration) *Querier {
	return &Querier{conn: conn, database: database, timeout: timeout}
}

// Settings are the ClickHouse settings every dashboard query runs with: readonly=1 makes the
// server refuse anything but reads (whatever the SQL says), max_execution_time stops a query
// the client no longer waits for, max_result_rows bounds the answer.
func (q *Querier) Settings() clickhouse.Settings {
	return clickhouse.Settings{
		"readonly":           1,
		"max_execution_time": int(math.Ceil(q.timeout.Seconds())),
		"max_result_rows":    maxRows,
	}
}

// withSettings attaches Settings to the queries run with ctx.
func (q *Querier) withSettings(ctx context.Context) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithSettings(q.Settings()))
}

// Run computes chart c over r.
func (q *Querier) Run(ctx context.Context, c *Chart, r Range) (*Result, error) {
	start := time.Now()
	res := &Result{Chart: c.Name, Title: c.Title, Shape: c.Shape, Range: r, SQL: c.Render(q.database, r), Columns: c.Columns, Rows: [][]any{}}
	res.Table, _ = r.Resolution()
	if !c.Rollup {
		res.Table = "raw"
	}
	ctx, cancel := context.WithTimeout(ctx, q.timeout)
	defer cancel()
	ctx = q.withSettings(ctx)
	rows, err := q.conn.Query(ctx, res.SQL)
	if err != nil {
		return nil, queryError(ctx, err)
	}
	defer rows.Close()
	names := rows.Columns()
	if len(names) != len(c.Columns) {
		return nil, fmt.Errorf("chart %s: the query returned %d columns %v, the chart declares %d", c.Name, len(names), names, len(c.Columns))
	}
	for i, n := range names {
		if n != c.Columns[i].Name {
			return nil, fmt.Errorf("chart %s: column %d is %q, the chart declares %q", c.Name, i, n, c.Columns[i].Name)
		}
	}
	types := rows.ColumnTypes()
	dest := make([]any, len(types))
	for i, ct := range types {
		dest[i] = reflect.New(ct.ScanType()).Interface()
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("chart %s: scan: %w", c.Name, err)
		}
		row := make([]any, len(dest))
		for i, d := range dest {
			row[i] = jsonValue(reflect.ValueOf(d).Elem())
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(ctx, err)
	}
	switch {
	case c.Shape == TimeSeries:
		res.Rows, res.Filled = fillBuckets(c, r, res.Rows)
	case c.Shape == Bars && len(c.Categories) > 0:
		res.Rows, res.Filled = fillCategories(c, res.Rows)
	}
	res.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

func queryError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("query timed out: %w", err)
	}
	return err
}

// jsonValue turns a scanned value into one encoding/json writes: times as unix seconds, NaN
// and infinities (a ratio of zeros) as null, pointers (Nullable) followed.
func jsonValue(v reflect.Value) any {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.Unix()
	case float64:
		return finite(x)
	case float32:
		return finite(float64(x))
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.String:
		return v.String()
	case reflect.Slice:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonValue(v.Index(i))
		}
		return out
	}
	return fmt.Sprint(v.Interface())
}

func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// fillBuckets returns one row per bucket of r, in order: the query's rows where it had one,
// otherwise a row of each column's Fill.
func fillBuckets(c *Chart, r Range, rows [][]any) ([][]any, int) {
	byT := make(map[int64][]any, len(rows))
	for _, row := range rows {
		if t, ok := row[0].(int64); ok {
			byT[t] = row
		}
	}
	first := r.Aligned()
	out := make([][]any, 0, (r.To-first)/r.Step+1)
	filled := 0
	for t := first; t < r.To; t += r.Step {
		if row, ok := byT[t]; ok {
			out = append(out, row)
			delete(byT, t)
			continue
		}
		out = append(out, emptyRow(c, t))
		filled++
	}
	if len(byT) > 0 { // rows outside the buckets would be a bug in a chart's SQL: keep them visible
		for _, row := range rows {
			if t, ok := row[0].(int64); ok && byT[t] != nil {
				out = append(out, row)
			}
		}
	}
	return out, filled
}

func emptyRow(c *Chart, key any) []any {
	row := make([]any, len(c.Columns))
	row[0] = key
	for i := 1; i < len(row); i++ {
		if c.Columns[i].Fill == FillZero {
			row[i] = 0
		}
	}
	return row
}

// fillCategories returns the rows in the chart's category order, adding a zero row for each
// category the query had none for; rows of other categories follow.
func fillCategories(c *Chart, rows [][]any) ([][]any, int) {
	byCat := make(map[string][]any, len(rows))
	for _, row := range rows {
		byCat[fmt.Sprint(row[0])] = row
	}
	out := make([][]any, 0, len(c.Categories))
	filled := 0
	for _, cat := range c.Categories {
		if row, ok := byCat[cat]; ok {
			out = append(out, row)
			delete(byCat, cat)
			continue
		}
		row := make([]any, len(c.Columns))
		row[0] = cat
		for i := 1; i < len(row); i++ {
			row[i] = 0
		}
		out = append(out, row)
		filled++
	}
	for _, row := range rows {
		if byCat[fmt.Sprint(row[0])] != nil {
			out = append(out, row)
		}
	}
	return out, filled
}
