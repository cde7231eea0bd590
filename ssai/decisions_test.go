package ssai

import (
	"reflect"
	"strings"
	"testing"
)

// TestDecisionCache: what goes in comes out, tracking URLs that share most of their text
// included; a missing or corrupt entry is a miss, never a panic.
func TestDecisionCache(t *testing.T) {
	dc, err := newDecisionCache(8)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.close()
	sig := strings.Repeat("ab", 20)
	a := &adInfo{servingID: "s-1", adID: "ad", creative: "cr", title: "Tïtle", clickThrough: "https://x.example/c"}
	for e := range numEvents {
		a.beacons[e] = []string{"https://adserver.example/t/" + eventNames[e] + "?a=s-1&p=1500000&sig=" + sig + eventNames[e]}
	}
	a.beacons[evImpression] = append(a.beacons[evImpression], "https://third.example/imp", "")
	a.errors = []string{"https://adserver.example/t/error?code=[ERRORCODE]"}
	dc.put("k", a)
	got, ok := dc.get("k")
	if !ok || !reflect.DeepEqual(got, a) {
		t.Fatalf("got %+v, want %+v", got, a)
	}
	if _, ok := dc.get("missing"); ok {
		t.Error("a missing key was found")
	}
	b, _ := dc.c.Get("k")
	for n := range len(b) {
		if err := dc.c.Set("short", b[:n]); err != nil {
			t.Fatal(err)
		}
		if got, ok := dc.get("short"); ok && n < len(b)-1 {
			t.Fatalf("a %d-byte prefix of a %d-byte entry decoded: %+v", n, len(b), got)
		}
	}
}
