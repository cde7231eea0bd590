package producer

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
)

// BenchmarkEmit measures what a request path pays to emit one event: encode a realistic bid
// event (the bidder emits one per bid request) into a pooled buffer and hand it over. A real
// Kafka (kfake, in process) takes the records meanwhile, or, in the kafka-down case, the spool
// does. Emitting is paced so that the queue never fills: a tight loop emits ~10× faster than
// one broker takes records, and would otherwise measure the drop path. So events go in bursts of
// 1024, and between bursts, outside the timer, the benchmark waits for every record to be
// acknowledged (or spooled): the state of a service whose emit rate Kafka sustains. The
// dispatcher, the Kafka client and the broker run during the bursts, on the same CPUs, as they
// do in production. drops/op reports any event dropped all the same.
//
//	go test -run '^$' -bench BenchmarkEmit -benchmem ./analytics/producer/
func BenchmarkEmit(b *testing.B) {
	evs := make([]events.Event, 256)
	g := eventstest.New(7, time.Now())
	for i := range evs {
		evs[i] = g.Next(events.FamilyBids)
	}
	run := func(b *testing.B, brokers []string, evs []events.Event) {
		p, err := New(brokers, WithService("bench"), WithSpool(b.TempDir(), 8<<30), WithMemoryLimit(256<<20))
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = p.Close(context.Background()) }()
		size, _ := evs[0].Append(nil)
		b.SetBytes(int64(len(size)))
		b.ReportAllocs()
		dropped := p.Stats().Dropped
		cpu := newCPUMeter(b)
		b.ResetTimer()
		for i := range b.N {
			p.Emit(evs[i&255])
			if i&1023 == 1023 {
				cpu.pause()
				b.StopTimer()
				for p.mem.Load() > 0 { // every record resolved: acknowledged or spooled
					time.Sleep(50 * time.Microsecond)
				}
				b.StartTimer()
				cpu.resume()
			}
		}
		cpu.pause()
		b.StopTimer()
		cpu.report()
		b.ReportMetric(float64(p.Stats().Dropped-dropped)/float64(b.N), "drops/op")
	}
	// The event's own encoding, for reference: Emit's overhead is the difference.
	b.Run("append-only", func(b *testing.B) {
		buf, _ := evs[0].Append(nil)
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		cpu := newCPUMeter(b)
		for i := range b.N {
			buf, _ = evs[i&255].Append(buf[:0])
		}
		cpu.pause()
		cpu.report()
	})
	b.Run("kafka-up", func(b *testing.B) {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics()...))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		run(b, c.ListenAddrs(), evs)
	})
	// The producer's own cost: the same bytes, copied rather than encoded.
	b.Run("kafka-up-preencoded", func(b *testing.B) {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics()...))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		raw := make([]events.Event, len(evs))
		for i, ev := range evs {
			enc, _ := ev.Append(nil)
			raw[i] = preencoded{family: ev.Family(), key: ev.Key(), enc: enc}
		}
		run(b, c.ListenAddrs(), raw)
	})
	b.Run("kafka-down", func(b *testing.B) {
		run(b, []string{"127.0.0.1:" + strconv.Itoa(freePort(b))}, evs)
	})
}

// preencoded is an event whose encoding was done in advance.
type preencoded struct {
	family events.Family
	key    string
	enc    []byte
}

func (e preencoded) Family() events.Family             { return e.family }
func (e preencoded) Key() string                       { return e.key }
func (e preencoded) Append(dst []byte) ([]byte, error) { return append(dst, e.enc...), nil }

// cpuMeter accumulates the CPU time of the benchmark's goroutine, locked to its OS thread, and
// reports it as cpu-ns/op: the cost of the code measured, without the time spent waiting for a
// CPU on a loaded machine.
type cpuMeter struct {
	b     *testing.B
	ok    bool
	total time.Duration
	start time.Duration
}

func newCPUMeter(b *testing.B) *cpuMeter {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	m := &cpuMeter{b: b}
	m.start, m.ok = threadCPU()
	return m
}

func (m *cpuMeter) pause() {
	now, _ := threadCPU()
	m.total += now - m.start
}

func (m *cpuMeter) resume() { m.start, _ = threadCPU() }

func (m *cpuMeter) report() {
	if m.ok {
		m.b.ReportMetric(float64(m.total.Nanoseconds())/float64(m.b.N), "cpu-ns/op")
	}
}
