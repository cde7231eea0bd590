// Package metrics is the one way Cuepoint code records and exposes metrics: the process-wide
// set of github.com/VictoriaMetrics/metrics, written in Prometheus text format by every
// server's /metrics. Metric names carry a service label, so one process running several
// services (cuepoint dev) exposes them side by side without collisions.
//
// Create metrics once, at start-up or on first use, and keep the pointer: updating a counter
// or histogram is allocation-free, creating one by name is not.
//
//	var emitted = metrics.Counter(`cuepoint_events_emitted_total{service="bidder",family="bids"}`)
//	emitted.Inc()
package metrics
