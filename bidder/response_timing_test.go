package bidder

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAppendResponse is writing the CTV pod's response (its bids, each with a VAST 4.2
// adm, signed notice URLs and tracking) into a warm buffer.
func BenchmarkAppendResponse(b *testing.B) {
	bd := benchBidder(b, 10_000)
	rc := getRequestCtx()
	if err := parseRequest(readFixture(b, "ctv_pod.json"), &rc.req, &rc.facts); err != nil {
		b.Fatal(err)
	}
	rc.now, rc.start = bd.now(), time.Now()
	rc.deadline = rc.now.Add(time.Hour)
	if r := bd.decide(context.Background(), rc); r != reasonNone {
		b.Fatalf("no bid: %s", r)
	}
	rc.out = bd.appendResponse(rc.out[:0], rc)
	b.SetBytes(int64(len(rc.out)))
	b.ReportAllocs()
	for b.Loop() {
		rc.out = bd.appendResponse(rc.out[:0], rc)
	}
	b.ReportMetric(float64(len(rc.bids)), "bids")
}
