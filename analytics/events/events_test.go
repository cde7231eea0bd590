package events_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

func encode(t testing.TB, ev events.Event) []byte {
	t.Helper()
	b, err := ev.Append(nil)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	for _, ev := range eventstest.EveryType(t0) {
		typed := ev.(events.Typed)
		t.Run(typed.Type(), func(t *testing.T) {
			if err := typed.Validate(); err != nil {
				t.Fatalf("sample does not validate: %v", err)
			}
			b := encode(t, ev)
			if !json.Valid(b) {
				t.Fatalf("Append wrote invalid JSON: %s", b)
			}
			got, err := events.Decode(ev.Family(), b)
			if err != nil {
				t.Fatalf("Decode(%s): %v", b, err)
			}
			if !reflect.DeepEqual(got, ev) {
				t.Fatalf("round trip changed the event\n got %#v\nwant %#v", got, ev)
			}
		})
	}
}

// TestAppendMatchesStructTags holds the hand-written encoders to the struct tags: the keys
// Append writes are exactly those encoding/json writes for the same value.
func TestAppendMatchesStructTags(t *testing.T) {
	for _, ev := range eventstest.EveryType(t0) {
		ours := keys(t, encode(t, ev))
		std, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		want := keys(t, std)
		want = append(want, "type") // the wire type of fixed-type events is not a struct field
		want = dedupe(want)
		if !reflect.DeepEqual(ours, want) {
			t.Errorf("%T: Append keys %v, struct tags %v", ev, ours, want)
		}
	}
}

func keys(t *testing.T, b []byte) []string {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func TestAppendFormat(t *testing.T) {
	ev := &events.RecsAction{
		Header: events.Header{V: 1, ID: "abc", Time: t0, Service: "recs"},
		Kind:   events.ActionClick, ListID: "l1", UserID: "u1", ItemID: "i1", Position: 3,
	}
	want := `{"v":1,"type":"click","id":"abc","time":"2025-03-04T05:06:07.891Z","service":"recs","list":"l1","user":"u1","item":"i1","position":3}`
	if got := string(encode(t, ev)); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// Appending reuses dst.
	buf := make([]byte, 0, 512)
	out, _ := ev.Append(buf[:0])
	if &out[0] != &buf[:1][0] {
		t.Error("Append did not write into dst's capacity")
	}
}

func TestQuote(t *testing.T) {
	ev := &events.QoE{
		Header: events.Header{V: 1, ID: "x", Time: t0, Service: "player"}, SessionID: "s", ContentID: "c",
		LastError: "tab\tnl\nquote\"back\\ctl\x01 é ü \u2028",
	}
	b := encode(t, ev)
	got, err := events.Decode(events.FamilyPlayback, b)
	if err != nil {
		t.Fatalf("Decode(%s): %v", b, err)
	}
	if g := got.(*events.QoE).LastError; g != ev.LastError {
		t.Fatalf("LastError %q, want %q", g, ev.LastError)
	}
	// Invalid UTF-8 is written as U+FFFD, so the output stays valid JSON.
	ev.LastError = "bad \xff byte"
	if b := encode(t, ev); !json.Valid(b) || !strings.Contains(string(b), "bad \ufffd byte") {
		t.Fatalf("invalid UTF-8 not replaced: %q", b)
	}
}

func TestDecodeTimeToUTC(t *testing.T) {
	in := `{"v":1,"type":"qoe","id":"x","time":"2025-03-04T07:06:07.5+02:00","service":"player","session":"s","content":"c","watch_ms":1,"rebuffers":0,"rebuffer_ms":0,"bitrate_switches":0,"bitrate_kbps":0,"errors":0}`
	ev, err := events.Decode(events.FamilyPlayback, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	tm := ev.(events.Typed).EventHeader().Time
	if tm.Location() != time.UTC || !tm.Equal(time.Date(2025, 3, 4, 5, 6, 7, 5e8, time.UTC)) {
		t.Fatalf("time %v, want 2025-03-04T05:06:07.5Z in UTC", tm)
	}
}

func TestDecodeIgnoresUnknownFields(t *testing.T) {
	in := `{"v":1,"type":"click","id":"x","time":"2025-03-04T05:06:07Z","service":"recs","list":"l","user":"u","item":"i","position":1,"added_later":{"a":[1,2]}}`
	if _, err := events.Decode(events.FamilyRecs, []byte(in)); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeAccepts(t *testing.T) {
	rest := `"time":"2025-03-04T05:06:07Z","service":"recs","list":"l","user":"u","item":"i","position":1}`
	cases := map[string]string{
		"white space":        " {\n\t\"v\" : 1 ,\r\"type\":\"click\", \"id\":\"x\", " + rest + "\n",
		"escaped key":        `{"\u0076":1,"type":"click","id":"x",` + rest,
		"escaped value":      `{"v":1,"type":"cl\u0069ck","id":"x",` + rest,
		"type last":          `{"id":"x",` + rest[:len(rest)-1] + `,"type":"click","v":1}`,
		"null optional":      `{"v":1,"type":"click","id":"x","model":null,"request_id":null,` + rest,
		"unknown everything": `{"v":1,"type":"click","id":"x","a":{"b":[1,2.5e-3,-0,true,false,null,"\u00e9"]},"c":"",` + rest,
		"negative zero":      `{"v":1,"type":"click","id":"x",` + strings.Replace(rest, `"position":1`, `"position":-0,"position_hint":1`, 1),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := events.Decode(events.FamilyRecs, []byte(in))
			if name == "negative zero" {
				if events.ReasonOf(err) != events.ReasonInvalid { // position 0 is out of range
					t.Fatalf("got %v, want an invalid position", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%s): %v", in, err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := `"id":"x","time":"2025-03-04T05:06:07Z","service":"recs","list":"l","user":"u","item":"i","position":1}`
	cases := []struct {
		name   string
		family events.Family
		in     string
		reason events.Reason
	}{
		{"empty", events.FamilyRecs, ``, events.ReasonSyntax},
		{"not json", events.FamilyRecs, `hello`, events.ReasonSyntax},
		{"array", events.FamilyRecs, `[1,2]`, events.ReasonSyntax},
		{"truncated", events.FamilyRecs, `{"v":1,"type":"click",` + valid[:20], events.ReasonSyntax},
		{"trailing garbage", events.FamilyRecs, `{"v":1,"type":"click",` + valid + `x`, events.ReasonSyntax},
		{"no version", events.FamilyRecs, `{"type":"click",` + valid, events.ReasonVersion},
		{"future version", events.FamilyRecs, `{"v":2,"type":"click",` + valid, events.ReasonVersion},
		{"unknown type", events.FamilyRecs, `{"v":1,"type":"hover",` + valid, events.ReasonUnknownType},
		{"type of another family", events.FamilyBids, `{"v":1,"type":"click",` + valid, events.ReasonUnknownType},
		{"unknown family", events.Family("nope"), `{"v":1,"type":"click",` + valid, events.ReasonUnknownFamily},
		{"wrong field type", events.FamilyRecs, `{"v":1,"type":"click","position":"one",` + valid[:len(valid)-len(`,"position":1}`)] + `}`, events.ReasonSyntax},
		{"fraction in an integer", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `"position":1`, `"position":1.5`, 1), events.ReasonSyntax},
		{"missing field", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `"user":"u",`, ``, 1), events.ReasonInvalid},
		{"out of range", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `"position":1`, `"position":-4`, 1), events.ReasonInvalid},
		{"bad time", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `2025-03-04T05:06:07Z`, `yesterday`, 1), events.ReasonSyntax},
		{"ancient time", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `2025-03-04`, `1970-01-01`, 1), events.ReasonInvalid},
		{"duplicate key", events.FamilyRecs, `{"v":1,"type":"click","user":"u2",` + valid, events.ReasonSyntax},
		{"duplicate type", events.FamilyRecs, `{"v":1,"type":"click","type":"play",` + valid, events.ReasonSyntax},
		{"key differs in case", events.FamilyRecs, `{"v":1,"type":"click","User":"u2",` + valid, events.ReasonSyntax},
		{"null event", events.FamilyRecs, `null`, events.ReasonSyntax},
		{"leading zero", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `"position":1`, `"position":01`, 1), events.ReasonSyntax},
		{"integer overflow", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `"position":1`, `"position":9223372036854775808`, 1), events.ReasonSyntax},
		{"control character", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `"u"`, "\"u\x01\"", 1), events.ReasonSyntax},
		{"bad escape", events.FamilyRecs, `{"v":1,"type":"click",` + strings.Replace(valid, `"u"`, `"\x41"`, 1), events.ReasonSyntax},
		{"bad unknown value", events.FamilyRecs, `{"v":1,"type":"click","later":[1,],` + valid, events.ReasonSyntax},
		{"too large", events.FamilyRecs, `{"v":1,"type":"click","pad":"` + strings.Repeat("x", events.MaxSize) + `",` + valid, events.ReasonTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := events.Decode(c.family, []byte(c.in))
			if err == nil {
				t.Fatalf("Decode accepted %q as %#v", c.in, ev)
			}
			var de *events.DecodeError
			if !errors.As(err, &de) || de.Reason != c.reason || events.ReasonOf(err) != c.reason {
				t.Fatalf("error %v (reason %q), want reason %q", err, events.ReasonOf(err), c.reason)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	h := events.Header{V: 1, ID: "x", Time: t0, Service: "bidder"}
	bid := func(mod func(*events.BidRequest)) *events.BidRequest {
		b := &events.BidRequest{Header: h, AuctionID: "a", Exchange: "e", Imps: 1, LatencyUS: 5}
		mod(b)
		return b
	}
	cases := []struct {
		name  string
		ev    events.Typed
		field string // "" when valid
	}{
		{"minimal bid request", bid(func(*events.BidRequest) {}), ""},
		{"missing id", bid(func(b *events.BidRequest) { b.ID = "" }), "id"},
		{"id with space", bid(func(b *events.BidRequest) { b.ID = "a b" }), "id"},
		{"id too long", bid(func(b *events.BidRequest) { b.ID = strings.Repeat("a", events.MaxTokenLen+1) }), "id"},
		{"zero time", bid(func(b *events.BidRequest) { b.Time = time.Time{} }), "time"},
		{"missing service", bid(func(b *events.BidRequest) { b.Service = "" }), "service"},
		{"no imps", bid(func(b *events.BidRequest) { b.Imps = 0 }), "imps"},
		{"unknown format", bid(func(b *events.BidRequest) { b.Formats = []string{"hologram"} }), "formats"},
		{"negative floor", bid(func(b *events.BidRequest) { b.FloorMicros = -1 }), "floor_micros"},
		{"bad currency", bid(func(b *events.BidRequest) { b.Currency = "usd" }), "cur"},
		{"free bid", bid(func(b *events.BidRequest) {
			b.Bids = []events.Bid{{ImpID: "1", Campaign: "c", Creative: "k"}}
		}), "bids.price_micros"},
		{"bid with no-bid reason", bid(func(b *events.BidRequest) {
			b.Bids = []events.Bid{{ImpID: "1", PriceMicros: 1, Campaign: "c", Creative: "k"}}
			b.NBR = 2
		}), "nbr"},
		{"latency over an hour", bid(func(b *events.BidRequest) { b.LatencyUS = events.MaxLatencyUS + 1 }), "latency_us"},
		{"notice kind", &events.Notice{Header: h, Kind: "maybe", AuctionID: "a", Campaign: "c", Creative: "k"}, "type"},
		{"loss reason on a win", &events.Notice{Header: h, Kind: events.NoticeWin, AuctionID: "a", Campaign: "c", Creative: "k", LossReason: 3}, "loss_reason"},
		{"decision without break", &events.AdDecision{Header: h, SessionID: "s", RequestedMS: 1}, "break"},
		{"error without code", &events.AdTracking{Header: h, Kind: events.TrackError, SessionID: "s", Creative: "k"}, "vast_error"},
		{"code on a start", &events.AdTracking{Header: h, Kind: events.TrackStart, SessionID: "s", Creative: "k", VASTError: 400}, "vast_error"},
		{"unknown source", &events.AdTracking{Header: h, Kind: events.TrackStart, SessionID: "s", Creative: "k", Source: "cdn"}, "source"},
		{"tracking kind", &events.AdTracking{Header: h, Kind: "rewind", SessionID: "s", Creative: "k"}, "type"},
		{"pause", &events.AdTracking{Header: h, Kind: events.TrackPause, SessionID: "s", Creative: "k"}, ""},
		{"negative price", &events.AdTracking{Header: h, Kind: events.TrackImpression, SessionID: "s", Creative: "k", PriceMicros: -1}, "price_micros"},
		{"price over the limit", &events.AdTracking{Header: h, Kind: events.TrackImpression, SessionID: "s", Creative: "k", PriceMicros: events.MaxMicros + 1}, "price_micros"},
		{"tracking currency", &events.AdTracking{Header: h, Kind: events.TrackImpression, SessionID: "s", Creative: "k", Currency: "eur"}, "currency"},
		{"viewer with space", &events.AdTracking{Header: h, Kind: events.TrackMute, SessionID: "s", Creative: "k", Viewer: "a b"}, "viewer"},
		{"received before 2000", bid(func(b *events.BidRequest) { b.Received = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) }), "received"},
		{"received", bid(func(b *events.BidRequest) { b.Received = t0 }), ""},
		{"session start", &events.SessionStart{Header: h, SessionID: "s", Source: "demo", Mode: events.ModeStitched}, ""},
		{"session start mode", &events.SessionStart{Header: h, SessionID: "s", Source: "demo", Mode: "cdn"}, "mode"},
		{"session start without source", &events.SessionStart{Header: h, SessionID: "s", Mode: events.ModeStitched}, "source"},
		{"negative decision wait", &events.SessionStart{Header: h, SessionID: "s", Source: "demo", Mode: events.ModeStitched, DecisionUS: -1}, "decision_us"},
		{"negative preroll", &events.SessionStart{Header: h, SessionID: "s", Source: "demo", Mode: events.ModeStitched, PrerollAds: -1}, "preroll_ads"},
		{"negative watch time", &events.QoE{Header: h, SessionID: "s", ContentID: "c", WatchMS: -1}, "watch_ms"},
		{"error text not UTF-8", &events.QoE{Header: h, SessionID: "s", ContentID: "c", LastError: "\xff"}, "last_error"},
		{"empty list", &events.RecsServed{Header: h, UserID: "u", Model: "m"}, "items"},
		{"position 0", &events.RecsAction{Header: h, Kind: events.ActionClick, ListID: "l", UserID: "u", ItemID: "i"}, "position"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.ev.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ve *events.ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field {
				t.Fatalf("error %v, want one on field %q", err, c.field)
			}
		})
	}
}

func TestGeneratorEventsValidate(t *testing.T) {
	g := eventstest.New(7, t0)
	for _, f := range events.Families {
		for i := 0; i < 200; i++ {
			ev := g.Next(f)
			if ev.Family() != f {
				t.Fatalf("Next(%s) gave a %s event", f, ev.Family())
			}
			if err := ev.Validate(); err != nil {
				t.Fatalf("Next(%s): %v", f, err)
			}
			if _, err := events.Decode(f, encode(t, ev)); err != nil {
				t.Fatalf("Next(%s): %v", f, err)
			}
		}
	}
}

func TestKeys(t *testing.T) {
	for _, ev := range eventstest.EveryType(t0) {
		if ev.Key() == "" {
			t.Errorf("%T has an empty key", ev)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 10000; i++ {
		id := events.NewID()
		if len(id) != events.IDLen || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("id %q is not %d hex digits", id, events.IDLen)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
		if id[:12] < prev {
			t.Fatalf("time prefix went backwards: %s after %s", id[:12], prev)
		}
		prev = id[:12]
	}
	buf := make([]byte, 0, events.IDLen)
	if n := testing.AllocsPerRun(100, func() { buf = events.AppendID(buf[:0]) }); n != 0 {
		t.Errorf("AppendID: %v allocations", n)
	}
}

func TestTopics(t *testing.T) {
	for _, f := range events.Families {
		if f.Topic() != "cuepoint."+string(f) {
			t.Errorf("%s: topic %s", f, f.Topic())
		}
	}
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2025, 3, 4, 5, 6, 7, 891_999_999, time.UTC),
		time.Date(2000, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2099, 1, 1, 0, 0, 0, 5_000_000, time.FixedZone("x", 3600)),
	} {
		ev := &events.RecsAction{Header: events.Header{V: 1, ID: "x", Time: tm, Service: "s"}, Kind: events.ActionClick, ListID: "l", UserID: "u", ItemID: "i", Position: 1}
		want := `"time":"` + tm.UTC().Format("2006-01-02T15:04:05.000Z") + `"`
		if got := string(encode(t, ev)); !strings.Contains(got, want) {
			t.Errorf("%v: %s does not contain %s", tm, got, want)
		}
	}
}
