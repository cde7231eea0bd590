package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// FuzzParseBatch feeds arbitrary bodies to the request parser and the per-event judge: no
// input may panic, a parsed batch is never larger than the cap, and every item is either
// judged malformed or carries a family and an object.
func FuzzParseBatch(f *testing.F) {
	g := gen(9)
	f.Add(batch(f, g.Next(events.FamilyPlayback), g.Next(events.FamilyAds)))
	f.Add([]byte(`{"events":[{"family":"playback","event":{"v":1,"type":"qoe"}},42,{"family":"","event":[]}]}`))
	f.Add([]byte(`{"events":[{"family":"ads","event":{"v":1,"type":"impression","id":"\u0000"}}]}`))
	f.Add([]byte(`{"events":null}`))
	f.Add([]byte(`{"events":[{"Family":"recs","EVENT":{}}],"events":[]}`))
	f.Add([]byte(`[`))
	c := &Collector{skew: DefaultClockSkew, maxAge: DefaultMaxEventAge}
	sender := &testSenders()[1]
	now := time.Now()
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := parseBatch(body, 8)
		if err != nil {
			if items != nil {
				t.Fatal("items returned with an error")
			}
			return
		}
		if len(items) == 0 || len(items) > 8 {
			t.Fatalf("%d items, cap 8", len(items))
		}
		for i := range items {
			it := &items[i]
			if it.err == "" && (it.family == "" || len(it.event) == 0 || it.event[0] != '{') {
				t.Fatalf("item %d judged well-formed: %+v", i, it)
			}
			ev, label, reason := c.judge(sender, it, now)
			if (ev == nil) == (reason == "") || (reason != "" && label == "") {
				t.Fatalf("item %d: event %v, label %q, reason %q", i, ev, label, reason)
			}
		}
	})
}

// FuzzCredentials feeds arbitrary tokens, origins and signature headers to the verifiers: no
// input may panic, and nothing but a token minted with the sender's secret is accepted.
func FuzzCredentials(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	good, _ := MintToken("web-player", playerSecret, "https://a.example", time.Minute, now)
	f.Add(good, "https://a.example", Sign("web-player", playerSecret, []byte("{}"), now))
	f.Add(good[:len(good)-3], "", "t=1800000000,v1=00")
	f.Add("e30.", "null", "t=,v1=,v1=zz")
	f.Add("eyJzIjoid2ViLXBsYXllciIsIm8iOiIiLCJlIjo5OTk5OTk5OTk5OTk5OTk5OTk5fQ.AAAA", "", "t=-9223372036854775808,v1=ab")
	senders := map[string]*Sender{}
	for _, s := range testSenders() {
		senders[s.ID] = &s
	}
	f.Fuzz(func(t *testing.T, token, origin, sig string) {
		if s, err := verifyToken(senders, token, origin, now, time.Hour); err == nil {
			if token != good || s.ID != "web-player" || origin != "https://a.example" {
				t.Fatalf("accepted token %q from origin %q", token, origin)
			}
		}
		err := verifySignature(senders["web-player"], sig, []byte("{}"), now, time.Minute)
		if err == nil && !strings.HasPrefix(sig, "t=1800000000,v1=") {
			t.Fatalf("accepted signature %q", sig)
		}
	})
}
