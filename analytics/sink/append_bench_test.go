package sink

import (
	"context"
	"testing"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// BenchmarkAppendTo is the client's CPU to hand one 20k-row batch of bid requests to
// clickhouse-go (PrepareBatch, appendTo, Abort: nothing is sent), with array columns handed
// over row by row or whole. ns/op is per batch; see rows-per-op.
//
//	go test ./analytics/sink -run '^$' -bench AppendTo -count 4
func BenchmarkAppendTo(b *testing.B) {
	e := newEnv(b, stacktest.ClickHouse(b))
	t := tables[events.FamilyBids]
	r := newRows(t.cols)
	for i, ev := range generate(events.FamilyBids, 20_000, 3) {
		t.add(r, ev.(events.Typed), 0, int64(i))
	}
	for _, mode := range []struct {
		name  string
		byRow bool
	}{{"arrays-by-row", true}, {"arrays-whole", false}} {
		b.Run(mode.name, func(b *testing.B) {
			defer func(v bool) { arraysByRow = v }(arraysByRow)
			arraysByRow = mode.byRow
			b.ReportAllocs()
			for b.Loop() {
				batch, err := e.conn.PrepareBatch(context.Background(), t.insertSQL(e.db))
				if err != nil {
					b.Fatal(err)
				}
				if err := r.appendTo(batch, nil); err != nil {
					b.Fatal(err)
				}
				if err := batch.Abort(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.n), "rows/op")
		})
	}
}
