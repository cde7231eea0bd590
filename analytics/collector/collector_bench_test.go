package collector

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/internal/server"
)

// BenchmarkCollect measures one signed request of 100 playback and ads events through the
// server's handler (routing, signature check, parsing, decoding, validation, deduplication,
// emitting to a real in-process Kafka), without the network. Events are fresh each request,
// so none is a duplicate. cpu-ns/event is the CPU time of the handling goroutine alone (see
// threadCPU), which a loaded machine does not inflate.
//
//	go test -run '^$' -bench Collect -benchmem ./analytics/collector/
func BenchmarkCollect(b *testing.B) {
	var topics []string
	for _, f := range events.Families {
		topics = append(topics, f.Topic())
	}
	k, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topics...))
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	p, err := producer.New(k.ListenAddrs(), producer.WithService("bench-collector"), producer.WithSpool(b.TempDir(), 0))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	c, err := New(p, WithSenders(testSenders()...), WithDedupCapacity(1<<22))
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New("bench-collector", "127.0.0.1:0")
	c.Mount(srv)
	h := srv.Handler()

	const perBatch = 100
	g := gen(11)
	bodies := make([][]byte, 64)
	var ctx fasthttp.RequestCtx
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu time.Duration
	cpuStart, cpuOK := threadCPU()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		now, _ := threadCPU()
		cpu += now - cpuStart
		b.StopTimer()
		if i%len(bodies) == 0 { // fresh events: none is a duplicate
			for j := range bodies {
				evs := make([]any, perBatch)
				for k := range evs {
					evs[k] = g.Next([]events.Family{events.FamilyPlayback, events.FamilyAds}[k%2])
				}
				bodies[j] = batch(b, evs...)
			}
		}
		body := bodies[i%len(bodies)]
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI(Path)
		ctx.Request.Header.Set(HeaderSender, "web-player")
		ctx.Request.Header.Set(HeaderSignature, Sign("web-player", playerSecret, body, time.Now()))
		ctx.Request.SetBody(body)
		b.StartTimer()
		cpuStart, _ = threadCPU()
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("%d %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
	now, _ := threadCPU()
	cpu += now - cpuStart
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perBatch), "ns/event")
	if cpuOK {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*perBatch), "cpu-ns/event")
	}
}
