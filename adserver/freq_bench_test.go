package adserver_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/adserver"
	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// benchFrequency is the Cassandra frequency store (stacktest) with a viewer who saw six ads
// of three advertisers.
func benchFrequency(b *testing.B) *adserver.CassandraFrequency {
	s, err := db.OpenCassandra(stacktest.Cassandra(b), db.CassandraOptions{Timeout: 20 * time.Second, Consistency: gocql.LocalQuorum})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	ks := "cuepoint_adserver_freqbench"
	if _, err := catalog.Migrate(context.Background(), s, ks, ""); err != nil {
		b.Fatal(err)
	}
	st, err := adserver.NewCassandraFrequency(s, ks, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 6 {
		if err := st.Add(context.Background(), "viewer-1", fmt.Sprintf("x%d.example", i%3), fmt.Sprintf("ad-%d", i), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkDecideSharedFrequency is BenchmarkDecideThreeBidders with the viewer's counts read
// from Cassandra on loopback — in parallel with the auction — and a cap: the same decision, so
// the difference is what the shared caps cost.
func BenchmarkDecideSharedFrequency(b *testing.B) {
	st := benchFrequency(b)
	for _, shared := range []bool{false, true} {
		b.Run(fmt.Sprintf("shared=%v", shared), func(b *testing.B) {
			deps := adserver.Deps{}
			if shared {
				deps.FrequencyStore = st
			}
			benchDecide(b, benchServerDeps(b, deps, nil))
		})
	}
}

// BenchmarkFrequencyCounts is one read of a viewer's counts from Cassandra on loopback.
func BenchmarkFrequencyCounts(b *testing.B) {
	st := benchFrequency(b)
	ctx := context.Background()
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		if c, err := st.Counts(ctx, "viewer-1", time.Now()); err != nil || len(c) != 3 {
			b.Fatal(c, err)
		}
	}
}

// BenchmarkDecideStructuredPod decides a structured pod of four 15 s slots against the same
// three bidders, each bidding on every slot, next to the dynamic pod of 60 s they fill.
func BenchmarkDecideStructuredPod(b *testing.B) {
	for _, structured := range []bool{false, true} {
		b.Run(fmt.Sprintf("structured=%v", structured), func(b *testing.B) {
			var a *adserver.AdServer
			query := "dur=60&min=5&max=30&ps=4&uid=viewer-1&content=movie-1&session=s-1&ip=203.0.113.9&ua=Roku%2FDVP-12.5&pos=mid"
			if structured {
				query = "slots=15,15,15,15&min=5&uid=viewer-1&content=movie-1&session=s-1&ip=203.0.113.9&ua=Roku%2FDVP-12.5&pos=mid"
				a = benchServerDeps(b, adserver.Deps{}, func(o auctiontest.Offer, bidder, k int) auctiontest.Offer {
					o.ImpID = fmt.Sprint(k%4 + 1)
					return o
				})
			} else {
				a = benchServerDeps(b, adserver.Deps{}, nil)
			}
			cfg := adserver.DefaultConfig()
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				br, err := adserver.ParseBreak(argsOf(query), &cfg)
				if err != nil {
					b.Fatal(err)
				}
				if d := a.Decide(br, time.Now()); len(d.Ads) != 4 {
					b.Fatalf("%d ads", len(d.Ads))
				}
			}
		})
	}
}

// benchServerDeps is benchServer with deps, the viewer capped at 6 ads per advertiser, and
// the offers rewritten by slot (nil: as they are). Six bidders' offers of 15 s each when
// structured.
func benchServerDeps(b *testing.B, deps adserver.Deps, slot func(o auctiontest.Offer, bidder, k int) auctiontest.Offer) *adserver.AdServer {
	o := func(id, dom string, cpm float64, dur int) auctiontest.Offer {
		return offer(id, dom, cpm, dur, "IAB"+id)
	}
	sets := [][]auctiontest.Offer{
		{o("a", "a.example", 20, 15), o("b", "b.example", 18, 30)},
		{o("c", "c.example", 15, 15), o("d", "d.example", 12, 15)},
		{o("e", "e.example", 10, 30), o("f", "f.example", 9, 15)},
	}
	var eps []auction.Endpoint
	k := 0
	for i, offers := range sets {
		if slot != nil {
			for j := range offers {
				offers[j].Dur = 15
				offers[j] = slot(offers[j], i, k)
				k++
			}
		}
		bd := auctiontest.Start(b, auctiontest.Config{Offers: offers})
		eps = append(eps, auction.Endpoint{Name: string(rune('x' + i)), URL: bd.URL})
	}
	cfg := testConfig(eps...)
	cfg.PublicURL = "http://127.0.0.1:8082"
	cfg.FreqCap, cfg.FreqTimeout = 6, 5*time.Second
	deps.Log, deps.Catalog = logging.Discard, newFakeCatalog()
	a, err := adserver.New(cfg, deps)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close(b.Context()) })
	return a
}

// cpuPerOp starts measuring the process's CPU time (user + system, GC and the in-process
// bidders included); the returned function reports it per op as cpu-ns/op. On the shared,
// loaded machine CPU time is inflated far less by other processes than wall-clock time is.
func cpuPerOp(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}

func argsOf(query string) *fasthttp.Args {
	var q fasthttp.Args
	q.Parse(query)
	return &q
}
