package bidder

import (
	stdjson "encoding/json"
	"strings"
	"testing"

	goccy "github.com/goccy/go-json"
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

// BenchmarkDecodeRequest compares, in one run, the request decoders on the two CTV fixtures:
// the bidder's (decodeRequest), goccy/go-json (its decoder until then) and encoding/json (the
// reference whose results decodeRequest reproduces). cpu-ns/op is the process's CPU per
// decode, the garbage collection of what the decode allocated included.
func BenchmarkDecodeRequest(b *testing.B) {
	for _, fx := range []string{"ctv_pod.json", "ctv_dynamic_pod.json"} {
		raw := readFixture(b, fx)
		for _, c := range []struct {
			name   string
			decode func([]byte, *openrtb2.BidRequest) error
		}{
			{"bidder", decodeRequest},
			{"goccy", func(b []byte, r *openrtb2.BidRequest) error { return goccy.Unmarshal(b, r) }},
			{"encoding-json", func(b []byte, r *openrtb2.BidRequest) error { return stdjson.Unmarshal(b, r) }},
		} {
			b.Run(strings.TrimSuffix(fx, ".json")+"/"+c.name, func(b *testing.B) {
				b.SetBytes(int64(len(raw)))
				b.ReportAllocs()
				cpu0 := processCPU()
				for b.Loop() {
					var req openrtb2.BidRequest
					if err := c.decode(raw, &req); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
