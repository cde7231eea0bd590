package loadtest

import (
	"encoding/json"
	"io"
	"math"
	"sort"
	"strconv"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Summary is a run as `--output json` prints it: one object, stable field names, latencies in
// milliseconds with microsecond precision.
type Summary struct {
	Scenario     string            `json:"scenario"`
	Arrival      string            `json:"arrival"`
	OfferedRate  float64           `json:"offered_rate"`
	DurationS    float64           `json:"duration_s"`
	Connections  int               `json:"connections"`
	Requests     uint64            `json:"requests"`
	Errors       uint64            `json:"errors"`
	AchievedRate float64           `json:"achieved_rate"`
	LatencyMS    Percentiles       `json:"latency_ms"`
	ErrorKinds   ErrorKinds        `json:"error_kinds"`
	Status       map[string]uint64 `json:"status"`
	Generator    GeneratorSummary  `json:"generator"`
	Scenarios    []ScenarioSummary `json:"scenarios"`
	Unsent       uint64            `json:"unsent,omitempty"`
	Interrupted  bool              `json:"interrupted,omitempty"`
	Warnings     []string          `json:"warnings,omitempty"`
	SLO          *SLOSummary       `json:"slo,omitempty"`
	Series       []IntervalSummary `json:"series,omitempty"`
}

// Percentiles of a latency distribution, in milliseconds.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// ErrorKinds splits Errors by cause. Expired (never sent: no connection in time) is a subset of
// Timeout.
type ErrorKinds struct {
	Timeout   uint64 `json:"timeout"`
	Expired   uint64 `json:"expired"`
	HTTP      uint64 `json:"http"`
	Transport uint64 `json:"transport"`
}

// GeneratorSummary is the generator's own health during the run.
type GeneratorSummary struct {
	Behind     bool        `json:"behind"`
	LagMS      Percentiles `json:"dispatch_lag_ms"`
	WaitMS     Percentiles `json:"connection_wait_ms"`
	QueueFullS float64     `json:"queue_full_s"`
	CPUBusy    float64     `json:"cpu_busy"`
	CPUPerReq  float64     `json:"cpu_us_per_request"`
	Procs      int         `json:"procs"`
}

// ScenarioSummary is one scenario of a mix.
type ScenarioSummary struct {
	Name      string            `json:"name"`
	Target    string            `json:"target"`
	Weight    int               `json:"weight"`
	Requests  uint64            `json:"requests"`
	Errors    uint64            `json:"errors"`
	LatencyMS Percentiles       `json:"latency_ms"`
	Status    map[string]uint64 `json:"status"`
}

// SLOSummary is the verdict of an SLO check.
type SLOSummary struct {
	Spec       string   `json:"spec"`
	Pass       bool     `json:"pass"`
	Violations []string `json:"violations"`
}

// IntervalSummary is one second of the time series.
type IntervalSummary struct {
	T        float64 `json:"t"`
	SentRate float64 `json:"sent_rate"`
	DoneRate float64 `json:"done_rate"`
	Errors   uint64  `json:"errors"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
}

// Summarize builds the Summary of r, checked against slo when it is not empty. withSeries adds
// the per-second time series.
func Summarize(r *Result, slo SLO, withSeries bool) Summary {
	s := Summary{
		Scenario: r.Name, Arrival: r.Arrival.String(), OfferedRate: r.Rate, DurationS: r.Duration.Seconds(),
		Connections: r.Connections, Requests: r.Requests, Errors: r.Errors, AchievedRate: round3(r.AchievedRate()),
		LatencyMS:  percentiles(r.Latency),
		ErrorKinds: ErrorKinds{Timeout: r.Timeouts, Expired: r.Expired, HTTP: r.HTTPErrors, Transport: r.TransportErrors},
		Status:     statusMap(r.Status),
		Generator: GeneratorSummary{Behind: r.GeneratorBehind(), LagMS: percentiles(r.Lag), WaitMS: percentiles(r.Wait),
			QueueFullS: round3(r.QueueFull.Seconds()), CPUBusy: round3(r.CPUBusy),
			CPUPerReq: round3(float64(r.CPUPerRequest()) / 1e3), Procs: r.Procs},
		Unsent: r.Unsent, Interrupted: r.Interrupted, Warnings: r.Warnings(),
	}
	for _, sc := range r.Scenarios {
		s.Scenarios = append(s.Scenarios, ScenarioSummary{Name: sc.Name, Target: sc.Target, Weight: sc.Weight,
			Requests: sc.Requests, Errors: sc.Errors, LatencyMS: percentiles(sc.Latency), Status: statusMap(sc.Status)})
	}
	if len(slo) > 0 {
		v := slo.Check(r)
		s.SLO = &SLOSummary{Spec: slo.String(), Pass: len(v) == 0, Violations: violationStrings(v)}
	}
	if withSeries {
		for _, iv := range r.Intervals {
			s.Series = append(s.Series, IntervalSummary{T: round3(iv.Elapsed.Seconds()), SentRate: round3(iv.SentRate()),
				DoneRate: round3(iv.DoneRate()), Errors: iv.Errors, P50: ms(iv.P50.Microseconds()), P99: ms(iv.P99.Microseconds()),
				Max: ms(iv.Max.Microseconds())})
		}
	}
	return s
}

// FindMaxSummary is a find-max search as `--output json` prints it.
type FindMaxSummary struct {
	MaxRate   float64       `json:"max_rate"`
	LimitedBy string        `json:"limited_by"`
	SLO       string        `json:"slo"`
	Steps     []StepSummary `json:"steps"`
	Best      *Summary      `json:"best,omitempty"`
}

// StepSummary is one step of a search.
type StepSummary struct {
	Rate            float64     `json:"rate"`
	Pass            bool        `json:"pass"`
	GeneratorBehind bool        `json:"generator_behind"`
	Violations      []string    `json:"violations"`
	AchievedRate    float64     `json:"achieved_rate"`
	Requests        uint64      `json:"requests"`
	Errors          uint64      `json:"errors"`
	LatencyMS       Percentiles `json:"latency_ms"`
}

// SummarizeFindMax builds the FindMaxSummary of f.
func SummarizeFindMax(f *FindMaxResult) FindMaxSummary {
	s := FindMaxSummary{MaxRate: round3(f.Max), LimitedBy: f.LimitedBy, SLO: f.SLO.String()}
	for _, st := range f.Steps {
		s.Steps = append(s.Steps, StepSummary{Rate: round3(st.Rate), Pass: st.Pass(), GeneratorBehind: st.GeneratorBehind,
			Violations: violationStrings(st.Violations), AchievedRate: round3(st.Result.AchievedRate()),
			Requests: st.Result.Requests, Errors: st.Result.Errors, LatencyMS: percentiles(st.Result.Latency)})
	}
	if f.Best != nil {
		b := Summarize(f.Best, f.SLO, false)
		s.Best = &b
	}
	return s
}

// WriteJSON writes v (a Summary or a FindMaxSummary) as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func percentiles(h *hdrhistogram.Histogram) Percentiles {
	if h == nil || h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)), P99: ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max())}
}

func statusMap(m map[int]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for code, n := range m {
		out[strconv.Itoa(code)] = n
	}
	return out
}

func sortedCodes(m map[int]uint64) []int {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	return codes
}

func violationStrings(v []Violation) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = x.String()
	}
	return out
}

func ms(us int64) float64      { return round3(float64(us) / 1000) }
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
