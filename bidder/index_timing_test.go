package bidder

import (
	"fmt"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/prebid/openrtb/v20/openrtb2"
)

// BenchmarkIndexEval measures matching the CTV pod request's request-level and imp-level
// dimensions against 1k, 10k and 100k campaigns: the cost grows with campaigns/64 (one word
// per 64 campaigns per constrained dimension) plus the posting lists of the request's values.
func BenchmarkIndexEval(b *testing.B) {
	raw := readFixture(b, "ctv_pod.json")
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("campaigns=%d", n), func(b *testing.B) {
			ix := NewIndex(benchCampaigns(n, 1))
			var req openrtb2.BidRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				b.Fatal(err)
			}
			rc := &requestCtx{req: req, priv: privacy{personalize: true}}
			rc.buildAssignment(time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC))
			rc.asg.vals[dimMedia] = append(rc.asg.vals[dimMedia], TypeVideo)
			rc.asg.vals[dimDeal] = append(rc.asg.vals[dimDeal], openMarket, "deal-ctv-premium")
			rc.asg.vals[dimPlcmt] = append(rc.asg.vals[dimPlcmt], "1")
			rc.size(ix)
			matched := 0
			b.ReportAllocs()
			for b.Loop() {
				rc.res.copyFrom(ix.all)
				ix.eval(&rc.asg, allDims, rc.res, rc.mask)
				matched = rc.res.count()
			}
			b.ReportMetric(float64(matched), "matched")
		})
	}
}

func BenchmarkNewIndex10k(b *testing.B) {
	cs := benchCampaigns(10_000, 1)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(cs)
	}
}
