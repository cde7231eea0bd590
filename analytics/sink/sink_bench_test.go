package sink

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
// CUEPOINT_SINK_BENCH_FAMILY names) into fresh databases twice per round: with a raw
// clickhouse-go columnar batch insert of rows built in advance (the ceiling: no Kafka, no
// decoding, no ledger), then with the sink consuming them from Kafka with its production
// settings. Rounds alternate the two so that both see the same machine load.
//
// This machine is shared, so besides wall-clock rates it reports the CPU both sides spend per
// row — this process (sink or client, and the in-process Kafka broker) plus the ClickHouse
// server, which has a server of its own here — which other processes' load inflates far
// less, and the rate that CPU cost allows on the machine's 2 cores when they are not shared.
func BenchmarkSinkThroughput(b *testing.B) {
	n := envInt("CUEPOINT_SINK_BENCH_EVENTS", 500_000)
	rounds := envInt("CUEPOINT_SINK_BENCH_ROUNDS", 3)
	family := events.FamilyBids
	if f := os.Getenv("CUEPOINT_SINK_BENCH_FAMILY"); f != "" {
		family = events.Family(f)
	}
	ch := stacktest.OwnClickHouse(b)
	for b.Loop() {
		var raws, sinks, ratios, rawCPU, sinkCPU []float64
		for range rounds {
			// Each side generates the same events and lets go of them before it is measured,
			// so that neither pays for the other's garbage.
			raw := rawInsert(b, newEnv(b, ch.Addr()), generate(family, n, 42), ch.PID())
			sink := sinkInsert(b, newEnv(b, ch.Addr()), family, n, 42, ch.PID())
			raws, sinks, ratios = append(raws, raw.rate), append(sinks, sink.rate), append(ratios, sink.rate/raw.rate)
			rawCPU, sinkCPU = append(rawCPU, raw.cpuPerRow), append(sinkCPU, sink.cpuPerRow)
			b.Logf("round: raw insert %.0f rows/s (%.2f cpu-µs/row), sink %.0f rows/s (%.2f cpu-µs/row); wall ratio %.2f",
				raw.rate, raw.cpuPerRow, sink.rate, sink.cpuPerRow, sink.rate/raw.rate)
		}
		rc, sc := median(rawCPU), median(sinkCPU)
		b.ReportMetric(median(raws), "raw-rows/s")
		b.ReportMetric(median(sinks), "sink-rows/s")
		b.ReportMetric(median(ratios), "sink/raw")
		b.ReportMetric(rc, "raw-cpu-µs/row")
		b.ReportMetric(sc, "sink-cpu-µs/row")
		b.ReportMetric(rc/sc, "raw/sink-cpu")
		b.Logf("%d %s events × %d rounds (medians): wall raw %.0f rows/s, sink %.0f rows/s, ratio %.2f; "+
			"CPU raw %.2f µs/row, sink %.2f µs/row, sink at %.2f of raw; on 2 unshared cores ≈ raw %.0f, sink %.0f rows/s",
			n, family, rounds, median(raws), median(sinks), median(ratios), rc, sc, rc/sc, 2e6/rc, 2e6/sc)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// measured is one side's result: rows per wall second and CPU µs per row.
type measured struct{ rate, cpuPerRow float64 }

// cpuTime returns the CPU time used so far by this process and by the process pid.
func cpuTime(b *testing.B, pid int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the parenthesised command: state is field 3, utime 14, stime 15 (ticks).
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return self + time.Duration(utime+stime)*10*time.Millisecond // CLK_TCK is 100 on Linux
}

// sinkInsert produces evs, runs a sink with its production batching over them, and measures
// it from its first stored batch to its last, leaving out the group join.
func sinkInsert(b *testing.B, e *env, f events.Family, n int, seed uint64, chPID int) measured {
	produceFast(b, e, generate(f, n, seed))
	runtime.GC()
	cfg := e.config()
	cfg.BatchRows, cfg.BatchInterval, cfg.InsertTimeout = DefaultBatchRows, DefaultBatchInterval, DefaultInsertTimeout
	r := e.start(cfg, hooks{})
	stored := r.s.m.topics[e.topic(f)].rows
	for stored.Get() == 0 {
		time.Sleep(time.Millisecond)
	}
	t0, n0, c0 := time.Now(), stored.Get(), cpuTime(b, chPID)
	for stored.Get() < uint64(n) {
		time.Sleep(time.Millisecond)
	}
	rows := float64(uint64(n) - n0)
	m := measured{rows / time.Since(t0).Seconds(), float64((cpuTime(b, chPID) - c0).Microseconds()) / rows}
	r.stop()
	e.expectExactly(f, uint64(n))
	return m
}

// rawInsert inserts evs into e's table in batches of DefaultBatchRows, with the sink's column
// layout but straight from memory. Like sinkInsert, it measures from the first batch
// acknowledged to the last, so that both leave out a cold start.
func rawInsert(b *testing.B, e *env, evs []events.Event, chPID int) measured {
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
	total := len(evs)
	evs = nil
	runtime.GC()
	ctx := context.Background()
	var t0 time.Time
	var c0 time.Duration
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
			t0, c0 = time.Now(), cpuTime(b, chPID)
		}
	}
	rows := float64(total - batches[0].n)
	return measured{rows / time.Since(t0).Seconds(), float64((cpuTime(b, chPID) - c0).Microseconds()) / rows}
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
// it (polled every 50 ms, so figures are up to 50 ms late), with the sink's production
// batching (100k rows or 1 s). It reports p50, p99 and max.
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
		// The observer: count() (answered from part metadata) every 50 ms until every event
		// is stored. Polling faster measures the observer: on this 2-core machine, hundreds
		// of queries a second take the CPU the INSERTs need.
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
			time.Sleep(50 * time.Millisecond)
		}
		<-done
		e.expectExactly(events.FamilyBids, uint64(total)+1)
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
