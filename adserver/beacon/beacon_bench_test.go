package beacon_test

import (
	"testing"

	"github.com/cuepoint/cuepoint/adserver/beacon"
)

// BenchmarkAppendURL is signing one beacon URL; an ad carries about ten.
func BenchmarkAppendURL(b *testing.B) {
	s, _ := beacon.NewSigner(key1)
	bc := sample()
	bc.ThirdParty, bc.BillingURL = nil, ""
	buf := s.AppendURL(nil, "https://ads.example", bc)
	b.ReportAllocs()
	for b.Loop() {
		buf = s.AppendURL(buf[:0], "https://ads.example", bc)
	}
}

// BenchmarkVerify is checking one beacon as the /t/{event} handler does.
func BenchmarkVerify(b *testing.B) {
	s, _ := beacon.NewSigner(key1)
	bc := sample()
	bc.ThirdParty, bc.BillingURL = nil, ""
	ev, q := split(b, string(s.AppendURL(nil, "https://ads.example", bc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(ev, q, now); err != nil {
			b.Fatal(err)
		}
	}
}
