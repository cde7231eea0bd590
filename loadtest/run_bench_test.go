package loadtest

import (
	"testing"
	"time"
)

// BenchmarkSend is one worker's hot path: reset, fill and send a pre-built request over a
// keep-alive loopback connection, read the response. The target is in-process, so ns/op
// includes the server's share; allocs/op shows the generator allocates nothing per request.
func BenchmarkSend(b *testing.B) {
	for _, build := range []func(string) *Scenario{
		func(u string) *Scenario { return URL(u) },
		func(u string) *Scenario { return Bidder(u, Options{Pool: 64}) },
	} {
		ts := serve(b, okHandler)
		sc := build(ts.URL)
		b.Run(sc.Name, func(b *testing.B) {
			r := &runner{cfg: Config{Mix: []Weighted{{Scenario: sc, Weight: 1}}, Connections: 1}}
			r.endpoints = r.buildEndpoints()
			w := newWorker(newShard(1))
			deadline := time.Now().Add(time.Hour)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, o := w.send(&r.endpoints[0], &sc.Requests[i%len(sc.Requests)], deadline); o != outcomeOK {
					b.Fatal("send failed")
				}
			}
		})
	}
}

// BenchmarkDispatchAndRecord is the generator's own bookkeeping per arrival, without I/O: the
// schedule, the mix, the queue hand-off and recording the outcome.
func BenchmarkDispatchAndRecord(b *testing.B) {
	mix := []Weighted{{Scenario: URL("http://x/"), Weight: 3}, {Scenario: URL("http://y/"), Weight: 1}}
	sched := newSchedule(Poisson, 1e6, 1)
	il := newInterleaver(mix)
	q := make(chan job, 1024)
	sh := newShard(len(mix))
	lag := newHistogram()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		due := sched.next()
		s := il.next()
		recordUS(lag, 1500)
		q <- job{due: due, req: &mix[s].Scenario.Requests[0], scen: uint8(s)}
		j := <-q
		sh.record(int(j.scen), 250_000, 1_000, j.due, 200, outcomeOK)
	}
}
