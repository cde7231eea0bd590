package bidder

import (
	"testing"

	"github.com/prebid/openrtb/v20/openrtb2"
)

// BenchmarkParseRequest is decoding and validating the 3.4 KB CTV pod request: most of a bid's
// CPU (see BENCHMARKS.md for the codec comparison behind the choice of decoder).
func BenchmarkParseRequest(b *testing.B) {
	raw := readFixture(b, "ctv_pod.json")
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var req openrtb2.BidRequest
		var f requestFacts
		if err := parseRequest(raw, &req, &f); err != nil {
			b.Fatal(err)
		}
	}
}
