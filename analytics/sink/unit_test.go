package sink

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
	"github.com/cuepoint/cuepoint/analytics/schema"
)

// Every event type writes every column of its table, each with the column's kind.
func TestTablesWriteEveryColumn(t *testing.T) {
	for _, ev := range eventstest.EveryType(time.Now()) {
		tb := tables[ev.Family()]
		r := newRows(tb.cols)
		tb.add(r, ev, 3, 42)
		for i, c := range r.cols {
			if c.len() != 1 {
				t.Errorf("%T: column %s has %d values", ev, tb.cols[i].name, c.len())
			}
		}
		if r.n != 1 {
			t.Errorf("%T: %d rows", ev, r.n)
		}
		if got := r.cols[len(r.cols)-1].i64[0]; got != 42 {
			t.Errorf("%T: kafka_offset %d", ev, got)
		}
	}
}

func TestInsertSQLNamesEveryColumn(t *testing.T) {
	q := tables[events.FamilyBids].insertSQL("db")
	if !strings.HasPrefix(q, "INSERT INTO db.bids (time, time_ms, id,") || !strings.HasSuffix(q, "kafka_partition, kafka_offset, batch_id)") {
		t.Errorf("insert statement %q", q)
	}
}

func TestRowsFilterAndReset(t *testing.T) {
	tb := tables[events.FamilyRecs]
	r := newRows(tb.cols)
	g := eventstest.New(1, time.Now())
	for i := range 4 {
		tb.add(r, g.Next(events.FamilyRecs), 0, int64(i))
	}
	offsets := r.cols[len(r.cols)-1].values([]bool{true, false, true, false}).([]int64)
	if len(offsets) != 2 || offsets[0] != 0 || offsets[1] != 2 {
		t.Errorf("filtered offsets %v", offsets)
	}
	r.reset()
	if r.n != 0 || r.cols[0].len() != 0 || len(r.arenaStr) != 0 {
		t.Error("reset left rows behind")
	}
}

func TestAccumulator(t *testing.T) {
	a := newAccumulator()
	tb := tables[events.FamilyWins]
	if a.due(10, 10, time.Hour) || !a.deadline(time.Second).IsZero() {
		t.Fatal("an empty accumulator is due")
	}
	rec := func(p int32, off int64) *kgo.Record { return &kgo.Record{Topic: "w", Partition: p, Offset: off} }
	g := eventstest.New(1, time.Now())
	for off := range int64(3) {
		b := a.batch("w", 0, tb)
		tb.add(b.rows, g.Next(events.FamilyWins), 0, off)
		a.addRow(b, rec(0, off), 100+off)
	}
	b1 := a.batch("w", 1, tb)
	a.addDead(b1, newDeadLetter("dlq", rec(1, 7), errors.New("bad")))

	a.fetched(tp{"w", 0}, 3, 50) // Kafka holds more of partition 0
	if a.due(10, 10, time.Hour) || a.due(2, 10, time.Hour) {
		t.Error("due before BatchRows and BatchInterval, with partition 0 behind")
	}
	if !a.due(3, 3, time.Hour) {
		t.Error("not due at BatchRows")
	}
	a.fetched(tp{"w", 0}, 50, 50) // read up to the high watermark: caught up
	if !a.due(2, 10, time.Hour) || a.due(4, 10, time.Hour) {
		t.Error("caught up: due at MinBatchRows, not below")
	}
	a.fetched(tp{"w", 1}, 8, 9) // another partition behind
	if a.due(2, 10, time.Hour) {
		t.Error("due at MinBatchRows while partition 1 is behind")
	}
	a.oldest = a.oldest.Add(-2 * time.Hour)
	if !a.due(10, 10, time.Hour) {
		t.Error("not due after BatchInterval")
	}

	f := a.take()
	if len(f.parts) != 2 || f.rows != 3 || len(a.order) != 0 || a.total != 0 {
		t.Fatalf("take: %d parts, %d rows; left %d", len(f.parts), f.rows, len(a.order))
	}
	b0 := f.parts[0]
	if b0.first != 0 || b0.last != 2 || b0.minTime != 100 || b0.maxTime != 102 || b0.commit.Offset != 2 {
		t.Errorf("batch 0: offsets %d-%d, times %d-%d, commit %d", b0.first, b0.last, b0.minTime, b0.maxTime, b0.commit.Offset)
	}
	if b0.id() != "w/0/0-2" {
		t.Errorf("batch id %q", b0.id())
	}
	if f.parts[1].hasRows() || f.parts[1].commit.Offset != 7 || len(f.parts[1].dead) != 1 {
		t.Error("the dead-letter-only batch is wrong")
	}
	revoked := map[tp]bool{{"w", 0}: true}
	if !f.holds(revoked) {
		t.Error("holds")
	}
	f.prune(revoked)
	if len(f.parts) != 1 || f.rows != 0 || f.holds(revoked) {
		t.Errorf("prune left %d parts, %d rows", len(f.parts), f.rows)
	}

	// Pending batches of revoked partitions are dropped too.
	b := a.batch("w", 0, tb)
	tb.add(b.rows, g.Next(events.FamilyWins), 0, 9)
	a.addRow(b, rec(0, 9), 1)
	a.prune(revoked)
	if len(a.order) != 0 || a.total != 0 || a.due(1, 1, time.Hour) {
		t.Error("accumulator prune left the revoked partition")
	}
	// Row buffers come back for reuse.
	a.recycle(f)
	if len(a.free[tb]) != 1 {
		t.Errorf("%d free row buffers, want 1", len(a.free[tb]))
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: time.Second}
	for i := range 50 {
		d := b.next()
		ceiling := time.Second
		if i < 4 {
			ceiling = 100 * time.Millisecond << i
		}
		if d < ceiling/2 || d > ceiling {
			t.Fatalf("retry %d: %s outside [%s, %s]", i, d, ceiling/2, ceiling)
		}
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Errorf("after reset: %s", d)
	}
}

func TestDeadLetterHeaders(t *testing.T) {
	src := &kgo.Record{Topic: "cuepoint.ads", Partition: 2, Offset: 99, Key: []byte("k"), Value: []byte("v"), Timestamp: time.Unix(1, 0)}
	_, err := events.Decode(events.FamilyAds, []byte("{"))
	d := newDeadLetter("cuepoint.deadletter", src, errors.Join(err, errors.New(strings.Repeat("x", 5000))))
	h := map[string]string{}
	for _, kv := range d.out.Headers {
		h[kv.Key] = string(kv.Value)
	}
	if d.out.Topic != "cuepoint.deadletter" || string(d.out.Key) != "k" || string(d.out.Value) != "v" {
		t.Errorf("record %+v", d.out)
	}
	if h[HeaderReason] != "syntax" || h[HeaderSourceTopic] != "cuepoint.ads" || h[HeaderSourcePartition] != "2" ||
		h[HeaderSourceOffset] != "99" || h[HeaderSourceTime] != "1970-01-01T00:00:01Z" || len(h[HeaderError]) != maxErrorHeader {
		t.Errorf("headers %v", h)
	}
}

func TestConfigDefaultsAndErrors(t *testing.T) {
	c, err := Config{Brokers: []string{"k:9092"}, ClickHouseAddr: "c:9000"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Group != DefaultGroup || c.Database != schema.Database || c.BatchRows != DefaultBatchRows || len(c.Families) != len(events.Families) || c.Consumer == "" {
		t.Errorf("defaults %+v", c)
	}
	for name, bad := range map[string]Config{
		"no brokers":      {ClickHouseAddr: "c"},
		"no clickhouse":   {Brokers: []string{"k"}},
		"too many rows":   {Brokers: []string{"k"}, ClickHouseAddr: "c", BatchRows: MaxBatchRows + 1},
		"bad database":    {Brokers: []string{"k"}, ClickHouseAddr: "c", Database: "a;b"},
		"unknown family":  {Brokers: []string{"k"}, ClickHouseAddr: "c", Families: []events.Family{"x"}},
		"bad retention":   {Brokers: []string{"k"}, ClickHouseAddr: "c", Retention: schema.Retention{LedgerDays: 1}},
		"backoff min>max": {Brokers: []string{"k"}, ClickHouseAddr: "c", BackoffMin: time.Second, BackoffMax: time.Millisecond},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The pointer-free columns give back what was written: strings, string and int64 arrays
// (empty ones included), filtered by keep, and nothing after reset.
func TestColumnsRoundTrip(t *testing.T) {
	r := newRows([]colSpec{{"s", kString}, {"a", kStrings}, {"p", kInt64s}})
	in := []struct {
		s string
		a []string
		p []int64
	}{
		{"one", []string{"x", "", "yz"}, []int64{1, 2}},
		{"", nil, nil},
		{"été", []string{"ü"}, []int64{-3}},
	}
	for _, row := range in {
		w := rowWriter{r: r}
		w.str(row.s)
		w.strs(row.a)
		w.i64s(row.p)
		w.done()
	}
	for _, keep := range [][]bool{nil, {true, false, true}} {
		strs := r.cols[0].values(keep).([]string)
		arrs := r.cols[1].values(keep).([][]string)
		prices := r.cols[2].values(keep).([][]int64)
		var want []int
		for i := range in {
			if keep == nil || keep[i] {
				want = append(want, i)
			}
		}
		if len(strs) != len(want) || len(arrs) != len(want) || len(prices) != len(want) {
			t.Fatalf("keep %v: %d, %d, %d rows, want %d", keep, len(strs), len(arrs), len(prices), len(want))
		}
		for j, i := range want {
			if strs[j] != in[i].s || strings.Join(arrs[j], "|") != strings.Join(in[i].a, "|") || len(arrs[j]) != len(in[i].a) ||
				fmt.Sprint(prices[j]) != fmt.Sprint(nz64(in[i].p)) {
				t.Errorf("keep %v row %d: %q %q %v, want %q %q %v", keep, i, strs[j], arrs[j], prices[j], in[i].s, in[i].a, in[i].p)
			}
		}
	}
	r.reset()
	if r.n != 0 || r.cols[0].len() != 0 || r.cols[1].len() != 0 || len(r.cols[0].values(nil).([]string)) != 0 {
		t.Error("reset left rows behind")
	}
}

func nz64(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

// A new buffer is sized like the largest batch taken so far, so it does not grow.
func TestNewRowsLikeHasRoom(t *testing.T) {
	tb := tables[events.FamilyBids]
	r := newRows(tb.cols)
	g := eventstest.New(2, time.Now())
	for i := range 1000 {
		tb.add(r, g.Next(events.FamilyBids), 0, int64(i))
	}
	n := newRowsLike(tb.cols, sizeOf(r))
	before := make([]int, len(n.cols))
	for i := range n.cols {
		before[i] = cap(n.cols[i].bytes) + cap(n.cols[i].i64) + cap(n.cols[i].u16) + cap(n.cols[i].ends) + cap(n.cols[i].rowEnds)
	}
	g = eventstest.New(2, time.Now())
	for i := range 1000 {
		tb.add(n, g.Next(events.FamilyBids), 0, int64(i))
	}
	for i := range n.cols {
		if after := cap(n.cols[i].bytes) + cap(n.cols[i].i64) + cap(n.cols[i].u16) + cap(n.cols[i].ends) + cap(n.cols[i].rowEnds); after != before[i] {
			t.Errorf("column %s grew from %d to %d", tb.cols[i].name, before[i], after)
		}
	}
}
