package bidder

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/prebid/openrtb/v20/openrtb2"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
)

// The bidder's budget, measured side by side in one run:
//
//	BenchmarkHandleBid   the full decision for the 3.4 KB CTV pod request against 10k campaigns,
//	                     through the server wrapper (routing, metrics), gzip off
//	BenchmarkJSONFloor   a handler that only decodes the same request and encodes a fixed bid:
//	                     the cost no OpenRTB bidder in Go can go below with these types
//
// req/s/core is 1e9 / cpu-ns/op: one goroutine, CPU time of the process per request. The goal: ≥ 15k req/s/core, HandleBid ≤ 2× floor.

func benchBidder(b *testing.B, n int) *Bidder {
	cfg := testConfig()
	cs := append(benchCampaigns(n, 1), DemoCampaigns("https://cdn.test")...)
	for _, c := range cs {
		c.DailyBudgetMicros = 1 << 50 // budgets are not what is measured here
	}
	return newTestBidder(b, cfg, Deps{}, cs...)
}

func runHandler(b *testing.B, h fasthttp.RequestHandler, body []byte, gzipOut bool) {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI("/openrtb2/bid")
	ctx.Request.Header.SetContentType("application/json")
	if gzipOut {
		ctx.Request.Header.Set("Accept-Encoding", "gzip")
	}
	ctx.Request.SetBody(body)
	h(&ctx)
	if c := ctx.Response.StatusCode(); c != 200 {
		b.Fatalf("status %d: %s", c, ctx.Response.Body())
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	for b.Loop() {
		ctx.Response.Reset()
		h(&ctx)
	}
	b.StopTimer()
	// CPU time of the process per request (GC included): on a shared, busy machine wall time
	// per op also counts the time other processes held the cores; CPU time does not.
	cpuNS := float64((processCPU() - cpu0).Nanoseconds()) / float64(b.N)
	b.ReportMetric(cpuNS, "cpu-ns/op")
	b.ReportMetric(1e9/cpuNS, "req/s/core")
}

// runMix is runHandler over several bodies in turn (200 or 204 each).
func runMix(b *testing.B, h fasthttp.RequestHandler, bodies [][]byte) {
	if len(bodies) == 0 {
		b.Fatal("no bodies")
	}
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI("/openrtb2/bid")
	ctx.Request.Header.SetContentType("application/json")
	b.ReportAllocs()
	cpu0 := processCPU()
	i := 0
	for b.Loop() {
		ctx.Request.SetBody(bodies[i%len(bodies)])
		i++
		ctx.Response.Reset()
		h(&ctx)
		if c := ctx.Response.StatusCode(); c != 200 && c != 204 {
			b.Fatalf("status %d: %s", c, ctx.Response.Body())
		}
	}
	b.StopTimer()
	cpuNS := float64((processCPU() - cpu0).Nanoseconds()) / float64(b.N)
	b.ReportMetric(cpuNS, "cpu-ns/op")
	b.ReportMetric(1e9/cpuNS, "req/s/core")
}

// processCPU is the user+system CPU time of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkHandleBid(b *testing.B) {
	bd := benchBidder(b, 10_000)
	srv := server.New("bench-bidder", "127.0.0.1:0")
	srv.Handle("POST", "/openrtb2/bid", bd.HandleBid)
	body := readFixture(b, "ctv_pod.json")
	b.Run("ctv-pod", func(b *testing.B) { runHandler(b, srv.Handler(), body, false) })
	b.Run("ctv-pod-gzip", func(b *testing.B) { runHandler(b, srv.Handler(), body, true) })
	// The load generator's dynamic pod (one imp, poddur 90, maxseq 6): half its CTV requests.
	dyn := readFixture(b, "ctv_dynamic_pod.json")
	b.Run("ctv-dynamic-pod", func(b *testing.B) { runHandler(b, srv.Handler(), dyn, false) })
	// One request of each shape the load generator sends (testdata/loadtest: CTV structured and
	// dynamic pods, app interstitial, web video, display with deals, priced out), in turn: the
	// handler's share of what `cuepoint loadtest --scenario bidder` costs the bidder.
	files, _ := filepath.Glob("testdata/loadtest/*.json")
	var mix [][]byte
	for _, f := range files {
		mix = append(mix, readFixture(b, strings.TrimPrefix(f, "testdata/")))
	}
	b.Run("loadtest-mix", func(b *testing.B) { runMix(b, srv.Handler(), mix) })
}

// fixedBid is the floor handler's answer: one bid of the shape the bidder sends.
var fixedBid = openrtb2.BidResponse{ID: "", Cur: "USD", SeatBid: []openrtb2.SeatBid{{Seat: "cuepoint", Bid: []openrtb2.Bid{{
	ID: "b1", ImpID: "1", Price: 12.5, CrID: "cr", CID: "c", ADomain: []string{"adv.example"}, Dur: 30, MType: 2,
	NURL: "http://127.0.0.1:8081/v1/notice/win?t=AfDRxKvAaBByZXEtY3R2LXBvZC0wMDAxATEKMmMxYTdlOTgtMRNjdHYtc3RyZWFtY28&p=${AUCTION_PRICE}",
	AdM:  `<VAST version="4.2" xmlns="http://www.iab.com/VAST"><Ad id="cr"><InLine><AdSystem>Cuepoint</AdSystem><Impression><![CDATA[http://x/i]]></Impression><AdServingId>b1</AdServingId><AdTitle>t</AdTitle><Creatives><Creative><Linear><Duration>00:00:30</Duration><MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="1920" height="1080"><![CDATA[https://cdn.test/v.mp4]]></MediaFile></MediaFiles></Linear><UniversalAdId idRegistry="cuepoint">cr</UniversalAdId></Creative></Creatives></InLine></Ad></VAST>`,
}}}}}

// jsonFloor decodes the request with decode and encodes a fixed bid: nothing else.
func jsonFloor(decode func([]byte, *openrtb2.BidRequest) error) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		var req openrtb2.BidRequest
		if err := decode(ctx.PostBody(), &req); err != nil || len(req.Imp) == 0 {
			ctx.SetStatusCode(400)
			return
		}
		resp := fixedBid
		resp.ID = req.ID
		out, err := json.MarshalWithOption(&resp, json.DisableHTMLEscape())
		if err != nil {
			ctx.SetStatusCode(500)
			return
		}
		ctx.SetContentType("application/json")
		ctx.SetBody(out)
	}
}

func benchFloor(b *testing.B, decode func([]byte, *openrtb2.BidRequest) error) {
	srv := server.New("bench-floor", "127.0.0.1:0")
	srv.Handle("POST", "/openrtb2/bid", jsonFloor(decode))
	runHandler(b, srv.Handler(), readFixture(b, "ctv_pod.json"), false)
}

// BenchmarkJSONFloor is the floor with goccy/go-json, the codec the bidder used before its own.
func BenchmarkJSONFloor(b *testing.B) {
	benchFloor(b, func(body []byte, req *openrtb2.BidRequest) error { return json.Unmarshal(body, req) })
}

// BenchmarkJSONFloorOwnDecoder is the floor with the bidder's own decoder instead of goccy's.
func BenchmarkJSONFloorOwnDecoder(b *testing.B) {
	benchFloor(b, decodeRequest)
}

// BenchmarkHandleBidParallel is HandleBid on every core at once (contention on the pacer's
// campaign locks, the shader's counters, the pools).
func BenchmarkHandleBidParallel(b *testing.B) {
	bd := benchBidder(b, 10_000)
	body := readFixture(b, "ctv_pod.json")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/openrtb2/bid")
		ctx.Request.SetBody(body)
		for pb.Next() {
			ctx.Response.Reset()
			bd.HandleBid(&ctx)
		}
	})
}
