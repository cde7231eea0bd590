package sink

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// The sink's benchmarks run against real servers (ClickHouse 18.16 and the embedded Kafka)
// and take seconds per iteration; run each once:
//
//	go test ./analytics/sink -run '^$' -bench 'Sink' -benchtime 1x
//
// CUEPOINT_SINK_BENCH_EVENTS and CUEPOINT_SINK_BENCH_ROUNDS set the events and rounds of the
// throughput run (default 500000 × 3),
// CUEPOINT_SINK_BENCH_RATE and CUEPOINT_SINK_BENCH_SECONDS the load of the latency run
// (default 20000 events/s for 10 s).

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkSinkThroughput stores the same events (bid requests, or the family
// CUEPOINT_SINK_BENCH_FAMILY names) into fresh databases twice per round:
// with a raw clickhouse-go columnar batch insert of rows built in advance (the ceiling: no
// Kafka, no decoding, no ledger), then with the sink consuming them from Kafka with its
// production settings. Rounds alternate the two so that both see the same machine load
// (this machine is shared); it reports the medians and the median of the per-round ratios.
func BenchmarkSinkThroughput(b *testing.B) {
	n := envInt("CUEPOINT_SINK_BENCH_EVENTS", 500_000)
	rounds := envInt("CUEPOINT_SINK_BENCH_ROUNDS", 3)
	family := events.FamilyBids
	if f := os.Getenv("CUEPOINT_SINK_BENCH_FAMILY"); f != "" {
		family = events.Family(f)
	}
	chAddr := stacktest.ClickHouse(b)
	for b.Loop() {
		evs := generate(family, n, 42)
		var raws, sinks, ratios []float64
		for range rounds {
			raw := rawInsert(b, newEnv(b, chAddr), evs)
			sink := sinkInsert(b, newEnv(b, chAddr), evs)
			raws, sinks, ratios = append(raws, raw), append(sinks, sink), append(ratios, sink/raw)
			b.Logf("round: raw insert %.0f rows/s, sink %.0f rows/s (%.2f)", raw, sink, sink/raw)
		}
		b.ReportMetric(median(raws), "raw-rows/s")
		b.ReportMetric(median(sinks), "sink-rows/s")
		b.ReportMetric(median(ratios), "sink/raw")
		b.Logf("%d %s events × %d rounds: raw insert %.0f rows/s, sink %.0f rows/s, ratio %.2f (medians)",
			n, family, rounds, median(raws), median(sinks), median(ratios))
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// sinkInsert produces evs, runs a sink with its production batching over them, and returns
// its rate from its first stored batch to its last, leaving out the group join.
func sinkInsert(b *testing.B, e *env, evs []events.Event) float64 {
	produceFast(b, e, evs)
	cfg := e.config()
	cfg.BatchRows, cfg.BatchInterval, cfg.InsertTimeout = DefaultBatchRows, DefaultBatchInterval, DefaultInsertTimeout
	r := e.start(cfg, hooks{})
	f := evs[0].Family()
	stored := r.s.m.topics[e.topic(f)].rows
	for stored.Get() == 0 {
		time.Sleep(time.Millisecond)
	}
	t0, n0 := time.Now(), stored.Get()
	for stored.Get() < uint64(len(evs)) {
		time.Sleep(time.Millisecond)
	}
	rate := float64(uint64(len(evs))-n0) / time.Since(t0).Seconds()
	r.stop()
	e.expectExactly(f, uint64(len(evs)))
	return rate
}

// rawInsert inserts evs into e's bids table in batches of DefaultBatchRows, with the sink's
// column layout but straight from memory, and returns rows per second. Like sinkInsert, it
// times from the first batch acknowledged to the last, so that both leave out a cold start.
func rawInsert(b *testing.B, e *env, evs []events.Event) float64 {
	t := tables[evs[0].Family()]
	var batches []*rows
	for i := 0; i < len(evs); i += DefaultBatchRows {
		r := newRows(t.cols)
		for j, ev := range evs[i:min(i+DefaultBatchRows, len(evs))] {
			t.add(r, ev.(events.Typed), 0, int64(i+j))
		}
		batches = append(batches, r)
	}
	if len(batches) < 2 {
		b.Fatalf("%d events make %d batch: need at least 2", len(evs), len(batches))
	}
	ctx := context.Background()
	var t0 time.Time
	for i, r := range batches {
		batch, err := e.conn.PrepareBatch(ctx, t.insertSQL(e.db))
		if err != nil {
			b.Fatal(err)
		}
		if err := r.appendTo(batch, nil); err != nil {
			b.Fatal(err)
		}
		if err := batch.Column(len(t.cols)).Append(slices.Repeat([]string{fmt.Sprintf("raw/%d", i)}, r.n)); err != nil {
			b.Fatal(err)
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			t0 = time.Now()
		}
	}
	return float64(len(evs)-batches[0].n) / time.Since(t0).Seconds()
}

// produceFast produces evs with large client batches.
func produceFast(b *testing.B, e *env, evs []events.Event) {
	const chunk = 20_000
	for i := 0; i < len(evs); i += chunk {
		e.produce(evs[i:min(i+chunk, len(evs))]...)
	}
}

// BenchmarkSinkLatency produces bid requests at a steady rate and measures, for each event,
// the time from its creation (just before it is produced) to a count() on ClickHouse seeing
// it, with the sink's production batching (100k rows or 1 s). It reports p50, p99 and max.
func BenchmarkSinkLatency(b *testing.B) {
	rate := envInt("CUEPOINT_SINK_BENCH_RATE", 20_000)
	secs := envInt("CUEPOINT_SINK_BENCH_SECONDS", 10)
	chAddr := stacktest.ClickHouse(b)
	for b.Loop() {
		e := newEnv(b, chAddr)
		cfg := e.config()
		cfg.BatchRows, cfg.BatchInterval, cfg.InsertTimeout = DefaultBatchRows, DefaultBatchInterval, DefaultInsertTimeout
		cfg.KafkaOptions = append(cfg.KafkaOptions, kgo.FetchMaxWait(10*time.Millisecond))
		e.start(cfg, hooks{})
		// Wait for the sink to join: one event goes through.
		e.produce(generate(events.FamilyBids, 1, 1)...)
		e.waitRows(events.FamilyBids, 1, 60*time.Second)

		total := rate * secs
		created := make([]time.Time, 0, total) // creation time of event k, in production order
		stored := []struct {
			at time.Time
			n  uint64
		}{}
		var mu sync.Mutex
		done := make(chan struct{})
		go func() { // the producer: every 10 ms, rate/100 events
			defer close(done)
			per := max(1, rate/100)
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			g := generate(events.FamilyBids, total, 7)
			for i := 0; i < total; i += per {
				<-tick.C
				batch := g[i:min(i+per, total)]
				now := time.Now()
				mu.Lock()
				for range batch {
					created = append(created, now)
				}
				mu.Unlock()
				recs := make([]*kgo.Record, len(batch))
				for j, ev := range batch {
					v, _ := ev.Append(nil)
					recs[j] = &kgo.Record{Topic: e.topic(events.FamilyBids), Key: []byte(ev.Key()), Value: v}
				}
				e.prod.Produce(context.Background(), recs[0], nil)
				for _, r := range recs[1:] {
					e.prod.Produce(context.Background(), r, nil)
				}
			}
			_ = e.prod.Flush(context.Background())
		}()
		// The observer: count() (answered from part metadata) every 5 ms until every event
		// is stored.
		countQ := fmt.Sprintf("SELECT count() FROM %s.bids", e.db)
		for {
			var rows uint64
			if err := e.conn.QueryRow(context.Background(), countQ).Scan(&rows); err != nil {
				b.Fatal(err)
			}
			stored = append(stored, struct {
				at time.Time
				n  uint64
			}{time.Now(), rows - 1})
			if rows-1 >= uint64(total) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		<-done
		lat := make([]time.Duration, 0, total)
		j := 0
		for k := range total {
			for stored[j].n < uint64(k+1) {
				j++
			}
			lat = append(lat, stored[j].at.Sub(created[k]))
		}
		slices.Sort(lat)
		p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
		b.ReportMetric(p(0.5).Seconds()*1000, "p50-ms")
		b.ReportMetric(p(0.99).Seconds()*1000, "p99-ms")
		b.ReportMetric(lat[len(lat)-1].Seconds()*1000, "max-ms")
		b.Logf("%d events at %d/s: event→queryable p50 %s, p99 %s, max %s", total, rate, p(0.5), p(0.99), lat[len(lat)-1])
	}
}
