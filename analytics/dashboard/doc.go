// Package dashboard is the analysts' dashboard: charts of the ad, playback and recommendation
// metrics computed in ClickHouse, a JSON API that serves each chart's rows together with the
// SQL that computed them, and the web page that draws them. `cuepoint dashboard` serves it on
// :8088 (the collector shares that server), and `cuepoint dev` runs it in process.
//
//	d, err := dashboard.New(dashboard.Options{Conn: conn, Database: "cuepoint", WebRoot: "web/dashboard/dist"})
//	d.Mount(srv) // GET /, /assets/…, /api/charts, /api/charts/{name}; /readyz checks ClickHouse
//
// # Charts
//
// Each chart is one Go value in Charts: a title, a description, the SQL template, the
// columns it returns and the shape that draws them (a time series, bars, or lines pivoted on
// a column). The SQL reads the minute or hour rollups of analytics/schema where one holds
// what the chart needs (the hour ones when the step is whole hours) and the raw tables
// otherwise (the bid price distribution; the session start breakdown, which follows each SSAI
// session start's trace id into the adserver's decisions and the bid requests). deploy/grafana/dashboards/cuepoint.json is
// generated from the same values (Grafana), so the two dashboards show the same numbers.
//
// # API
//
//	GET /api/charts                                   every chart and its SQL template
//	GET /api/charts/{name}?from=now-1h&to=now&step=5m rows, columns, the SQL that ran, timing
//
// from and to are unix seconds, RFC 3339 times, "now" or "now-<duration>"; step is a
// multiple of 60 s (default: about 120 buckets). A bad parameter is a 400 whose JSON body
// says which and why; a failed query a 502.
//
// # Portability and safety
//
// Every statement runs on ClickHouse 18.16 (dev, CI) and current releases (production):
// buckets are intDiv arithmetic, the server fills empty buckets (no WITH FILL), ratios come
// from sums, no window functions, and no aggregate is aliased with a column name it reads.
// Parameters are validated numbers written into the SQL, so the text the page shows is the
// query that ran. Queries run with readonly=1, max_execution_time and max_result_rows, and a
// client-side timeout.
//
// # Front end
//
// web/dashboard holds the page: vanilla JavaScript and uPlot, bundled by esbuild
// (`make web`, i.e. `npm run build:dashboard`) into web/dashboard/dist, which the server
// reads from disk (--web-root). Without a build, / answers 404 naming `make web`.
//
// Budget: a chart over the rollups answers in a few milliseconds for an hour to a day and in
// tens of milliseconds for a week of minute data; the quantile charts over a week take up to
// ~150 ms (docs/dashboard.md has the figures, dashboard_bench_test.go measures them).
package dashboard
