package player

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/origin/live"
)

// ssaiContract is a real HTTP server speaking SSAI's session contract (docs/ssai.md) over our
// origin's VOD: POST /v1/sessions answers 201 with the manifest and tracking URLs and an
// X-Request-Id; the tracking JSON has a 2 s preroll avail with one ad and its six events, and a
// 2 s "midroll" avail at 4 s; beacon URLs point back at this server, which counts them.
type ssaiContract struct {
	origin string
	base   string
	mu     sync.Mutex
	bodies []SessionRequest
	hits   map[string]int
}

func (c *ssaiContract) start(t *testing.T) string {
	c.hits = map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(c.handle))
	t.Cleanup(srv.Close)
	c.base = srv.URL
	return srv.URL
}

func (c *ssaiContract) handle(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/sessions":
		var req SessionRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Source == "" {
			http.Error(w, "bad session request", 400)
			return
		}
		c.mu.Lock()
		c.bodies = append(c.bodies, req)
		c.mu.Unlock()
		w.Header().Set("X-Request-Id", "trace-"+req.UID)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"session":"tok-%s","id":"sid-%s","manifestUrl":%q,"trackingUrl":%q}`, req.UID, req.UID, c.origin+"/vod/demo/master.m3u8", c.base+"/tracking/"+req.Beacons)
	case r.URL.Path == "/tracking/client" || r.URL.Path == "/tracking/server" || r.URL.Path == "/tracking/":
		client := r.URL.Path == "/tracking/client"
		urls := func(ev string) string {
			if !client {
				return "[]"
			}
			return fmt.Sprintf(`[%q]`, c.base+"/beacon/"+ev)
		}
		var evs []string
		for _, e := range []struct {
			name string
			off  float64
		}{{"impression", 0}, {"start", 0}, {"firstQuartile", 0.5}, {"midpoint", 1}, {"thirdQuartile", 1.5}, {"complete", 2}} {
			evs = append(evs, fmt.Sprintf(`{"event":%q,"offset":%g,"urls":%s}`, e.name, e.off, urls(e.name)))
		}
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, `{"avails":[{"id":"b1","startTime":0,"duration":2,"ads":[{"id":"ad-1","sequence":1,"startTime":0,"duration":2,"adId":"a1","creative":"c1","clickThrough":"https://example.com/","trackingEvents":[%s]}]},
			{"id":"b2","startTime":4,"duration":2,"ads":[]}]}`, joinComma(evs))
	case len(r.URL.Path) > len("/beacon/") && r.URL.Path[:len("/beacon/")] == "/beacon/":
		c.mu.Lock()
		c.hits[r.URL.Path[len("/beacon/"):]]++
		c.mu.Unlock()
		w.WriteHeader(204)
	default:
		http.NotFound(w, r)
	}
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// events is an in-process emitter that keeps what it is given (what a producer would send).
type eventLog struct {
	mu  sync.Mutex
	evs []events.Event
}

func (e *eventLog) Emit(ev events.Event) { e.mu.Lock(); e.evs = append(e.evs, ev); e.mu.Unlock() }

// TestClientBeacons starts a session with POST /v1/sessions (client-side beacons), plays the VOD,
// and checks every beacon URL is fetched exactly once, at its media time, and that the preroll's
// segments are counted as ad segments.
func TestClientBeacons(t *testing.T) {
	c := &ssaiContract{origin: startOrigin(t, nil)}
	base := c.start(t)
	var qoe eventLog
	p := New(virtual(), WithEmitter(&qoe), WithQoEInterval(2*time.Second))
	defer p.Close()
	res, err := p.Play(context.Background(), SessionsURL(base, SessionRequest{Source: "demo", UID: "v1", Beacons: "client"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.bodies) != 1 || c.bodies[0] != (SessionRequest{Source: "demo", UID: "v1", Beacons: "client"}) {
		t.Fatalf("session requests %+v", c.bodies)
	}
	if res.Info.RequestID != "trace-v1" || res.Info.Session != "tok-v1" || res.Info.ID != "sid-v1" || res.Info.TrackingURL == "" {
		t.Errorf("session info %+v", res.Info)
	}
	for _, ev := range []string{"impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete"} {
		if c.hits[ev] != 1 {
			t.Errorf("beacon %s fetched %d times, want once", ev, c.hits[ev])
		}
	}
	want := map[string]time.Duration{"impression": 0, "start": 0, "firstQuartile": 500 * time.Millisecond,
		"midpoint": time.Second, "thirdQuartile": 1500 * time.Millisecond, "complete": 2 * time.Second}
	if len(res.Beacons) != len(want) {
		t.Fatalf("%d beacons: %+v", len(res.Beacons), res.Beacons)
	}
	for _, b := range res.Beacons {
		if b.MediaTime != want[b.Event] || b.URLs != 1 || b.Failed != 0 {
			t.Errorf("beacon %+v: want media time %s, one URL fired", b, want[b.Event])
		}
		// Uncapped on a virtual clock the playhead moves only while the player waits, and it
		// waits no longer than the next beacon: each fires when the playhead reaches it.
		if got := b.At - res.Startup.ToPlayback; got != b.MediaTime {
			t.Errorf("beacon %s fired %s into playback, due at %s", b.Event, got, b.MediaTime)
		}
	}
	if res.Avails != 2 || res.AdSegments == 0 || res.FirstSegmentAvail != "b1" {
		t.Errorf("avails %d, ad segments %d; want the preroll's segments counted", res.Avails, res.AdSegments)
	}

	// QoE: valid events, deltas that add up to the result, startup in the first, final last.
	if len(qoe.evs) < 2 {
		t.Fatalf("%d QoE events", len(qoe.evs))
	}
	var watch int64
	for i, ev := range qoe.evs {
		q := ev.(*events.QoE)
		if err := q.Validate(); err != nil {
			t.Errorf("event %d: %v", i, err)
		}
		if q.SessionID != "sid-v1" || q.RequestID != "trace-v1" || q.ContentID != "demo" || q.Service != "player" {
			t.Errorf("event %d: %+v", i, q)
		}
		if (i == 0) != (q.StartupMS > 0) {
			t.Errorf("event %d: startup_ms %d (only the first carries it)", i, q.StartupMS)
		}
		if q.Final != (i == len(qoe.evs)-1) {
			t.Errorf("event %d: final %v", i, q.Final)
		}
		watch += q.WatchMS
	}
	if watch != res.WatchTime.Milliseconds() {
		t.Errorf("QoE watch_ms adds up to %d, the session watched %s", watch, res.WatchTime)
	}
}

// TestServerBeacons: with server-side beaconing the tracking JSON has no URLs; the player still
// places the events (for an ad indicator) but fetches nothing.
func TestServerBeacons(t *testing.T) {
	c := &ssaiContract{origin: startOrigin(t, nil)}
	base := c.start(t)
	p := New(virtual())
	defer p.Close()
	res, err := p.Play(context.Background(), SessionsURL(base, SessionRequest{Source: "demo", UID: "v2"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Beacons) != 6 {
		t.Errorf("%d beacons reached, want 6", len(res.Beacons))
	}
	for _, b := range res.Beacons {
		if b.URLs != 0 {
			t.Errorf("beacon %+v fired URLs in server mode", b)
		}
	}
	if len(c.hits) != 0 {
		t.Errorf("beacon endpoint hit in server mode: %v", c.hits)
	}
}

// TestBadInput: bad entry URLs, a session endpoint that answers garbage, and an unknown host are
// errors with a message, never a panic.
func TestBadInput(t *testing.T) {
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/sessions":
			w.WriteHeader(201)
			io.WriteString(w, `{"session":"x","manifestUrl":"file:///etc/passwd"}`)
		case "/master.m3u8":
			io.WriteString(w, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n")
		case "/zero.m3u8":
			io.WriteString(w, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:0,\na.ts\n#EXTINF:0,\nb.ts\n#EXT-X-ENDLIST\n")
		case "/empty.m3u8":
			io.WriteString(w, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n")
		case "/a.ts", "/b.ts":
			io.WriteString(w, "x")
		default:
			http.NotFound(w, r)
		}
	}))
	defer bad.Close()
	p := New(virtual(), WithTimeout(2*time.Second), WithMaxErrors(2))
	defer p.Close()
	for _, u := range []string{"", "not a url", "ftp://x/y", bad.URL + "/v1/sessions", bad.URL + "/v1/sessions?source=demo",
		bad.URL + "/v1/sessions?source=demo&beacons=both", bad.URL + "/master.m3u8", bad.URL + "/missing.m3u8",
		bad.URL + "/zero.m3u8", bad.URL + "/empty.m3u8"} {
		res, err := p.Play(context.Background(), u)
		if err == nil {
			t.Errorf("%q: no error", u)
			continue
		}
		if res == nil || res.Errors == 0 || res.LastError == "" {
			t.Errorf("%q: result does not record the error: %+v", u, res)
		}
	}
}

// TestRedirectedSegments: SSAI serves ad segments as redirects through itself (to fire
// server-side beacons); the player follows them and counts the media it got.
func TestRedirectedSegments(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/media.m3u8":
			io.WriteString(w, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nad/0.ts\n#EXTINF:2,\nseg1.ts\n#EXT-X-ENDLIST\n")
		case "/ad/0.ts":
			http.Redirect(w, r, "/creatives/0.ts", http.StatusFound)
		case "/creatives/0.ts", "/seg1.ts":
			w.Write(make([]byte, 1000))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	p := New(virtual())
	defer p.Close()
	res, err := p.Play(context.Background(), srv.URL+"/media.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	if res.Segments != 2 || res.Bytes != 2000 || !res.Ended || res.WatchTime != 4*time.Second {
		t.Errorf("%+v", res)
	}
}

// TestLiveJoinMidBreak joins the origin's live channel five seconds into an avail (placed by its
// programDateTime, as SSAI does for live): the events before the join are skipped, never fired
// late; those after it fire once each, at their media time on the PDT-anchored timeline.
func TestLiveJoinMidBreak(t *testing.T) {
	start := live.DefaultEpoch.Add(30 * time.Second)
	originClock := live.NewManualClock(start)
	originURL := startOrigin(t, originClock)
	first := fetchMedia(t, originURL+"/live/ch/180p/index.m3u8")
	join := first.Segments[len(first.Segments)-3].ProgramDateTime
	if join.IsZero() {
		t.Fatal("the origin's live playlist has no PROGRAM-DATE-TIME")
	}
	availPDT := join.Add(-5 * time.Second)
	hits := map[string]int{}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/sessions":
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"session":"live-1","manifestUrl":%q,"trackingUrl":"http://%s/tracking"}`, originURL+"/live/ch/master.m3u8", r.Host)
		case r.URL.Path == "/tracking":
			var evs []string
			for _, e := range []struct {
				name string
				off  float64
			}{{"impression", 0}, {"start", 0}, {"firstQuartile", 2.5}, {"midpoint", 5}, {"thirdQuartile", 7.5}, {"complete", 10}} {
				evs = append(evs, fmt.Sprintf(`{"event":%q,"offset":%g,"urls":["http://%s/beacon/%s"]}`, e.name, e.off, r.Host, e.name))
			}
			fmt.Fprintf(w, `{"avails":[{"id":"live-b","startTime":100,"duration":10,"programDateTime":%q,"ads":[{"id":"ad","sequence":1,"startTime":100,"duration":10,"trackingEvents":[%s]}]}]}`,
				availPDT.Format(time.RFC3339Nano), joinComma(evs))
		case strings.HasPrefix(r.URL.Path, "/beacon/"):
			mu.Lock()
			hits[strings.TrimPrefix(r.URL.Path, "/beacon/")]++
			mu.Unlock()
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	p := New(WithClock(func() Clock {
		c := NewVirtualClock(start)
		c.OnAdvance = originClock.Set
		return c
	}), WithWatchTime(20*time.Second))
	defer p.Close()
	res, err := p.Play(context.Background(), SessionsURL(srv.URL, SessionRequest{Source: "live", UID: "v"}))
	if err != nil {
		t.Fatal(err)
	}
	if res.BeaconsSkipped != 3 {
		t.Errorf("%d events skipped, want the 3 before the join (impression, start, firstQuartile)", res.BeaconsSkipped)
	}
	want := map[string]time.Duration{"midpoint": 0, "thirdQuartile": 2500 * time.Millisecond, "complete": 5 * time.Second}
	for name := range map[string]bool{"impression": true, "start": true, "firstQuartile": true, "midpoint": true, "thirdQuartile": true, "complete": true} {
		if _, ok := want[name]; ok != (hits[name] == 1) {
			t.Errorf("beacon %s fetched %d times", name, hits[name])
		}
	}
	for _, b := range res.Beacons {
		if w, ok := want[b.Event]; !ok || b.MediaTime != w {
			t.Errorf("beacon %+v: want media time %s", b, w)
		}
	}
	if res.FirstSegmentAvail != "live-b" || res.AdSegments != 2 {
		t.Errorf("first segment in %q, %d ad segments; want the 2 s segments whose middle is in the 5 s left of the avail (2)", res.FirstSegmentAvail, res.AdSegments)
	}
}
