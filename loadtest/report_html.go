package loadtest

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// WriteHTML writes a self-contained report of r (one file, inline SVG, no scripts): the summary,
// latency over time, throughput over time and the percentile distribution of every scenario.
func WriteHTML(w io.Writer, r *Result, slo SLO) error {
	return reportTmpl.Execute(w, htmlRun(r, slo, fmt.Sprintf("cuepoint loadtest: %s", r.Name)))
}

// WriteFindMaxHTML writes a report of a find-max search: p99 against the offered rate, the
// steps, and the full report of the best step.
func WriteFindMaxHTML(w io.Writer, f *FindMaxResult) error {
	d := htmlData{Title: "cuepoint loadtest: find-max", Generated: time.Now().UTC().Format(time.RFC3339),
		FindMax: &htmlFindMax{Summary: SummarizeFindMax(f)}}
	d.FindMax.Chart = template.HTML(findMaxChart(f))
	if f.Best != nil {
		best := htmlRun(f.Best, f.SLO, "")
		d.Run = best.Run
	}
	return reportTmpl.Execute(w, d)
}

type htmlData struct {
	Title     string
	Generated string
	Run       *htmlRunData
	FindMax   *htmlFindMax
}

type htmlRunData struct {
	S         Summary
	Elapsed   string
	Charts    []template.HTML
	Scenarios []htmlScenario
	Status    []htmlStatus
}

type htmlScenario struct {
	ScenarioSummary
	Chart template.HTML
}

type htmlStatus struct {
	Code  int
	Count uint64
}

type htmlFindMax struct {
	Summary FindMaxSummary
	Chart   template.HTML
}

func htmlRun(r *Result, slo SLO, title string) htmlData {
	run := &htmlRunData{S: Summarize(r, slo, false), Elapsed: fmtDur(r.Elapsed)}
	run.Charts = []template.HTML{
		template.HTML(latencyOverTime(r, slo)),
		template.HTML(rateOverTime(r)),
		template.HTML(distributionChart("Latency by percentile (all scenarios)", []namedHist{{r.Name, r.Latency}})),
	}
	if len(r.Scenarios) > 1 {
		var hs []namedHist
		for _, s := range r.Scenarios {
			hs = append(hs, namedHist{s.Name, s.Latency})
		}
		run.Charts = append(run.Charts, template.HTML(distributionChart("Latency by percentile, per scenario", hs)))
	}
	for _, code := range sortedCodes(r.Status) {
		run.Status = append(run.Status, htmlStatus{code, r.Status[code]})
	}
	return htmlData{Title: title, Generated: time.Now().UTC().Format(time.RFC3339), Run: run}
}

var palette = []string{"#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#17becf"}

func latencyOverTime(r *Result, slo SLO) string {
	p50 := series{name: "p50", color: palette[0]}
	p99 := series{name: "p99", color: palette[1]}
	mx := series{name: "max", color: palette[2]}
	lo, hi, tmax := math.Inf(1), 0.0, 1.0
	add := func(s *series, x float64, d time.Duration) {
		v := math.Max(float64(d)/1e6, 0.001)
		s.points = append(s.points, point{x, v})
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for _, iv := range r.Intervals {
		if iv.Done == 0 {
			continue
		}
		x := iv.Elapsed.Seconds()
		tmax = math.Max(tmax, x)
		add(&p50, x, iv.P50)
		add(&p99, x, iv.P99)
		add(&mx, x, iv.Max)
	}
	ss := []series{p50, p99, mx}
	for _, o := range slo {
		if o.Metric == "errors" {
			continue
		}
		v := float64(o.Latency) / 1e6
		hi, lo = math.Max(hi, v), math.Min(lo, v)
		ss = append(ss, series{name: "SLO " + o.Metric, color: "#777", dashed: true, points: []point{{0, v}, {tmax, v}}})
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0.1, 1
	}
	c := chart{title: "Latency over time (per second, from scheduled time)", w: 900, h: 320,
		x: linearAxis("time since start", tmax, fmtSeconds), y: logAxis("latency", lo, hi, fmtMS), series: ss}
	return c.svg()
}

func rateOverTime(r *Result) string {
	sent := series{name: "sent/s", color: palette[0]}
	done := series{name: "done/s", color: palette[3]}
	errs := series{name: "errors/s", color: palette[2]}
	offered := series{name: "offered", color: "#777", dashed: true}
	hi, tmax := r.Rate, 1.0
	for _, iv := range r.Intervals {
		x := iv.Elapsed.Seconds()
		tmax = math.Max(tmax, x)
		sent.points = append(sent.points, point{x, iv.SentRate()})
		done.points = append(done.points, point{x, iv.DoneRate()})
		errs.points = append(errs.points, point{x, perSecond(iv.Errors, iv.Span)})
		hi = math.Max(hi, math.Max(iv.SentRate(), iv.DoneRate()))
	}
	offered.points = []point{{0, r.Rate}, {tmax, r.Rate}}
	c := chart{title: "Throughput over time", w: 900, h: 260,
		x: linearAxis("time since start", tmax, fmtSeconds), y: linearAxis("requests/s", hi*1.1, fmtCount),
		series: []series{offered, sent, done, errs}}
	return c.svg()
}

type namedHist struct {
	name string
	h    *hdrhistogram.Histogram
}

// distributionChart plots latency against percentile on HdrHistogram's "nines" axis, where
// 90%, 99%, 99.9%... are evenly spaced, so the tail gets the room it deserves.
func distributionChart(title string, hs []namedHist) string {
	var ss []series
	lo, hi, maxNines := math.Inf(1), 0.0, 1.0
	for i, nh := range hs {
		n := nh.h.TotalCount()
		if n == 0 {
			continue
		}
		top := math.Min(math.Max(math.Log10(float64(n)), 1), 6)
		maxNines = math.Max(maxNines, math.Ceil(top))
		s := series{name: nh.name, color: palette[i%len(palette)]}
		for k := 0; float64(k)/20 <= top; k++ {
			nines := float64(k) / 20
			v := float64(nh.h.ValueAtQuantile(100*(1-math.Pow(10, -nines)))) / 1000
			v = math.Max(v, 0.001)
			s.points = append(s.points, point{nines, v})
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		v := math.Max(float64(nh.h.Max())/1000, 0.001)
		s.points = append(s.points, point{top, v})
		hi = math.Max(hi, v)
		ss = append(ss, s)
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0.1, 1
	}
	x := axis{label: "percentile", min: 0, max: maxNines}
	for k := 0.0; k <= maxNines; k++ {
		label := "0%"
		if k > 0 {
			label = trimPct(100*(1-math.Pow(10, -k))) + "%"
		}
		x.ticks = append(x.ticks, tick{k, label})
	}
	c := chart{title: title, w: 900, h: 320, x: x, y: logAxis("latency", lo, hi, fmtMS), series: ss}
	return c.svg()
}

func trimPct(v float64) string {
	s := fmt.Sprintf("%.6f", v)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return trimDot(s)
}

func trimDot(s string) string {
	if s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

func findMaxChart(f *FindMaxResult) string {
	pass := series{name: "p99, pass", color: palette[3]}
	fail := series{name: "p99, fail", color: palette[2]}
	all := series{name: "p99", color: "#bbb"}
	lo, hi, xmax := math.Inf(1), 0.0, 1.0
	for _, s := range f.Steps {
		v := math.Max(float64(s.Result.Quantile(99))/1e6, 0.001)
		lo, hi, xmax = math.Min(lo, v), math.Max(hi, v), math.Max(xmax, s.Rate)
		all.points = append(all.points, point{s.Rate, v})
	}
	// Steps ran in the order ramp, then bisection: draw the curve in rate order.
	sortPoints(all.points)
	for _, s := range f.Steps {
		v := math.Max(float64(s.Result.Quantile(99))/1e6, 0.001)
		if s.Pass() {
			pass.points = append(pass.points, point{s.Rate, v})
		} else {
			fail.points = append(fail.points, point{s.Rate, v})
		}
	}
	ss := []series{all}
	for _, o := range f.SLO {
		if o.Metric == "p99" {
			v := float64(o.Latency) / 1e6
			lo, hi = math.Min(lo, v), math.Max(hi, v)
			ss = append(ss, series{name: "SLO p99", color: "#777", dashed: true, points: []point{{0, v}, {xmax, v}}})
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0.1, 1
	}
	c := chart{title: "p99 latency by offered rate", w: 900, h: 320,
		x: linearAxis("offered requests/s", xmax*1.05, fmtCount), y: logAxis("p99", lo, hi, fmtMS), series: ss}
	// Each step is a dot: green passed, red failed.
	return withMarkers(c.svg(), &c, []series{pass, fail})
}

func sortPoints(ps []point) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].x < ps[j-1].x; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// withMarkers adds dots for the points of ss to a chart's SVG.
func withMarkers(svg string, c *chart, ss []series) string {
	pw, ph := float64(c.w-padLeft-padRight), float64(c.h-padTop-padBottom)
	var extra string
	for _, s := range ss {
		for _, p := range s.points {
			extra += fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`, padLeft+c.x.pos(p.x)*pw, padTop+(1-c.y.pos(p.y))*ph, s.color)
		}
	}
	return svg[:len(svg)-len("</svg>")] + extra + "</svg>"
}

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":  func(v float64) string { return fmtMS(v) },
	"pct": func(v float64) float64 { return 100 * v },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/>
<title>{{.Title}}</title>
<style>
body{font-family:-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:960px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
table.kv td{text-align:left}table.kv td:first-child{color:#666;padding-right:18px}
.warn{background:#fff4e5;border-left:4px solid #ff9800;padding:6px 10px;margin:6px 0}
.pass{color:#2e7d32;font-weight:bold}.fail{color:#c62828;font-weight:bold}
svg{display:block;margin:12px 0}
</style></head><body>
<h1>{{.Title}}</h1>
{{with .FindMax}}
<p>SLO <code>{{.Summary.SLO}}</code>: highest sustainable rate <b>{{if eq .Summary.LimitedBy "generator"}}at least {{end}}{{printf "%.6g" .Summary.MaxRate}}/s</b> (search ended by {{.Summary.LimitedBy}}).</p>
{{.Chart}}
<table><tr><th>offered/s</th><th>achieved/s</th><th>requests</th><th>errors</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>verdict</th></tr>
{{range .Summary.Steps}}<tr><td>{{printf "%.6g" .Rate}}</td><td>{{printf "%.1f" .AchievedRate}}</td><td>{{.Requests}}</td><td>{{.Errors}}</td>
<td>{{ms .LatencyMS.P50}}</td><td>{{ms .LatencyMS.P99}}</td><td>{{ms .LatencyMS.P999}}</td><td>{{ms .LatencyMS.Max}}</td>
<td>{{if .Pass}}<span class="pass">pass</span>{{else if .GeneratorBehind}}generator behind{{else}}<span class="fail">fail</span> {{range .Violations}}{{.}} {{end}}{{end}}</td></tr>
{{end}}</table>
{{if $.Run}}<h2>Best passing step</h2>{{end}}
{{end}}
{{with .Run}}
<table class="kv">
<tr><td>scenario</td><td>{{.S.Scenario}}</td></tr>
<tr><td>arrivals</td><td>{{.S.Arrival}}, {{printf "%.6g" .S.OfferedRate}}/s for {{.S.DurationS}}s over {{.S.Connections}} connections</td></tr>
<tr><td>requests</td><td>{{.S.Requests}} ({{.S.Errors}} errors: timeout {{.S.ErrorKinds.Timeout}}, http {{.S.ErrorKinds.HTTP}}, transport {{.S.ErrorKinds.Transport}})</td></tr>
<tr><td>achieved rate</td><td>{{printf "%.1f" .S.AchievedRate}}/s over {{.Elapsed}}</td></tr>
<tr><td>latency</td><td>p50 {{ms .S.LatencyMS.P50}} · p90 {{ms .S.LatencyMS.P90}} · p99 {{ms .S.LatencyMS.P99}} · p99.9 {{ms .S.LatencyMS.P999}} · max {{ms .S.LatencyMS.Max}}</td></tr>
<tr><td>generator</td><td>dispatch lag p99 {{ms .S.Generator.LagMS.P99}} (max {{ms .S.Generator.LagMS.Max}}) · connection wait p99 {{ms .S.Generator.WaitMS.P99}} (max {{ms .S.Generator.WaitMS.Max}}) · CPU {{printf "%.0f" (pct .S.Generator.CPUBusy)}}%</td></tr>
{{with .S.SLO}}<tr><td>SLO {{.Spec}}</td><td>{{if .Pass}}<span class="pass">met</span>{{else}}<span class="fail">violated</span>: {{range .Violations}}{{.}}; {{end}}{{end}}</td></tr>{{end}}
</table>
{{range .S.Warnings}}<div class="warn">{{.}}</div>{{end}}
{{range .Charts}}{{.}}{{end}}
<h2>Scenarios</h2>
<table><tr><th>scenario</th><th>target</th><th>weight</th><th>requests</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>
{{range .S.Scenarios}}<tr><td>{{.Name}}</td><td>{{.Target}}</td><td>{{.Weight}}</td><td>{{.Requests}}</td><td>{{.Errors}}</td>
<td>{{ms .LatencyMS.P50}}</td><td>{{ms .LatencyMS.P90}}</td><td>{{ms .LatencyMS.P99}}</td><td>{{ms .LatencyMS.P999}}</td><td>{{ms .LatencyMS.Max}}</td></tr>
{{end}}</table>
{{if .Status}}<h2>Status codes</h2><table><tr><th>status</th><th>responses</th></tr>
{{range .Status}}<tr><td>{{.Code}}</td><td>{{.Count}}</td></tr>{{end}}</table>{{end}}
{{end}}
<p style="color:#888;font-size:12px">Latency is measured from each request's scheduled time (open loop), so queueing and stalls count. Generated {{.Generated}}.</p>
</body></html>
`))
