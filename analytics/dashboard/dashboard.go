package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/metrics"
	"github.com/cuepoint/cuepoint/internal/server"
)

// DefaultQueryTimeout bounds one chart query.
const DefaultQueryTimeout = 10 * time.Second

// Options configure a Dashboard.
type Options struct {
	// Conn is the ClickHouse connection (native protocol); Database the analytics database
	// (default schema.Database).
	Conn     driver.Conn
	Database string
	// WebRoot is the front end's build directory (index.html and assets/), read from disk
	// on every request. Build it with `make web`.
	WebRoot string
	// QueryTimeout bounds each chart query (default DefaultQueryTimeout).
	QueryTimeout time.Duration
	// Log defaults to logging.Discard.
	Log *slog.Logger
	// Now is the clock ranges are relative to (default time.Now).
	Now func() time.Time
}

// Dashboard serves the analysts' dashboard: the chart API and the front end.
type Dashboard struct {
	q       *Querier
	webRoot string
	log     *slog.Logger
	now     func() time.Time
	list    []byte // the GET /api/charts body
	metrics map[string]queryMetrics
}

// New returns a Dashboard; it checks the options and connects to nothing.
func New(o Options) (*Dashboard, error) {
	if o.Conn == nil {
		return nil, errors.New("dashboard: no ClickHouse connection")
	}
	if o.Database == "" {
		o.Database = schema.Database
	}
	if !identRE(o.Database) {
		return nil, fmt.Errorf("dashboard: database %q is not an identifier", o.Database)
	}
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = DefaultQueryTimeout
	}
	if o.Log == nil {
		o.Log = logging.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for i := range Charts {
		if err := Charts[i].check(); err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
	}
	d := &Dashboard{q: NewQuerier(o.Conn, o.Database, o.QueryTimeout), webRoot: o.WebRoot, log: o.Log.With("component", "dashboard"), now: o.Now}
	list, err := marshalNoEscape(chartList(o.Database))
	if err != nil {
		return nil, err
	}
	d.list = list
	d.metrics = make(map[string]queryMetrics, len(Charts))
	for i := range Charts {
		d.metrics[Charts[i].Name] = chartMetrics(Charts[i].Name)
	}
	return d, nil
}

func identRE(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// chartInfo is one entry of GET /api/charts.
type chartInfo struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Shape       Shape    `json:"shape"`
	Rollup      bool     `json:"rollup"`
	Columns     []Column `json:"columns"`
	Categories  []string `json:"categories,omitempty"`
	Value       string   `json:"value,omitempty"`
	LogY        bool     `json:"log_y,omitempty"`
	SQL         string   `json:"sql"` // the template, database filled in
	API         string   `json:"api"`
}

func chartList(database string) any {
	out := make([]chartInfo, len(Charts))
	for i := range Charts {
		c := &Charts[i]
		out[i] = chartInfo{Name: c.Name, Title: c.Title, Description: c.Description, Shape: c.Shape, Rollup: c.Rollup,
			Columns: c.Columns, Categories: c.Categories, Value: c.Value, LogY: c.LogY,
			SQL: strings.ReplaceAll(c.SQL, "{db}", database), API: "/api/charts/" + c.Name}
	}
	return struct {
		Database string      `json:"database"`
		Charts   []chartInfo `json:"charts"`
		Params   string      `json:"params"`
	}{database, out, "from, to: unix seconds, RFC 3339, now or now-<duration> (default now-1h .. now); step: seconds or a duration, a multiple of 60 (default: about 120 buckets); whole hours read the hour rollups"}
}

// Mount registers the dashboard's routes and its readiness check ("clickhouse") on srv:
//
//	GET /                      the page (WebRoot/index.html)
//	GET /assets/{file...}      its scripts and styles (WebRoot/assets/)
//	GET /api/charts            every chart: name, title, shape, columns, SQL template
//	GET /api/charts/{name}     one chart's rows for ?from=&to=&step=, with the SQL that ran
func (d *Dashboard) Mount(srv *server.Server) {
	srv.Handle("GET", "/", d.page)
	srv.Handle("GET", "/assets/{file...}", d.asset)
	srv.Handle("GET", "/api/charts", d.charts)
	srv.Handle("GET", "/api/charts/{name}", d.chart)
	srv.Ready("clickhouse", d.Ping)
}

// Ping reports whether ClickHouse answers.
func (d *Dashboard) Ping(ctx context.Context) error { return d.q.conn.Ping(ctx) }

// Query computes one chart over r, as GET /api/charts/{name} does.
func (d *Dashboard) Query(ctx context.Context, name string, r Range) (*Result, error) {
	c, ok := ByName(name)
	if !ok {
		return nil, fmt.Errorf("no chart %q", name)
	}
	return d.q.Run(ctx, c, r)
}

func (d *Dashboard) charts(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.SetBody(d.list)
}

func (d *Dashboard) chart(ctx *fasthttp.RequestCtx) {
	name := server.Param(ctx, "name")
	c, ok := ByName(name)
	if !ok {
		writeError(ctx, fasthttp.StatusNotFound, fmt.Sprintf("no chart %q; the charts are %s (GET /api/charts)", name, strings.Join(Names(), ", ")))
		return
	}
	args := ctx.QueryArgs()
	var unknown string
	args.VisitAll(func(k, _ []byte) {
		switch string(k) {
		case "from", "to", "step":
		default:
			if unknown == "" {
				unknown = string(k)
			}
		}
	})
	if unknown != "" {
		writeError(ctx, fasthttp.StatusBadRequest, fmt.Sprintf("unknown parameter %q: want from, to, step", unknown))
		return
	}
	r, err := ParseRange(func(k string) string { return string(args.Peek(k)) }, d.now())
	if err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	m := d.metrics[c.Name]
	start := time.Now()
	// Not ctx: a *fasthttp.RequestCtx used as a context.Context races with the server's
	// shutdown (see internal/server). The querier bounds the query with its own timeout.
	res, err := d.q.Run(context.Background(), c, r)
	m.latency.Update(time.Since(start).Seconds())
	if err != nil {
		m.errors.Inc()
		d.log.Warn("chart query failed", "chart", c.Name, "from", r.From, "to", r.To, "step", r.Step, "err", err)
		writeError(ctx, fasthttp.StatusBadGateway, "ClickHouse: "+err.Error())
		return
	}
	body, err := marshalNoEscape(res) // SQL has < and >: no HTML escaping
	if err != nil {
		writeError(ctx, fasthttp.StatusInternalServerError, err.Error())
		return
	}
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(body)
}

type queryMetrics struct {
	latency interface{ Update(float64) }
	errors  interface{ Inc() }
}

func chartMetrics(name string) queryMetrics {
	return queryMetrics{
		latency: metrics.Latency(`cuepoint_dashboard_query_duration_seconds{chart="` + name + `"}`),
		errors:  metrics.Counter(`cuepoint_dashboard_query_errors_total{chart="` + name + `"}`),
	}
}

func writeError(ctx *fasthttp.RequestCtx, code int, msg string) {
	body, _ := marshalNoEscape(struct {
		Error string `json:"error"`
	}{msg})
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

// page serves index.html, or a page saying how to build the front end.
func (d *Dashboard) page(ctx *fasthttp.RequestCtx) {
	if !d.serveFile(ctx, "index.html") {
		d.notBuilt(ctx)
	}
}

func (d *Dashboard) asset(ctx *fasthttp.RequestCtx) {
	rel := server.Param(ctx, "file")
	if !d.serveFile(ctx, path.Join("assets", rel)) {
		if _, err := os.Stat(filepath.Join(d.webRoot, "index.html")); err != nil {
			d.notBuilt(ctx)
			return
		}
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("no such file in the dashboard build: assets/" + rel + "\n")
	}
}

// serveFile writes the file at rel under the web root (confined to it) and reports whether
// it existed.
func (d *Dashboard) serveFile(ctx *fasthttp.RequestCtx, rel string) bool {
	if d.webRoot == "" || !fs.ValidPath(rel) {
		return false
	}
	f, err := os.OpenInRoot(d.webRoot, rel)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return false
	}
	ct := mime.TypeByExtension(path.Ext(rel))
	if ct == "" {
		ct = "application/octet-stream"
	}
	body, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return false
	}
	ctx.SetContentType(ct)
	// File names carry no content hash: browsers revalidate, so a rebuild shows at once.
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.SetBody(body)
	return true
}

// notBuilt answers 404 with a page naming the command that builds the front end.
func (d *Dashboard) notBuilt(ctx *fasthttp.RequestCtx) {
	where := d.webRoot
	if abs, err := filepath.Abs(where); err == nil && where != "" {
		where = abs
	}
	ctx.SetStatusCode(fasthttp.StatusNotFound)
	ctx.SetContentType("text/html; charset=utf-8")
	fmt.Fprintf(ctx, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cuepoint dashboard: front end not built</title><link rel="icon" href="data:,"></head>
<body style="font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:46rem">
<h1>The dashboard's front end is not built</h1>
<p><code>%s</code> is missing.</p>
<p>Build it from the repository root with <code>make web</code> (it runs <code>npm run build:dashboard</code>, which bundles
<code>web/dashboard/src</code> with esbuild into <code>web/dashboard/dist</code>), then reload. Or point <code>--web-root</code>
at a directory holding a build.</p>
<p>The JSON API works without it: <a href="/api/charts">/api/charts</a>.</p>
</body></html>
`, html.EscapeString(filepath.Join(where, "index.html")))
}

// marshalNoEscape encodes v without HTML escaping (the SQL has < and >). encoding/json, not
// goccy/go-json: goccy v0.10.5 has corrupted the heap under Go 1.26 encoding interface values,
// and rows are [][]any.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
