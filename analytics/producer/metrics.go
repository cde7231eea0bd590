package producer

import (
	"log/slog"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// reason is why a record was dropped; its name is the "reason" label of
// cuepoint_events_dropped_total.
type reason uint8

const (
	reasonEncode        reason = iota // the event's Append failed
	reasonTooLarge                    // larger than WithMaxEventBytes
	reasonUnknownFamily               // not one of events.Families
	reasonOverloaded                  // the in-memory queue was full
	reasonClosed                      // emitted after Close
	reasonSpoolFull                   // the spool held its maximum bytes
	reasonSpoolWrite                  // the spool's disk refused the write
	reasonSpoolDamaged                // a damaged region of a spool segment (≥ 1 record each)
	reasonRejected                    // Kafka refused the record for good (e.g. too large)
	numReasons
)

var reasonNames = [numReasons]string{
	"encode_error", "too_large", "unknown_family", "overloaded", "closed",
	"spool_full", "spool_write_error", "spool_damaged", "rejected",
}

func (r reason) String() string { return reasonNames[r] }

// familyMetrics are one family's Prometheus series, created once so that updates allocate
// nothing.
type familyMetrics struct {
	family   events.Family
	topic    string
	produced *vm.Counter
	spooled  *vm.Counter
	replayed *vm.Counter
	latency  *vm.PrometheusHistogram
	dropped  [numReasons]*vm.Counter
}

func newFamilyMetrics(service string, family events.Family) *familyMetrics {
	l := `{service="` + service + `",family="` + string(family) + `"`
	m := &familyMetrics{
		family:   family,
		topic:    family.Topic(),
		produced: metrics.Counter(`cuepoint_events_produced_total` + l + `}`),
		spooled:  metrics.Counter(`cuepoint_events_spooled_total` + l + `}`),
		replayed: metrics.Counter(`cuepoint_events_replayed_total` + l + `}`),
		latency:  metrics.Latency(`cuepoint_events_produce_latency_seconds` + l + `}`),
	}
	for r := range numReasons {
		m.dropped[r] = metrics.Counter(`cuepoint_events_dropped_total` + l + `,reason="` + r.String() + `"}`)
	}
	return m
}

// unknownFamily labels drops whose family is not known (or not readable, in damaged spool).
const unknownFamily events.Family = "unknown"

// stats holds the producer's metrics: Prometheus series per family, totals for Stats, and the
// rate limit of drop logs.
type stats struct {
	log      *slog.Logger
	families map[events.Family]*familyMetrics // read-only after New
	unknown  *familyMetrics

	produced, spooled, replayed, dropped atomic.Uint64

	spoolBytes, spoolSegments, memBytes *vm.Gauge

	lastDropLog  [numReasons]atomic.Int64 // unix nanos
	unlogged     [numReasons]atomic.Int64 // drops since the last log line
	lastOrderLog atomic.Int64
}

// dropLogEvery limits drop logs to one line per reason per interval, carrying the count.
const dropLogEvery = 10 * time.Second

func newStats(service string, log *slog.Logger) *stats {
	s := &stats{
		log:           log,
		families:      make(map[events.Family]*familyMetrics, len(events.Families)),
		unknown:       newFamilyMetrics(service, unknownFamily),
		spoolBytes:    metrics.Gauge(`cuepoint_events_spool_bytes{service="`+service+`"}`, nil),
		spoolSegments: metrics.Gauge(`cuepoint_events_spool_segments{service="`+service+`"}`, nil),
		memBytes:      metrics.Gauge(`cuepoint_events_memory_bytes{service="`+service+`"}`, nil),
	}
	for _, f := range events.Families {
		s.families[f] = newFamilyMetrics(service, f)
	}
	return s
}

// family returns the family's metrics, or nil for a family that is not in events.Families.
func (s *stats) family(f events.Family) *familyMetrics { return s.families[f] }

// familyOrUnknown returns the family's metrics, or those labelled "unknown".
func (s *stats) familyOrUnknown(f events.Family) *familyMetrics {
	if m := s.families[f]; m != nil {
		return m
	}
	return s.unknown
}

// drop counts n dropped records and logs, at most once per reason per dropLogEvery, how many
// were dropped since the last line.
func (s *stats) drop(m *familyMetrics, r reason, n int, err error) {
	m.dropped[r].Add(n)
	s.dropped.Add(uint64(n))
	pending := s.unlogged[r].Add(int64(n))
	now := time.Now().UnixNano()
	last := s.lastDropLog[r].Load()
	if now-last < int64(dropLogEvery) || !s.lastDropLog[r].CompareAndSwap(last, now) {
		return
	}
	s.unlogged[r].Add(-pending)
	attrs := []any{"reason", r.String(), "dropped", pending, "family", string(m.family)}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	s.log.Error("events dropped", attrs...)
}

// orderAtRisk logs, at most once per dropLogEvery, that the dispatcher stopped waiting for n
// records still in the Kafka client before spooling newer ones: if those fail later, they are
// spooled behind newer records of their keys.
func (s *stats) orderAtRisk(n int64) {
	now := time.Now().UnixNano()
	last := s.lastOrderLog.Load()
	if now-last < int64(dropLogEvery) || !s.lastOrderLog.CompareAndSwap(last, now) {
		return
	}
	s.log.Warn("spooling ahead of records still awaiting Kafka: per-key order may not hold for them", "records", n)
}
