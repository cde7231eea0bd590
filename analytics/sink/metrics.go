package sink

import (
	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// sinkMetrics are the sink's Prometheus metrics, labelled service="sink" and by topic.
type sinkMetrics struct {
	topics map[string]*topicMetrics
	// insertErrors counts failed INSERT attempts (each is retried).
	insertErrors *vm.Counter
	// commitErrors counts offset commits that failed (the next one covers them).
	commitErrors *vm.Counter
	// flushes counts flushes stored and committed; flushDuration times them, retries included.
	flushes       *vm.Counter
	flushDuration *vm.PrometheusHistogram
	// retentionDrops counts partitions dropped by retention.
	retentionDrops *vm.Counter
}

type topicMetrics struct {
	rows       *vm.Counter // rows inserted
	duplicates *vm.Counter // rows found already stored by the exactly-once check, not inserted again
	dead       map[events.Reason]*vm.Counter
	// age is, per partition batch, the time from its oldest event's timestamp to the INSERT
	// being acknowledged: the worst event-to-queryable latency of the batch as the sink sees
	// it (emitter clocks ahead of the sink's count as 0).
	age *vm.PrometheusHistogram
}

func newMetrics(topics map[string]*table) *sinkMetrics {
	m := &sinkMetrics{
		topics:         map[string]*topicMetrics{},
		insertErrors:   metrics.Counter(`cuepoint_sink_insert_errors_total{service="sink"}`),
		commitErrors:   metrics.Counter(`cuepoint_sink_commit_errors_total{service="sink"}`),
		flushes:        metrics.Counter(`cuepoint_sink_flushes_total{service="sink"}`),
		flushDuration:  metrics.Latency(`cuepoint_sink_flush_duration_seconds{service="sink"}`),
		retentionDrops: metrics.Counter(`cuepoint_sink_retention_dropped_partitions_total{service="sink"}`),
	}
	for topic := range topics {
		l := `{service="sink",topic="` + topic + `"`
		t := &topicMetrics{
			rows:       metrics.Counter(`cuepoint_sink_rows_total` + l + `}`),
			duplicates: metrics.Counter(`cuepoint_sink_duplicates_skipped_total` + l + `}`),
			dead:       map[events.Reason]*vm.Counter{},
			age:        metrics.Latency(`cuepoint_sink_event_age_seconds` + l + `}`),
		}
		for _, r := range events.Reasons {
			t.dead[r] = metrics.Counter(`cuepoint_sink_dead_letters_total` + l + `,reason="` + string(r) + `"}`)
		}
		m.topics[topic] = t
	}
	return m
}
