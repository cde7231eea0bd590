package metrics

import (
	"io"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
)

// LatencyBuckets are the upper bounds (seconds) of latency histograms: dense below 10 ms where
// Cuepoint's budgets live, sparse up to the 100 ms hard limit and beyond.
var LatencyBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03,
	0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5,
}

// Counter returns the counter with the full Prometheus name (labels included), creating it.
func Counter(name string) *vm.Counter { return vm.GetOrCreateCounter(name) }

// Gauge returns the gauge with the given name, calling f on each scrape.
func Gauge(name string, f func() float64) *vm.Gauge { return vm.GetOrCreateGauge(name, f) }

// Latency returns a Prometheus histogram of durations in seconds with LatencyBuckets.
func Latency(name string) *vm.PrometheusHistogram {
	return vm.GetOrCreatePrometheusHistogramExt(name, LatencyBuckets)
}

// Since records the time elapsed since start into h.
func Since(h *vm.PrometheusHistogram, start time.Time) { h.Update(time.Since(start).Seconds()) }

// WritePrometheus writes every metric of the process, and the Go runtime and process metrics,
// in Prometheus text format.
func WritePrometheus(w io.Writer) { vm.WritePrometheus(w, true) }
