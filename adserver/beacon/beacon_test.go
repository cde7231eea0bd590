package beacon_test

import (
	"bytes"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/beacon"
)

var (
	key1 = bytes.Repeat([]byte{1}, 32)
	key2 = bytes.Repeat([]byte{2}, 32)
	now  = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
)

func sample() *beacon.Beacon {
	return &beacon.Beacon{
		Event: "impression", AdServingID: "d1f2-3", Creative: "cr 1/ü", Campaign: "camp-1", Session: "s-42",
		Break: "brk-1", Viewer: "viewer-9", ADomain: "a.example", Bidder: "dsp", Position: 2,
		PriceMicros: 12_500_000, Currency: "USD", Issued: now.Add(-time.Minute),
		ThirdParty: []string{"https://3p.example/imp?x=1", "https://3p.example/imp?x=2"},
		BillingURL: "https://dsp.example/bill?p=12.5",
	}
}

// split returns the event and the parsed query of a beacon URL.
func split(t testing.TB, u string) (string, *fasthttp.Args) {
	t.Helper()
	path, q, _ := strings.Cut(u, "?")
	var a fasthttp.Args
	a.Parse(q)
	return path[strings.LastIndexByte(path, '/')+1:], &a
}

func TestSignVerifyRoundTrip(t *testing.T) {
	s, err := beacon.NewSigner(key1)
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	u := string(s.AppendURL(nil, "https://ads.example", want))
	if !strings.HasPrefix(u, "https://ads.example/t/impression?a=d1f2-3&") {
		t.Fatalf("url = %s", u)
	}
	if _, err := url.Parse(u); err != nil {
		t.Fatalf("not a URL: %v", err)
	}
	ev, q := split(t, u)
	got, err := s.Verify(ev, q, now)
	if err != nil {
		t.Fatal(err)
	}
	want.Issued = want.Issued.Truncate(time.Millisecond)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("verified\n%+v\nwant\n%+v", got, want)
	}
}

func TestTamperedOrUnsignedBeaconsAreInvalid(t *testing.T) {
	s, _ := beacon.NewSigner(key1)
	u := string(s.AppendURL(nil, "https://ads.example", sample()))
	ev, q := split(t, u)
	cases := map[string]func(*fasthttp.Args) string{
		"price raised":    func(a *fasthttp.Args) string { a.Set("p", "99000000"); return ev },
		"price dropped":   func(a *fasthttp.Args) string { a.Del("p"); return ev },
		"other ad":        func(a *fasthttp.Args) string { a.Set("a", "other"); return ev },
		"other campaign":  func(a *fasthttp.Args) string { a.Set("m", "camp-2"); return ev },
		"other event":     func(a *fasthttp.Args) string { return "click" },
		"position padded": func(a *fasthttp.Args) string { a.Set("q", "02"); return ev },
		"unsigned":        func(a *fasthttp.Args) string { a.Del("sig"); return ev },
		"signature flipped": func(a *fasthttp.Args) string {
			sig := []byte(a.Peek("sig"))
			sig[0] ^= 1
			a.SetBytesV("sig", sig)
			return ev
		},
		"unknown key":        func(a *fasthttp.Args) string { a.Set("k", "deadbeef"); return ev },
		"extra third party":  func(a *fasthttp.Args) string { a.Set("x", "AAAA"); return ev },
		"sig from other url": func(a *fasthttp.Args) string { a.Set("s", "s-43"); return ev },
	}
	for name, mutate := range cases {
		var a fasthttp.Args
		q.CopyTo(&a)
		event := mutate(&a)
		if _, err := s.Verify(event, &a, now); !errors.Is(err, beacon.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	other, _ := beacon.NewSigner(key2)
	if _, err := other.Verify(ev, q, now); !errors.Is(err, beacon.ErrInvalid) {
		t.Errorf("another key verified: %v", err)
	}
}

func TestKeyRotationAndExpiry(t *testing.T) {
	old, _ := beacon.NewSigner(key1)
	rotated, _ := beacon.NewSigner(key2, key1)
	ev, q := split(t, string(old.AppendURL(nil, "", sample())))
	if _, err := rotated.Verify(ev, q, now); err != nil {
		t.Fatalf("a beacon signed with the previous key: %v", err)
	}
	if _, err := rotated.Verify(ev, q, now.Add(beacon.DefaultMaxAge)); !errors.Is(err, beacon.ErrExpired) {
		t.Fatalf("old beacon: %v, want ErrExpired", err)
	}
	if _, err := rotated.Verify(ev, q, now.Add(-time.Hour)); !errors.Is(err, beacon.ErrExpired) {
		t.Fatalf("beacon from the future: %v, want ErrExpired", err)
	}
	if _, err := beacon.NewSigner([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}

func TestErrorBeaconCarriesTheMacroOutsideTheSignature(t *testing.T) {
	s, _ := beacon.NewSigner(key1)
	b := sample()
	b.Event, b.ThirdParty, b.BillingURL = "error", nil, ""
	u := string(s.AppendURL(nil, "", b))
	if !strings.HasSuffix(u, "&code=%5BERRORCODE%5D") {
		t.Fatalf("error beacon = %s", u)
	}
	for code, want := range map[string]int{"403": 403, "%5BERRORCODE%5D": 900, "7": 900} {
		ev, q := split(t, strings.Replace(u, "%5BERRORCODE%5D", code, 1))
		got, err := s.Verify(ev, q, now)
		if err != nil || got.ErrorCode != want {
			t.Errorf("code=%s: %+v, %v; want code %d", code, got, err, want)
		}
	}
}

func TestReplays(t *testing.T) {
	r := beacon.NewReplays(time.Hour)
	if r.Seen("ad-1", "impression", now) {
		t.Fatal("first sight reported as a replay")
	}
	if !r.Seen("ad-1", "impression", now.Add(time.Minute)) {
		t.Fatal("replay not detected")
	}
	if r.Seen("ad-1", "start", now) || r.Seen("ad-2", "impression", now) {
		t.Fatal("another event or ad reported as a replay")
	}
	if !r.Seen("ad-1", "impression", now.Add(40*time.Minute)) {
		t.Fatal("forgotten within the window")
	}
	// After two rotations (a whole window) the pair is forgotten; Verify refuses it by age.
	r.Seen("x", "y", now.Add(70*time.Minute))
	r.Seen("x", "y", now.Add(110*time.Minute))
	if got := beacon.EventID(now, "ad-1", "impression"); len(got) != 32 || got != beacon.EventID(now, "ad-1", "impression") || got == beacon.EventID(now, "ad-1", "start") {
		t.Fatalf("EventID = %s", got)
	}
}
