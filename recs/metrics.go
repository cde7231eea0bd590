package recs

import (
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/internal/metrics"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// serviceMetrics are recs' Prometheus metrics. Per-arm series make the A/B test's health
// visible next to its analytics (CTR by arm and position comes from the events):
//
//	cuepoint_recs_served_total{arm}                lists served
//	cuepoint_recs_items_total{arm,reason}          items served, by why they are in the list
//	cuepoint_recs_latency_seconds{arm}             server-side time to rank and answer
//	cuepoint_recs_degraded_total{arm,why}          lists served without (all) features
//	cuepoint_recs_short_total{arm}                 lists shorter than asked (rights, maturity)
//	cuepoint_recs_actions_total{arm,type}          clicks and plays reported
//	cuepoint_recs_item_reads_total{result}         per-request candidate popularity reads
//	                                               (--item-features): ok, degraded, skipped
//	cuepoint_recs_model_loads_total / _load_failures_total, cuepoint_recs_trending_known
type serviceMetrics struct {
	arms         map[string]*armMetrics
	itemReads    [3]*vm.Counter
	loads        *vm.Counter
	reloadFailed *vm.Counter
}

type armMetrics struct {
	served   *vm.Counter
	latency  *vm.PrometheusHistogram
	degraded map[string]*vm.Counter
	short    *vm.Counter
	reasons  [8]*vm.Counter
	clicks   *vm.Counter
	plays    *vm.Counter
}

func newServiceMetrics(arms []Arm) *serviceMetrics {
	m := &serviceMetrics{
		arms:         map[string]*armMetrics{},
		loads:        metrics.Counter(`cuepoint_recs_model_loads_total`),
		reloadFailed: metrics.Counter(`cuepoint_recs_model_load_failures_total`),
	}
	for k, r := range []string{"ok", "degraded", "skipped"} {
		m.itemReads[k] = metrics.Counter(`cuepoint_recs_item_reads_total{result="` + r + `"}`)
	}
	for _, a := range arms {
		l := `arm="` + a.Name + `"`
		am := &armMetrics{
			served:  metrics.Counter(`cuepoint_recs_served_total{` + l + `}`),
			latency: metrics.Latency(`cuepoint_recs_latency_seconds{` + l + `}`),
			short:   metrics.Counter(`cuepoint_recs_short_total{` + l + `}`),
			clicks:  metrics.Counter(`cuepoint_recs_actions_total{` + l + `,type="click"}`),
			plays:   metrics.Counter(`cuepoint_recs_actions_total{` + l + `,type="play"}`),
			degraded: map[string]*vm.Counter{
				degradedFeatures: metrics.Counter(`cuepoint_recs_degraded_total{` + l + `,why="` + degradedFeatures + `"}`),
			},
		}
		for r := rank.ReasonForYou; r <= rank.ReasonPopular; r++ {
			am.reasons[r] = metrics.Counter(`cuepoint_recs_items_total{` + l + `,reason="` + r.String() + `"}`)
		}
		m.arms[a.Name] = am
	}
	return m
}

// Results of a per-request candidate popularity read.
const (
	itemReadOK = iota
	itemReadDegraded
	itemReadSkipped // no time left before the feature deadline
)

func (m *serviceMetrics) reloaded(string) { m.loads.Inc() }

func (m *serviceMetrics) served(arm string, list []rank.Result, asked int, degraded string, took time.Duration) {
	am := m.arms[arm]
	if am == nil {
		return
	}
	am.served.Inc()
	am.latency.Update(took.Seconds())
	if degraded != "" {
		am.degraded[degraded].Inc()
	}
	if len(list) < asked {
		am.short.Inc()
	}
	for _, r := range list {
		am.reasons[r.Reason].Inc()
	}
}
