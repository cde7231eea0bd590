package featurestore

import (
	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/internal/metrics"
)

// storeMetrics are a Store's metrics, labelled store="<Config.Name>":
//
//	cuepoint_featurestore_cache_lookups_total{result="hit|negative|stale|miss"}  near-cache look-ups
//	cuepoint_featurestore_entities_total{status="found|not_found|stale|default"}  entities served
//	cuepoint_featurestore_batch_get_seconds                                     BatchGet latency
//	cuepoint_featurestore_cassandra_seconds{op="read|write|cas|delete"}         Cassandra latency
//	cuepoint_featurestore_cassandra_errors_total{op=…}                          Cassandra failures
//	cuepoint_featurestore_flights_joined_total                                  misses collapsed into another read
//	cuepoint_featurestore_read_skipped_total{reason="breaker|deadline"}         reads not sent to Cassandra
//	cuepoint_featurestore_corrupt_values_total                                  stored values that failed to decode
//	cuepoint_featurestore_cache_entries, cuepoint_featurestore_breaker_open     gauges
//
// Hit ratio: (hit + negative) / all look-ups; a stale look-up found an entry past its view's
// freshness and went to Cassandra for a new one.
type storeMetrics struct {
	hit, negative, staleEntry, miss   *vm.Counter
	found, notFound, stale, defaulted *vm.Counter
	batchGet                          *vm.PrometheusHistogram
	readLat, writeLat, casLat, delLat *vm.PrometheusHistogram
	readErr, writeErr, casErr, delErr *vm.Counter
	joined, skipBreaker, skipDeadline *vm.Counter
	corrupt                           *vm.Counter
}

func newStoreMetrics(s *Store) *storeMetrics {
	l := `store="` + s.cfg.Name + `"`
	c := func(name, extra string) *vm.Counter {
		return metrics.Counter(`cuepoint_featurestore_` + name + `{` + l + extra + `}`)
	}
	h := func(name, extra string) *vm.PrometheusHistogram {
		return metrics.Latency(`cuepoint_featurestore_` + name + `{` + l + extra + `}`)
	}
	m := &storeMetrics{
		hit:          c("cache_lookups_total", `,result="hit"`),
		negative:     c("cache_lookups_total", `,result="negative"`),
		staleEntry:   c("cache_lookups_total", `,result="stale"`),
		miss:         c("cache_lookups_total", `,result="miss"`),
		found:        c("entities_total", `,status="found"`),
		notFound:     c("entities_total", `,status="not_found"`),
		stale:        c("entities_total", `,status="stale"`),
		defaulted:    c("entities_total", `,status="default"`),
		batchGet:     h("batch_get_seconds", ""),
		readLat:      h("cassandra_seconds", `,op="read"`),
		writeLat:     h("cassandra_seconds", `,op="write"`),
		casLat:       h("cassandra_seconds", `,op="cas"`),
		delLat:       h("cassandra_seconds", `,op="delete"`),
		readErr:      c("cassandra_errors_total", `,op="read"`),
		writeErr:     c("cassandra_errors_total", `,op="write"`),
		casErr:       c("cassandra_errors_total", `,op="cas"`),
		delErr:       c("cassandra_errors_total", `,op="delete"`),
		joined:       c("flights_joined_total", ""),
		skipBreaker:  c("read_skipped_total", `,reason="breaker"`),
		skipDeadline: c("read_skipped_total", `,reason="deadline"`),
		corrupt:      c("corrupt_values_total", ""),
	}
	metrics.Gauge(`cuepoint_featurestore_cache_entries{`+l+`}`, func() float64 { return float64(s.cache.len()) })
	metrics.Gauge(`cuepoint_featurestore_breaker_open{`+l+`}`, func() float64 {
		if s.breaker.open() {
			return 1
		}
		return 0
	})
	return m
}

func (m *storeMetrics) count(st Status) {
	switch st {
	case StatusFound:
		m.found.Inc()
	case StatusNotFound:
		m.notFound.Inc()
	case StatusStale:
		m.stale.Inc()
	default:
		m.defaulted.Inc()
	}
}
