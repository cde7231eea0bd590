package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A short real run to render: two scenarios, so per-scenario parts show.
func sampleResult(t *testing.T) *Result {
	t.Helper()
	a, b := serve(t, okHandler), serve(t, okHandler)
	res, err := Run(context.Background(), Config{
		Name: "mixed", Mix: []Weighted{{Scenario: URL(a.URL), Weight: 2}, {Scenario: &Scenario{Name: "b&<x>", Target: b.URL,
			Requests: []Request{{Method: "GET", URI: b.URL}}}, Weight: 1}},
		Rate: 300, Duration: 1200 * time.Millisecond, Connections: 8, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSummaryJSON(t *testing.T) {
	res := sampleResult(t)
	slo, _ := ParseSLO("p99=30s,errors=1%")
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Summarize(res, slo, true)); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"requests", "errors", "achieved_rate"} {
		if _, ok := m[k].(float64); !ok {
			t.Errorf("%s missing or not a number: %v", k, m[k])
		}
	}
	lat, _ := m["latency_ms"].(map[string]any)
	for _, k := range []string{"p50", "p90", "p99", "p999", "max"} {
		if _, ok := lat[k].(float64); !ok {
			t.Errorf("latency_ms.%s missing: %v", k, lat)
		}
	}
	if m["requests"].(float64) != 360 || len(m["scenarios"].([]any)) != 2 || m["slo"].(map[string]any)["pass"] != true {
		t.Errorf("summary: %s", buf.String())
	}
	if len(m["series"].([]any)) < 1 {
		t.Error("no series")
	}
}

func TestTextReport(t *testing.T) {
	res := sampleResult(t)
	slo, _ := ParseSLO("p50=1ns")
	var buf bytes.Buffer
	WriteText(&buf, res, slo)
	out := buf.String()
	for _, want := range []string{"requests   360", "achieved", "p99", "b&<x>", "VIOLATED: p50"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	var prog bytes.Buffer
	ProgressPrinter(&prog)(res.Intervals[0])
	if !regexp.MustCompile(`^\s+\d+\.\ds  sent \d+/s  done \d+/s  p50 \S+  p99 \S+  max \S+  errors 0  queued -?\d+(  generator late \S+)?\n$`).MatchString(prog.String()) {
		t.Errorf("progress line %q", prog.String())
	}
}

// The HTML report is one file whose charts are well-formed SVG and whose text is escaped.
func TestHTMLReport(t *testing.T) {
	res := sampleResult(t)
	slo, _ := ParseSLO("p99=50ms")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, res, slo); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	svgs := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(page, -1)
	if len(svgs) != 4 { // latency over time, throughput, distribution, per-scenario distribution
		t.Fatalf("%d charts, want 4", len(svgs))
	}
	for i, s := range svgs {
		if err := wellFormed(s); err != nil {
			t.Errorf("chart %d is not well-formed XML: %v", i, err)
		}
		if !strings.Contains(s, "<path") {
			t.Errorf("chart %d draws nothing", i)
		}
	}
	if strings.Contains(page, "b&<x>") || !strings.Contains(page, "b&amp;&lt;x&gt;") {
		t.Error("scenario name not escaped")
	}
	if strings.Contains(page, "<script") {
		t.Error("the report must not need scripts")
	}
	for _, want := range []string{"Latency over time", "Latency by percentile", "99.9%", "SLO p99"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestFindMaxReports(t *testing.T) {
	var rates []float64
	slo, _ := ParseSLO("p99=10ms")
	f, err := findMax(context.Background(), Config{Rate: 1000, Name: "bidder"}, slo, FindMaxOptions{Factor: 2, Pause: -1}, fakeTarget(5000, 1e9, &rates))
	if err != nil {
		t.Fatal(err)
	}
	var html, text, js bytes.Buffer
	if err := WriteFindMaxHTML(&html, f); err != nil {
		t.Fatal(err)
	}
	WriteFindMaxText(&text, f)
	if err := WriteJSON(&js, SummarizeFindMax(f)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "highest sustainable rate: 5000/s") {
		t.Errorf("text:\n%s", text.String())
	}
	var s FindMaxSummary
	if err := json.Unmarshal(js.Bytes(), &s); err != nil || s.MaxRate != 5000 || len(s.Steps) != len(rates) || s.Best == nil {
		t.Errorf("json %s: %v", js.String(), err)
	}
	for _, svg := range regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(html.String(), -1) {
		if err := wellFormed(svg); err != nil {
			t.Errorf("find-max chart: %v", err)
		}
	}
	if !strings.Contains(html.String(), "p99 latency by offered rate") {
		t.Error("find-max chart missing")
	}
}

func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
