package adserver

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prebid/openrtb/v20/openrtb2"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/auction"
)

// FuzzParseBreak feeds arbitrary query strings to GET /vast's parameter parser. It must never
// panic; a refusal is always a "bad parameter" (400) naming the parameter; an accepted break
// keeps every limit — length within (0, --max-break], pod size within 1..--max-pod-ads, a
// structured pod's slots within the pod size and the break, each slot able to hold an allowed
// length — and its bid request is OpenRTB 2.6 JSON with one impression per slot.
func FuzzParseBreak(f *testing.F) {
	for _, s := range []string{
		"dur=60&min=5&max=30&ps=4&uid=viewer-1&content=movie-1&session=s-1&ip=203.0.113.9&ua=Roku%2FDVP-12.5&pos=mid",
		"slots=30,15,15&pos=pre&durs=15,30",
		"slots=15,15&dur=40&min=10&ps=3&sst=1&gdpr=1&gdpr_consent=CP",
		"dur=30&durs=15,x", "slots=1,1,1,1,1,1,1,1,1,1,1", "dur=1e6", "dur=NaN&slots=0",
	} {
		f.Add(s)
	}
	cfg := DefaultConfig()
	a := &AdServer{cfg: cfg}
	f.Fuzz(func(t *testing.T, query string) {
		var q fasthttp.Args
		q.Parse(query)
		br, err := ParseBreak(&q, &cfg)
		if err != nil {
			if !errors.Is(err, errParam) || !strings.HasPrefix(err.Error(), "bad parameter ") {
				t.Fatalf("refusal %q is not a bad parameter", err)
			}
			return
		}
		if br.Duration <= 0 || br.Duration > cfg.MaxBreak || br.PodSize < 1 || br.PodSize > cfg.MaxPodAds {
			t.Fatalf("accepted %+v outside the limits", br)
		}
		var total time.Duration
		for _, d := range br.Slots {
			if d <= 0 || !slotAccepts(br, d) {
				t.Fatalf("slot %s accepts no allowed length: %+v", d, br)
			}
			total += d
		}
		if total > br.Duration || len(br.Slots) > br.PodSize {
			t.Fatalf("slots %v do not fit the break %s / %d ads", br.Slots, br.Duration, br.PodSize)
		}
		var req openrtb2.BidRequest
		r := a.buildRequest(br, "auction-1", 50*time.Millisecond, new(auction.Request))
		if err := json.Unmarshal(r.AppendJSON(nil), &req); err != nil {
			t.Fatalf("bid request: %v", err)
		}
		if want := max(1, len(br.Slots)); len(req.Imp) != want {
			t.Fatalf("%d imps, want %d", len(req.Imp), want)
		}
	})
}
