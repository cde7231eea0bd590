package collector

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// The acceptance test of the issue: malformed events get 400s with their reasons and are
// counted; the good ones of the same batch land in Kafka, once each.
func TestMalformedEventsRejectedGoodOnesLand(t *testing.T) {
	s := newStack(t)
	g := gen(1)
	var good []events.Typed
	for i := range 6 {
		good = append(good, g.Next([]events.Family{events.FamilyPlayback, events.FamilyAds}[i%2]))
	}
	future := g.Next(events.FamilyPlayback)
	future.EventHeader().Time = time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	body := batch(t,
		good[0],
		`{"family":"playback","event":{"v":1,"type":"qoe","id":"x"}}`, // 1: invalid: required fields missing
		good[1],
		`{"family":"playback","event":{"v":"one"}}`,           // 3: syntax
		`{"family":"weather","event":{}}`,                     // 4: unknown family
		g.Next(events.FamilyWins),                             // 5: web-player may not send wins
		`{"family":"playback","event":{"v":1,"type":"nope"}}`, // 6: unknown type
		`42`, // 7: not an element
		good[2], good[3],
		future, // 10: clock skew
		`{"family":"ads","event":{"v":2,"type":"impression"}}`, // 11: version
		good[4], good[5],
	)
	a := s.signed(t, "web-player", playerSecret, body)
	if a.status != http.StatusOK || a.resp.Accepted != 6 || a.resp.Duplicates != 0 {
		t.Fatalf("mixed batch: %d %+v %q, want 200 with 6 accepted", a.status, a.resp, a.err)
	}
	wantReason := map[int]string{1: "invalid", 3: "syntax", 4: "unknown family", 5: "may not send wins", 6: "unknown_type",
		7: "not an object", 10: "ahead of the server's clock", 11: "version"}
	if len(a.resp.Rejected) != len(wantReason) {
		t.Fatalf("rejected %+v, want indexes %v", a.resp.Rejected, wantReason)
	}
	for _, r := range a.resp.Rejected {
		if !strings.Contains(r.Reason, wantReason[r.Index]) {
			t.Errorf("event %d rejected for %q, want a reason mentioning %q", r.Index, r.Reason, wantReason[r.Index])
		}
	}

	allBad := batch(t, `{"family":"playback","event":{"v":1}}`, `{"family":"recs","event":{}}`)
	a = s.signed(t, "web-player", playerSecret, allBad)
	if a.status != http.StatusBadRequest || a.resp.Accepted != 0 || len(a.resp.Rejected) != 2 {
		t.Fatalf("all-bad batch: %d %+v, want 400 with both rejected", a.status, a.resp)
	}

	for reason, want := range map[string]uint64{"invalid": 1, "syntax": 1, "unknown_family": 1, "not_allowed": 2, "unknown_type": 2,
		"malformed": 1, "clock_skew": 1, "version": 1} {
		name := `cuepoint_collector_events_rejected_total{service="` + s.service + `",reason="` + reason + `"}`
		if got := metrics.Counter(name).Get(); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}

	ids := consumeIDs(t, s.brokers, 6)
	for _, ev := range good {
		if ids[ev.EventHeader().ID] != 1 {
			t.Errorf("good event %s reached Kafka %d times, want once", ev.EventHeader().ID, ids[ev.EventHeader().ID])
		}
	}
}

// A client that retries a batch (say its response was lost) does not double count.
func TestRetriedBatchIsNotCountedTwice(t *testing.T) {
	s := newStack(t)
	g := gen(2)
	evs := []any{g.Next(events.FamilyRecs), g.Next(events.FamilyRecs), g.Next(events.FamilyAds)}
	body := batch(t, evs...)
	if a := s.signed(t, "partner", partnerSecret, body); a.status != 200 || a.resp.Accepted != 3 {
		t.Fatalf("first post: %d %+v", a.status, a.resp)
	}
	a := s.signed(t, "partner", partnerSecret, body)
	if a.status != 200 || a.resp.Accepted != 0 || a.resp.Duplicates != 3 {
		t.Fatalf("retry: %d %+v, want 200 with 3 duplicates and nothing accepted", a.status, a.resp)
	}
	ids := consumeIDs(t, s.brokers, 3)
	if len(ids) != 3 {
		t.Fatalf("Kafka holds %d distinct events, want 3", len(ids))
	}
}

func TestSignedSenders(t *testing.T) {
	s := newStack(t)
	body := batch(t, gen(3).Next(events.FamilyPlayback))
	now := time.Now()
	cases := []struct {
		name    string
		headers map[string]string
		status  int
		msg     string
	}{
		{"no credentials", nil, 401, "no credentials"},
		{"unknown sender", map[string]string{HeaderSender: "mallory", HeaderSignature: Sign("mallory", playerSecret, body, now)}, 401, "unknown sender"},
		{"wrong secret", map[string]string{HeaderSender: "web-player", HeaderSignature: Sign("web-player", partnerSecret, body, now)}, 401, "does not match"},
		{"signature of another body", map[string]string{HeaderSender: "web-player", HeaderSignature: Sign("web-player", playerSecret, append(body, ' '), now)}, 401, "does not match"},
		{"another sender's signature", map[string]string{HeaderSender: "partner", HeaderSignature: Sign("web-player", partnerSecret, body, now)}, 401, "does not match"},
		{"stale signature", map[string]string{HeaderSender: "web-player", HeaderSignature: Sign("web-player", playerSecret, body, now.Add(-time.Hour))}, 401, "from the server's clock"},
		{"malformed signature", map[string]string{HeaderSender: "web-player", HeaderSignature: "sha256=abc"}, 401, "malformed"},
		{"good", map[string]string{HeaderSender: "web-player", HeaderSignature: Sign("web-player", playerSecret, body, now)}, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := s.post(t, "", body, c.headers)
			if a.status != c.status || !strings.Contains(a.err, c.msg) {
				t.Fatalf("%d %q, want %d mentioning %q", a.status, a.err, c.status, c.msg)
			}
			if c.status == 401 && a.header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	// An older secret of a sender verifies until it is removed (key rotation).
	b2 := batch(t, gen(5).Next(events.FamilyRecs))
	if a := s.signed(t, "partner", oldSecret, b2); a.status != 200 {
		t.Fatalf("older secret: %d %q", a.status, a.err)
	}
	name := `cuepoint_collector_requests_refused_total{service="` + s.service + `",reason="bad_signature"}`
	if got := metrics.Counter(name).Get(); got != 4 {
		t.Errorf("%s = %d, want 4", name, got)
	}
}

func TestBrowserTokens(t *testing.T) {
	s := newStack(t)
	const origin = "https://player.example.com"
	now := time.Now()
	good, err := MintToken("web-player", playerSecret, origin, 10*time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := MintToken("web-player", playerSecret, origin, time.Minute, now.Add(-time.Hour))
	forged, _ := MintToken("web-player", partnerSecret, origin, 10*time.Minute, now)
	tooLong, _ := MintToken("web-player", playerSecret, origin, 48*time.Hour, now)
	g := gen(6)

	cases := []struct {
		name   string
		query  string
		header map[string]string
		status int
		msg    string
	}{
		{"header token", "", map[string]string{HeaderToken: good, "Origin": origin}, 200, ""},
		{"query token (sendBeacon)", "?token=" + good, map[string]string{"Origin": origin, "Content-Type": "text/plain"}, 200, ""},
		{"other origin", "", map[string]string{HeaderToken: good, "Origin": "https://evil.example"}, 403, "this request's Origin is https://evil.example"},
		{"no origin", "", map[string]string{HeaderToken: good}, 403, "(none)"},
		{"expired", "", map[string]string{HeaderToken: expired, "Origin": origin}, 401, "expired"},
		{"minted with another secret", "", map[string]string{HeaderToken: forged, "Origin": origin}, 401, "does not match"},
		{"valid too long", "", map[string]string{HeaderToken: tooLong, "Origin": origin}, 401, "longer than"},
		{"garbage", "", map[string]string{HeaderToken: "abc", "Origin": origin}, 401, "malformed token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := s.post(t, c.query, batch(t, g.Next(events.FamilyPlayback)), c.header)
			if a.status != c.status || !strings.Contains(a.err, c.msg) {
				t.Fatalf("%d %q, want %d mentioning %q", a.status, a.err, c.status, c.msg)
			}
			if c.status == 200 && a.header.Get("Access-Control-Allow-Origin") != origin {
				t.Fatalf("accepted without Access-Control-Allow-Origin: %v", a.header)
			}
		})
	}

	req, _ := http.NewRequest("OPTIONS", s.base+Path, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), HeaderToken) {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
}

func TestSizeCapsAndGzip(t *testing.T) {
	s := newStack(t, WithMaxEvents(4), WithMaxBodyBytes(8<<10))
	g := gen(7)

	tooMany := batch(t, g.Next(events.FamilyAds), g.Next(events.FamilyAds), g.Next(events.FamilyAds), g.Next(events.FamilyAds), g.Next(events.FamilyAds))
	if a := s.signed(t, "web-player", playerSecret, tooMany); a.status != 413 || !strings.Contains(a.err, "limit 4") {
		t.Fatalf("5 events, limit 4: %d %q", a.status, a.err)
	}

	// A small gzip body inflating past the cap is refused without inflating it all.
	pad := `{"family":"ads","event":{"v":1,"pad":"` + strings.Repeat("x", 64<<10) + `"}}`
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(batch(t, pad))
	zw.Close()
	a := s.post(t, "", z.Bytes(), map[string]string{"Content-Encoding": "gzip",
		HeaderSender: "web-player", HeaderSignature: Sign("web-player", playerSecret, z.Bytes(), time.Now())})
	if a.status != 413 {
		t.Fatalf("gzip body over the cap: %d %q", a.status, a.err)
	}

	// gzip is accepted, and the signature covers the bytes as sent.
	ev := g.Next(events.FamilyPlayback)
	z.Reset()
	zw = gzip.NewWriter(&z)
	zw.Write(batch(t, ev))
	zw.Close()
	a = s.post(t, "", z.Bytes(), map[string]string{"Content-Encoding": "gzip",
		HeaderSender: "web-player", HeaderSignature: Sign("web-player", playerSecret, z.Bytes(), time.Now())})
	if a.status != 200 || a.resp.Accepted != 1 {
		t.Fatalf("gzip body: %d %+v %q", a.status, a.resp, a.err)
	}

	for _, bad := range []string{``, `[]`, `{"events":[]}`, `{"events":{}}`, `{"evts":[1]}`, `not json`} {
		if a := s.signed(t, "web-player", playerSecret, []byte(bad)); a.status != 400 || a.err == "" {
			t.Errorf("body %q: %d %+v, want 400 with an error", bad, a.status, a)
		}
	}
}
