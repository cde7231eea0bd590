package sink

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// BenchmarkAdd is the sink's CPU per record on its own: decode one bid request from a Kafka
// record and append it to the column buffers (no Kafka, no ClickHouse).
func BenchmarkAdd(b *testing.B) {
	s, err := New(Config{Brokers: []string{"unused:9092"}, ClickHouseAddr: "unused:9000"})
	if err != nil {
		b.Fatal(err)
	}
	const n = 4096
	recs := make([]*kgo.Record, n)
	for i, ev := range generate(events.FamilyBids, n, 1) {
		v, _ := ev.Append(nil)
		recs[i] = &kgo.Record{Topic: events.FamilyBids.Topic(), Value: v, Offset: int64(i)}
	}
	acc := newAccumulator()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		s.add(acc, recs[i%n])
		if i++; i%DefaultBatchRows == 0 {
			acc.recycle(acc.take())
		}
	}
	_ = time.Second
}
