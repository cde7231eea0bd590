package dashboard

import (
	"fmt"
	"strings"
)

// Shape is how a chart's rows are drawn, and what its first columns mean.
type Shape string

// The shapes of charts.
const (
	// TimeSeries rows start with t, the start of a time bucket (DateTime); every other column
	// is one series. Buckets without a row are filled in by the server (see Column.Fill).
	TimeSeries Shape = "timeseries"
	// Bars rows start with a category (a string or a number); every other column is one bar
	// series. With Chart.Categories, missing categories are filled in, in that order.
	Bars Shape = "bars"
	// Pivot rows are (x, group, values…): one line per distinct value of the group column,
	// across the x values, plotting Chart.Value.
	Pivot Shape = "pivot"
)

// Unit says how a column's numbers read; the front end formats by it.
type Unit string

// The units.
const (
	Ratio Unit = "ratio" // 0..1, shown as a percentage
	MS    Unit = "ms"    // milliseconds
	USD   Unit = "usd"   // currency units (amounts are micros / 1e6 in SQL)
	CPM   Unit = "cpm"   // currency per thousand impressions
	Count Unit = "count" // a number of things
	Time  Unit = "time"  // unix seconds (the t column of a time series)
	Label Unit = "label" // a category or a series name
)

// Fill is what a time series shows for a bucket without a row.
type Fill string

// The fills.
const (
	FillNull Fill = ""     // no data: a gap in the line (rates, quantiles)
	FillZero Fill = "zero" // nothing happened: 0 (counts, sums)
)

// Column is one column of a chart's result, in the order the SQL returns them.
type Column struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Unit  Unit   `json:"unit"`
	Fill  Fill   `json:"fill,omitempty"`
}

// Chart is one chart of the dashboard: what it shows, the SQL that computes it, and the shape
// of the result. The SQL is a template; Render fills in the placeholders:
//
//	{db}     the analytics database
//	{res}    the rollup resolution, 1m or 1h (from the step); {tcol} its bucket column,
//	         minute or hour
//	{from}   the start of the range, inclusive, a DateTime expression (aligned down to the
//	         step for rollup charts); {to} the end, exclusive
//	{step}   the bucket width in seconds, a multiple of 60 (of 3600 on the hour rollups)
//
// Charts read the rollup tables (analytics/schema) where one holds what they need, and the
// raw tables otherwise (Rollup false): a time series of raw tables buckets their time column
// with rawBucket, and its {from} is aligned to the step as a rollup chart's is. Every statement runs on ClickHouse 18.16 and current
// releases: buckets are intDiv arithmetic (18.16 has no toStartOfInterval and no WITH FILL, so
// the server fills empty buckets), ratios are computed from sums, and no aggregate is aliased
// with the name of a column it reads.
type Chart struct {
	Name        string
	Title       string
	Description string
	Shape       Shape
	// Rollup says the SQL reads {db}.<table>_{res}; otherwise it reads raw tables.
	Rollup bool
	// Tables are the tables the SQL reads (without database and resolution suffix).
	Tables  []string
	SQL     string
	Columns []Column
	// Categories, for Bars, are the categories in order, each shown even without a row.
	Categories []string
	// Value, for Pivot, is the column plotted (the first column is x, the second the group).
	Value string
	// Grafana is the Grafana panel type; empty means one matching the shape.
	Grafana string
	// LogY draws the value axis on a log scale (in the page and in Grafana), for series of
	// different orders of magnitude (server stages in milliseconds beside a player's startup
	// in seconds). Values must then be positive; zeros and nulls are gaps.
	LogY bool
}

// Column returns the chart's column called name.
func (c *Chart) Column(name string) (Column, bool) {
	for _, col := range c.Columns {
		if col.Name == name {
			return col, true
		}
	}
	return Column{}, false
}

// check reports a definition that cannot work; the package's tests run it on every chart.
func (c *Chart) check() error {
	if c.Name == "" || strings.ContainsAny(c.Name, " /?&#%") {
		return fmt.Errorf("chart %q: bad name", c.Name)
	}
	if len(c.Columns) < 2 {
		return fmt.Errorf("chart %s: needs a key column and at least one value column", c.Name)
	}
	switch c.Shape {
	case TimeSeries:
		if c.Columns[0].Name != "t" || c.Columns[0].Unit != Time {
			return fmt.Errorf("chart %s: a time series starts with column t of unit time", c.Name)
		}
		if !c.Rollup && !strings.Contains(c.SQL, rawBucket) {
			return fmt.Errorf("chart %s: a time series of raw tables buckets their time column (%s)", c.Name, rawBucket)
		}
	case Bars:
	case Pivot:
		if len(c.Columns) < 3 {
			return fmt.Errorf("chart %s: a pivot has x, group and value columns", c.Name)
		}
		if _, ok := c.Column(c.Value); !ok {
			return fmt.Errorf("chart %s: pivot value %q is not a column", c.Name, c.Value)
		}
	default:
		return fmt.Errorf("chart %s: unknown shape %q", c.Name, c.Shape)
	}
	if c.Rollup != strings.Contains(c.SQL, "_{res}") {
		return fmt.Errorf("chart %s: Rollup is %v but the SQL %s {res}", c.Name, c.Rollup, map[bool]string{true: "does not read", false: "reads"}[c.Rollup])
	}
	rest := placeholders.Replace(c.SQL)
	if i := strings.IndexByte(rest, '{'); i >= 0 {
		return fmt.Errorf("chart %s: unknown placeholder near %q", c.Name, rest[i:min(len(rest), i+12)])
	}
	for _, t := range c.Tables {
		if !strings.Contains(c.SQL, "{db}."+t) {
			return fmt.Errorf("chart %s: table %s is not read by the SQL", c.Name, t)
		}
	}
	return nil
}

var placeholders = strings.NewReplacer("{db}", "", "{res}", "", "{tcol}", "", "{from}", "", "{to}", "", "{step}", "")

// ByName returns the chart called name.
func ByName(name string) (*Chart, bool) {
	for i := range Charts {
		if Charts[i].Name == name {
			return &Charts[i], true
		}
	}
	return nil, false
}

// Names lists the charts' names in dashboard order.
func Names() []string {
	out := make([]string, len(Charts))
	for i := range Charts {
		out[i] = Charts[i].Name
	}
	return out
}
