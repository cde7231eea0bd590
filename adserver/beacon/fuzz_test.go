package beacon_test

import (
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/beacon"
)

// FuzzVerify feeds arbitrary query strings to Verify (corpus: testdata/fuzz/FuzzVerify). It
// must never panic, and nothing but a genuine signed query may verify.
func FuzzVerify(f *testing.F) {
	s, _ := beacon.NewSigner(key1)
	_, genuine := split(f, string(s.AppendURL(nil, "", sample())))
	f.Add("impression", string(genuine.QueryString()))
	f.Fuzz(func(t *testing.T, event, query string) {
		var a fasthttp.Args
		a.Parse(query)
		b, err := s.Verify(event, &a, now)
		if err != nil {
			return
		}
		// It verified: re-signing what it says must reproduce a verifying URL.
		_, q := split(t, string(s.AppendURL(nil, "", b)))
		if _, err := s.Verify(event, q, now); err != nil {
			t.Fatalf("re-signed beacon fails: %v", err)
		}
	})
}
