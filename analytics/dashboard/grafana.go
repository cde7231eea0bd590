package dashboard

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Grafana's side of the dashboard: deploy/grafana/dashboards/cuepoint.json is generated from
// Charts by GrafanaDashboard (TestGrafanaDashboardUpToDate keeps the file in step; regenerate
// it with `go test ./analytics/dashboard -run TestGrafanaDashboardUpToDate -update`). Panels
// query the ClickHouse datasource provisioned by
// deploy/grafana/provisioning/datasources/clickhouse.yaml (plugin
// grafana-clickhouse-datasource) with the same SQL as the API, the placeholders becoming the
// plugin's macros: {from} → $__fromTime, {to} → $__toTime (both expand to toDateTime(<unix>),
// as the API writes them), {step} → $__interval_s (panels have a 1m minimum interval, so it
// is a multiple of 60). Grafana panels always read the minute rollups.

const (
	// GrafanaDatasourceUID is the uid of the provisioned ClickHouse datasource.
	GrafanaDatasourceUID = "cuepoint-clickhouse"
	grafanaPlugin        = "grafana-clickhouse-datasource"
)

// GrafanaSQL returns chart c's SQL with Grafana macros for database.
func (c *Chart) GrafanaSQL(database string) string {
	return strings.NewReplacer(
		"{db}", database,
		"{res}", minuteRes,
		"{tcol}", "minute",
		"{from}", "$__fromTime",
		"{to}", "$__toTime",
		"{step}", "$__interval_s",
	).Replace(c.SQL)
}

var grafanaUnits = map[Unit]string{
	Ratio:     "percentunit",
	MS:        "ms",
	USD:       "currencyUSD",
	CPM:       "currencyUSD",
	Count:     "short",
	PerSecond: "short",
}

type gDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gTarget struct {
	Datasource gDatasource `json:"datasource"`
	EditorType string      `json:"editorType"`
	Format     int         `json:"format"` // 0 time series, 1 table
	QueryType  string      `json:"queryType"`
	RawSQL     string      `json:"rawSql"`
	RefID      string      `json:"refId"`
}

type gPanel struct {
	ID              int              `json:"id"`
	Type            string           `json:"type"`
	Title           string           `json:"title"`
	Description     string           `json:"description"`
	Datasource      gDatasource      `json:"datasource"`
	GridPos         map[string]int   `json:"gridPos"`
	Interval        string           `json:"interval,omitempty"`
	FieldConfig     map[string]any   `json:"fieldConfig"`
	Options         map[string]any   `json:"options"`
	Targets         []gTarget        `json:"targets"`
	Transformations []map[string]any `json:"transformations,omitempty"`
}

// GrafanaDashboard returns the Grafana dashboard JSON model with one panel per chart, reading
// database through the datasource GrafanaDatasourceUID.
func GrafanaDashboard(database string) ([]byte, error) {
	ds := gDatasource{Type: grafanaPlugin, UID: GrafanaDatasourceUID}
	panels := make([]gPanel, 0, len(Charts))
	for i := range Charts {
		c := &Charts[i]
		var valueUnit Unit
		for _, col := range c.Columns[1:] {
			if col.Unit != Label && valueUnit == "" {
				valueUnit = col.Unit
			}
		}
		if c.Shape == Pivot {
			v, _ := c.Column(c.Value)
			valueUnit = v.Unit
		}
		defaults := map[string]any{"unit": grafanaUnits[valueUnit], "color": map[string]any{"mode": "palette-classic"}}
		if valueUnit == PerSecond {
			defaults["custom"] = map[string]any{"axisLabel": "per second"}
		}
		if c.LogY {
			defaults["custom"] = map[string]any{"scaleDistribution": map[string]any{"type": "log", "log": 10}}
		}
		overrides := []any{}
		for _, col := range c.Columns[1:] {
			overrides = append(overrides, map[string]any{
				"matcher":    map[string]any{"id": "byName", "options": col.Name},
				"properties": []any{map[string]any{"id": "displayName", "value": col.Label}},
			})
		}
		p := gPanel{
			ID: i + 1, Title: c.Title, Description: c.Description, Datasource: ds,
			GridPos:     map[string]int{"h": 9, "w": 12, "x": 12 * (i % 2), "y": 9 * (i / 2)},
			FieldConfig: map[string]any{"defaults": defaults, "overrides": overrides},
			Options:     map[string]any{"legend": map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": true}, "tooltip": map[string]any{"mode": "multi", "sort": "none"}},
		}
		t := gTarget{Datasource: ds, EditorType: "sql", RawSQL: c.GrafanaSQL(database), RefID: "A"}
		switch c.Shape {
		case TimeSeries:
			p.Type, p.Interval = "timeseries", "1m"
			t.Format, t.QueryType = 0, "timeSeries"
		case Bars:
			p.Type = "barchart"
			t.Format, t.QueryType = 1, "table"
			p.Options["xField"] = c.Columns[0].Name
			p.Options["showValue"] = "auto"
			// The bar chart wants a string x: bucket numbers become labels.
			p.Transformations = []map[string]any{{"id": "convertFieldType", "options": map[string]any{
				"conversions": []any{map[string]any{"targetField": c.Columns[0].Name, "destinationType": "string"}}}}}
		case Pivot:
			p.Type = "barchart"
			t.Format, t.QueryType = 1, "table"
			p.Transformations = []map[string]any{{"id": "groupingToMatrix", "options": map[string]any{
				"rowField": c.Columns[0].Name, "columnField": c.Columns[1].Name, "valueField": c.Value}}}
		}
		if c.Grafana != "" {
			p.Type = c.Grafana
		}
		p.Targets = []gTarget{t}
		panels = append(panels, p)
	}
	model := map[string]any{
		"uid":           "cuepoint-analytics",
		"title":         "Cuepoint analytics",
		"description":   "Generated from analytics/dashboard (Charts): the same SQL as the dashboard's API, over the minute rollups. Do not edit by hand: regenerate with go test ./analytics/dashboard -run TestGrafanaDashboardUpToDate -update.",
		"tags":          []string{"cuepoint", "ads", "playback", "recs"},
		"timezone":      "utc",
		"editable":      true,
		"refresh":       "10s",
		"schemaVersion": 39,
		"version":       1,
		"time":          map[string]string{"from": "now-1h", "to": "now"},
		"panels":        panels,
		"annotations":   map[string]any{"list": []any{}},
		"templating":    map[string]any{"list": []any{}},
		"__requires": []any{
			map[string]string{"type": "datasource", "id": grafanaPlugin, "name": "ClickHouse", "version": "4.0.0"},
			map[string]string{"type": "panel", "id": "timeseries", "name": "Time series", "version": ""},
			map[string]string{"type": "panel", "id": "barchart", "name": "Bar chart", "version": ""},
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(model); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
