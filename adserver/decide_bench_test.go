package adserver_test

import (
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver"
	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/internal/logging"
)

// benchServer is an adserver with three loopback bidders offering six ads for a 60 s break.
func benchServer(b *testing.B) *adserver.AdServer {
	o := func(id, dom string, cpm float64, dur int) auctiontest.Offer {
		return offer(id, dom, cpm, dur, "IAB"+id)
	}
	var eps []auction.Endpoint
	for i, offers := range [][]auctiontest.Offer{
		{o("a", "a.example", 20, 15), o("b", "b.example", 18, 30)},
		{o("c", "c.example", 15, 15), o("d", "d.example", 12, 15)},
		{o("e", "e.example", 10, 30), o("f", "f.example", 9, 15)},
	} {
		bd := auctiontest.Start(b, auctiontest.Config{Offers: offers})
		eps = append(eps, auction.Endpoint{Name: string(rune('x' + i)), URL: bd.URL})
	}
	cfg := testConfig(eps...)
	cfg.PublicURL = "http://127.0.0.1:8082"
	a, err := adserver.New(cfg, adserver.Deps{Log: logging.Discard, Catalog: newFakeCatalog()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close(b.Context()) })
	return a
}

func breakArgs() *fasthttp.Args {
	var q fasthttp.Args
	q.Parse("dur=60&min=5&max=30&ps=4&uid=viewer-1&content=movie-1&session=s-1&ip=203.0.113.9&ua=Roku%2FDVP-12.5&pos=mid")
	return &q
}

// BenchmarkDecideThreeBidders is one whole decision — auction with three loopback bidders
// (in this process), fitting, resolving four inline ads, clearing, notices — without the VAST
// writing. Its time includes the bidders' own work and the loopback round trips.
func BenchmarkDecideThreeBidders(b *testing.B) {
	benchDecide(b, benchServer(b))
}

// benchDecide decides the break of breakArgs with a once per iteration, expecting four ads.
func benchDecide(b *testing.B, a *adserver.AdServer) {
	cfg := adserver.DefaultConfig()
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		br, _ := adserver.ParseBreak(breakArgs(), &cfg)
		if d := a.Decide(br, time.Now()); len(d.Ads) != 4 {
			b.Fatalf("%d ads", len(d.Ads))
		}
	}
}

// BenchmarkRenderPod is building and writing the VAST of a decided four-ad pod: 48 signed
// beacons, the trackers of the bidders, the media files.
func BenchmarkRenderPod(b *testing.B) {
	a := benchServer(b)
	cfg := adserver.DefaultConfig()
	br, _ := adserver.ParseBreak(breakArgs(), &cfg)
	d := a.Decide(br, time.Now())
	buf := vast.AppendDocument(nil, a.Document(d))
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		buf = vast.AppendDocument(buf[:0], a.Document(d))
	}
}
