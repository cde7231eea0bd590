package ssai

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin"
	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/live"
	"github.com/cuepoint/cuepoint/origin/scte35"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

// adStand is an adserver as ssai sees one: GET /vast answers a VAST 4.2 pod of two ads whose
// renditions are short VOD playlists (the first segments of the origin's demo renditions),
// and every beacon is recorded with the headers it came with. Any adserver speaking VAST works
// this way; the real one is exercised end to end by cmd/cuepoint's dev tests.
type adStand struct {
	t       *testing.T
	origin  string // the content origin, whose demo renditions the ads reuse
	segs    int    // segments per ad
	srv     *httptest.Server
	mu      sync.Mutex
	beacons map[string]int    // "ad/event" → times fired
	devices map[string]string // "ad/event" → X-Device-IP seen
	queries []url.Values      // /vast requests
	delay   time.Duration
	ladder  *hls.MasterPlaylist // the content's: ads come in the same renditions
}

func newAdStand(t *testing.T, originURL string, segs int) *adStand {
	a := &adStand{t: t, origin: originURL, segs: segs, beacons: map[string]int{}, devices: map[string]string{}}
	_, body := get(t, originURL+"/vod/demo/master.m3u8")
	var err error
	if a.ladder, err = hls.ParseMasterString(body); err != nil {
		t.Fatal(err)
	}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *adStand) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/vast":
		a.mu.Lock()
		a.queries = append(a.queries, r.URL.Query())
		d := a.delay
		a.mu.Unlock()
		time.Sleep(d)
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, a.vast(r.URL.Query().Get("break")))
	case strings.HasPrefix(r.URL.Path, "/ad/"): // /ad/{n}/{rendition playlist path}
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/ad/"), "/", 2)
		resp, err := http.Get(a.origin + "/vod/demo/" + parts[1])
		if err != nil || resp.StatusCode != 200 {
			http.Error(w, "no such rendition", 404)
			return
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 1<<20)
		n, _ := resp.Body.Read(buf)
		for n > 0 {
			b.Write(buf[:n])
			n, _ = resp.Body.Read(buf)
		}
		p, err := hls.ParseMediaString(b.String())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		p.Segments = p.Segments[:a.segs]
		base, _ := url.Parse(a.origin + "/vod/demo/" + parts[1])
		for i := range p.Segments {
			p.Segments[i].URI = resolve(base, p.Segments[i].URI)
			for j, tag := range p.Segments[i].Tags {
				if tag.Kind == hls.TagMap {
					at := tag.Attrs()
					u, _ := at.Get("URI")
					p.Segments[i].Tags[j] = hls.NewTag(tag.Name(), string(at.SetQuoted("URI", resolve(base, u))))
				}
			}
		}
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		w.Write(p.AppendTo(nil))
	case strings.HasPrefix(r.URL.Path, "/t/"):
		key := r.URL.Query().Get("ad") + "/" + strings.TrimPrefix(r.URL.Path, "/t/")
		a.mu.Lock()
		a.beacons[key]++
		a.devices[key] = r.Header.Get("X-Device-IP")
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// vast is a pod of two ads; the ad serving ids name the break so beacons tell breaks apart.
func (a *adStand) vast(brk string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><VAST xmlns="http://www.iab.com/VAST" version="4.2">`)
	for n := 1; n <= 2; n++ {
		id := fmt.Sprintf("%s-ad%d", brk, n)
		t := func(ev string) string { return a.srv.URL + "/t/" + ev + "?ad=" + id }
		fmt.Fprintf(&b, `<Ad id="%s" sequence="%d"><InLine><AdSystem>stand</AdSystem><Error><![CDATA[%s&code=[ERRORCODE]]]></Error>`+
			`<Impression><![CDATA[%s]]></Impression><AdServingId>%s</AdServingId><AdTitle>Ad %d</AdTitle><Creatives><Creative id="cr%d">`+
			`<UniversalAdId idRegistry="test">u%d</UniversalAdId><Linear><Duration>00:00:10</Duration><TrackingEvents>`, id, n, t("error"), t("impression"), id, n, n, n)
		for _, ev := range []string{"start", "firstQuartile", "midpoint", "thirdQuartile", "complete"} {
			fmt.Fprintf(&b, `<Tracking event="%s"><![CDATA[%s]]></Tracking>`, ev, t(ev))
		}
		fmt.Fprintf(&b, `</TrackingEvents><VideoClicks><ClickThrough><![CDATA[https://advertiser.example/%d]]></ClickThrough></VideoClicks><MediaFiles>`, n)
		// The content's ladder: one rendition per variant, and the audio.
		for _, v := range a.ladder.Variants {
			w, h := v.Resolution()
			fmt.Fprintf(&b, `<MediaFile delivery="streaming" type="application/x-mpegURL" width="%d" height="%d" bitrate="%d"><![CDATA[%s/ad/%d/%s]]></MediaFile>`,
				w, h, v.Bandwidth()/1000, a.srv.URL, n, v.URI)
		}
		for _, r := range a.ladder.Renditions {
			if r.Type() == "AUDIO" && r.URI() != "" {
				fmt.Fprintf(&b, `<MediaFile delivery="streaming" type="application/x-mpegURL" codec="mp4a.40.2" bitrate="128"><![CDATA[%s/ad/%d/%s]]></MediaFile>`, a.srv.URL, n, r.URI())
			}
		}
		b.WriteString(`</MediaFiles></Linear></Creative></Creatives></InLine></Ad>`)
	}
	b.WriteString(`</VAST>`)
	return b.String()
}

func (a *adStand) fired(key string) (int, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.beacons[key], a.devices[key]
}

func startStitching(t *testing.T, cfg Config, src Source) (base, originURL string, stand *adStand) {
	t.Helper()
	o, err := origin.New(origin.Config{MediaRoot: mediaRoot(t)})
	if err != nil {
		t.Fatal(err)
	}
	osrv := server.New("origin", "127.0.0.1:0")
	o.Mount(osrv)
	originURL = serve(t, osrv)
	stand = newAdStand(t, originURL, 2)
	if cfg.AdServer == "" {
		cfg.AdServer = stand.srv.URL
	}
	svc := mustNew(t, cfg)
	src.URL = originURL + "/vod/demo/master.m3u8"
	if err := svc.SetSource(src); err != nil {
		t.Fatal(err)
	}
	ssrv := server.New("ssai", "127.0.0.1:0")
	svc.Mount(ssrv)
	return serve(t, ssrv), originURL, stand
}

func postSession(t *testing.T, base, body string) (SessionResponse, http.Header) {
	t.Helper()
	resp, err := http.Post(base+"/v1/sessions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sr SessionResponse
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/sessions %s: %s", body, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&sr); err != nil {
		t.Fatal(err)
	}
	return sr, resp.Header
}

// sessionPlaylists fetches every media playlist of a session, through the validator and Group.
func sessionPlaylists(t *testing.T, manifest string) (uris []string, ps []*hls.MediaPlaylist) {
	t.Helper()
	code, body := get(t, manifest)
	if code != 200 {
		t.Fatalf("session master: %d %s", code, body)
	}
	base, _ := url.Parse(manifest)
	v := stitch.Validator{IsAd: func(u string) bool { return strings.HasPrefix(u, "a/") }}
	for _, u := range mediaURIs(t, body) {
		abs := resolve(base, u)
		code, pl := get(t, abs)
		if code != 200 {
			t.Fatalf("%s: %d %s", u, code, pl)
		}
		p, err := v.Check(u, []byte(pl))
		if err != nil {
			t.Fatalf("%s: %v\n%s", u, err, pl)
		}
		uris, ps = append(uris, abs), append(ps, p)
	}
	if err := stitch.Group(250*time.Millisecond, ps...); err != nil {
		t.Fatal(err)
	}
	return uris, ps
}

// TestSessionsStitchAds: a VOD with a scheduled pre-roll and mid-roll gets both pods in every
// rendition (audio included), the tracking data places them, fetching the ad segments fires
// each ad's beacons exactly once with the viewer's device, and ffprobe plays the whole thing.
func TestSessionsStitchAds(t *testing.T) {
	base, _, stand := startStitching(t, Config{}, Source{Name: "vod", Preroll: 30, Midrolls: []float64{2}, Midroll: 30})
	sr, hdr := postSession(t, base, `{"source":"vod","uid":"viewer-1","content":"title-9"}`)
	if hdr.Get("X-Request-Id") == "" || hdr.Get("X-Request-Id") != sr.RequestID || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("session headers: %v", hdr)
	}
	if !strings.HasSuffix(sr.ManifestURL, "/master.m3u8") || !strings.HasSuffix(sr.TrackingURL, "/tracking.json") || len(sr.ID) != 16 {
		t.Fatalf("session: %+v", sr)
	}
	stand.mu.Lock()
	qs := stand.queries
	stand.mu.Unlock()
	if len(qs) != 2 {
		t.Fatalf("adserver asked %d times at session start, want 2 (pre-roll and mid-roll)", len(qs))
	}
	for _, q := range qs {
		if q.Get("uid") != "viewer-1" || q.Get("content") != "title-9" || q.Get("sst") != "1" || q.Get("session") != sr.ID || q.Get("dur") != "30.000" {
			t.Errorf("adserver query: %v", q)
		}
	}

	uris, ps := sessionPlaylists(t, sr.ManifestURL)
	for i, p := range ps {
		var ads, runs int
		prev := false
		for j := range p.Segments {
			ad := strings.HasPrefix(p.Segments[j].URI, "a/")
			if ad {
				ads++
			}
			if ad && !prev {
				runs++
			}
			prev = ad
		}
		if !strings.HasPrefix(p.Segments[0].URI, "a/") || runs != 2 || ads != 8 {
			t.Errorf("rendition %d: %d ad segments in %d breaks, first %s; want 8 in 2 starting with the pre-roll", i, ads, runs, p.Segments[0].URI)
		}
	}

	// Tracking data: two avails, the mid-roll after the pre-roll and the first content segment.
	code, body := get(t, sr.TrackingURL)
	var tr Tracking
	if code != 200 || json.Unmarshal([]byte(body), &tr) != nil || len(tr.Avails) != 2 {
		t.Fatalf("tracking: %d %s", code, body)
	}
	pre, mid := tr.Avails[0], tr.Avails[1]
	if pre.StartTime != 0 || len(pre.Ads) != 2 || len(mid.Ads) != 2 || pre.Ads[1].StartTime != pre.Ads[0].Duration {
		t.Errorf("tracking: %s", body)
	}
	if want := pre.Duration + ps[0].Segments[4].Duration.Seconds(); mid.StartTime < want-0.01 || mid.StartTime > want+0.01 {
		t.Errorf("mid-roll at %.3f s, want at the first segment boundary from %.3f s", mid.StartTime, want)
	}
	for _, te := range pre.Ads[0].TrackingEvents {
		if len(te.URLs) != 0 {
			t.Errorf("server-side mode lists beacon URLs: %+v", te)
		}
	}

	// The player fetches the pre-roll's segments (video, then audio, then video again after a
	// seek back): each ad's six beacons fire once.
	adSegs := func(p *hls.MediaPlaylist, n int) []string {
		var out []string
		for j := 0; j < n; j++ {
			out = append(out, p.Segments[j].URI)
		}
		return out
	}
	for _, pass := range []int{0, len(ps) - 1, 0} {
		pbase, _ := url.Parse(uris[pass])
		for _, u := range adSegs(ps[pass], 4) {
			resp, err := http.Get(resolve(pbase, u))
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("ad segment %s: %v %v", u, resp, err)
			}
			resp.Body.Close()
		}
	}
	want := []string{"impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete"}
	deadline := time.Now().Add(10 * time.Second)
	for _, ad := range []string{"b0-ad1", "b0-ad2"} {
		for _, ev := range want {
			n, ip := stand.fired(ad + "/" + ev)
			for n == 0 && time.Now().Before(deadline) { // fired off the request path
				time.Sleep(20 * time.Millisecond)
				n, ip = stand.fired(ad + "/" + ev)
			}
			if n != 1 || ip != "127.0.0.1" {
				t.Errorf("%s %s fired %d times (device %q), want once from 127.0.0.1", ad, ev, n, ip)
			}
		}
	}
	if n, _ := stand.fired(pre.Ads[0].ID + "/error"); n != 0 {
		t.Errorf("error beacon fired for a playable ad")
	}

	// ffmpeg reads the stitched stream end to end, through the ad redirects.
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", sr.ManifestURL).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	got, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	var total float64
	for i := range ps[0].Segments {
		total += ps[0].Segments[i].Duration.Seconds()
	}
	if err != nil || got < total-1 || got > total+1 {
		t.Errorf("ffprobe duration %q, want %.1f s (content and both pods)", out, total)
	}
}

// TestSessionsClientBeacons: in client mode the tracking data carries the beacon URLs and the
// segment redirects fire nothing.
func TestSessionsClientBeacons(t *testing.T) {
	base, _, stand := startStitching(t, Config{}, Source{Name: "vod", Preroll: 30})
	sr, _ := postSession(t, base, `{"source":"vod","uid":"viewer-2","beacons":"client"}`)
	uris, ps := sessionPlaylists(t, sr.ManifestURL)
	pbase, _ := url.Parse(uris[0])
	for j := 0; j < 4; j++ {
		resp, err := http.Get(resolve(pbase, ps[0].Segments[j].URI))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("ad segment: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	_, body := get(t, sr.TrackingURL)
	var tr Tracking
	if err := json.Unmarshal([]byte(body), &tr); err != nil || len(tr.Avails) != 1 || len(tr.Avails[0].Ads) != 2 {
		t.Fatalf("tracking: %s", body)
	}
	for _, te := range tr.Avails[0].Ads[0].TrackingEvents {
		if len(te.URLs) != 1 || !strings.Contains(te.URLs[0], "/t/"+te.Event) {
			t.Errorf("client mode: %+v", te)
		}
	}
	time.Sleep(200 * time.Millisecond) // a server-side beacon would be on its way by now
	if n, _ := stand.fired("b0-ad1/impression"); n != 0 {
		t.Errorf("client mode: ssai fired the impression")
	}
}

// TestSessionsAdserverDown: an adserver that is down, or slower than the decision timeout,
// leaves the content as it is — the session starts and plays without the break.
func TestSessionsAdserverDown(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	for _, c := range []struct {
		name string
		cfg  Config
		slow bool
	}{
		{"down", Config{AdServer: dead.URL}, false},
		{"slow", Config{DecisionTimeout: 50 * time.Millisecond}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			base, originURL, stand := startStitching(t, c.cfg, Source{Name: "vod", Preroll: 30})
			if c.slow {
				stand.delay = 500 * time.Millisecond
			}
			sr, _ := postSession(t, base, `{"source":"vod","uid":"viewer-3"}`)
			_, ps := sessionPlaylists(t, sr.ManifestURL)
			for i, p := range ps {
				for j := range p.Segments {
					if !strings.HasPrefix(p.Segments[j].URI, originURL) {
						t.Fatalf("rendition %d segment %d is %s, want the content", i, j, p.Segments[j].URI)
					}
				}
			}
		})
	}
}

// TestSessionTokens: a token signed by one instance opens the session on another sharing the
// key (no sticky routing); a forged or foreign token does not.
func TestSessionTokens(t *testing.T) {
	key := strings.Repeat("ab", 32)
	base, originURL, stand := startStitching(t, Config{SessionKeys: []string{key}}, Source{Name: "vod", Preroll: 30})
	sr, _ := postSession(t, base, `{"source":"vod","uid":"viewer-4"}`)

	other := mustNew(t, Config{SessionKeys: []string{strings.Repeat("cd", 32), key}, AdServer: stand.srv.URL})
	if err := other.SetSource(Source{Name: "vod", URL: originURL + "/vod/demo/master.m3u8", Preroll: 30}); err != nil {
		t.Fatal(err)
	}
	osrv := server.New("ssai2", "127.0.0.1:0")
	other.Mount(osrv)
	otherBase := serve(t, osrv)
	moved := strings.Replace(sr.ManifestURL, base, otherBase, 1)
	_, ps := sessionPlaylists(t, moved)
	if !strings.HasPrefix(ps[0].Segments[0].URI, "a/") {
		t.Errorf("the other instance did not stitch the pre-roll: %s", ps[0].Segments[0].URI)
	}
	// It asked for the session's pre-roll again (again=1): the adserver answers the pod it gave
	// the first instance.
	stand.mu.Lock()
	qs := stand.queries
	stand.mu.Unlock()
	if len(qs) != 2 || qs[0].Get("again") != "" || qs[1].Get("again") != "1" || qs[1].Get("session") != qs[0].Get("session") || qs[1].Get("break") != qs[0].Get("break") {
		t.Errorf("adserver queries %v: want the first instance's ask, then the other's again=1 for the same session and break", qs)
	}

	tok := sr.Session
	forged := tok[:len(tok)-2] + "AA"
	if forged == tok {
		forged = tok[:len(tok)-2] + "BB"
	}
	for _, bad := range []string{forged, "x", strings.Repeat("A", 2000)} {
		if code, _ := get(t, base+"/ssai/vod/s/"+bad+"/0.m3u8"); code != 404 {
			t.Errorf("token %.20q…: %d, want 404", bad, code)
		}
	}
	if code, _ := get(t, otherBase+"/ssai/other/s/"+tok+"/0.m3u8"); code != 404 {
		t.Errorf("a token of source vod on another source: %d, want 404", code)
	}
}

// TestSessionRequests: bad session requests get 4xx with the reason.
func TestSessionRequests(t *testing.T) {
	base, _, _ := startStitching(t, Config{}, Source{Name: "vod"})
	for _, c := range []struct {
		body string
		code int
	}{
		{`{"source":"nope","uid":"u"}`, 404},
		{`{"source":"vod","uid":"has space"}`, 400},
		{`{"source":"vod","uid":"u","beacons":"both"}`, 400},
		{`not json`, 400},
	} {
		resp, err := http.Post(base+"/v1/sessions", "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("%s: %d, want %d", c.body, resp.StatusCode, c.code)
		}
	}
	req, _ := http.NewRequest("OPTIONS", base+"/v1/sessions", nil)
	req.Header.Set("Origin", "http://player.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Methods") == "" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestInterstitials: a source in interstitials mode leaves the content as it is and announces
// each break as an HLS Interstitial, whose asset list leads to the ads' renditions matched to
// the content's ladder; the player fires the beacons (client mode).
func TestInterstitials(t *testing.T) {
	base, originURL, stand := startStitching(t, Config{}, Source{Name: "vod", Mode: "interstitials", Preroll: 30, Midrolls: []float64{2}, Midroll: 30})
	sr, _ := postSession(t, base, `{"source":"vod","uid":"viewer-5"}`)
	code, body := get(t, sr.ManifestURL)
	if code != 200 {
		t.Fatalf("master: %d", code)
	}
	mbase, _ := url.Parse(sr.ManifestURL)
	var ranges []string
	for _, u := range mediaURIs(t, body) {
		code, pl := get(t, resolve(mbase, u))
		p, err := hls.ParseMediaString(pl)
		if code != 200 || err != nil {
			t.Fatalf("%s: %d %v", u, code, err)
		}
		var got []string
		pdts := 0
		for i := range p.Segments {
			if !strings.HasPrefix(p.Segments[i].URI, originURL) {
				t.Fatalf("%s: segment %s is not the content's", u, p.Segments[i].URI)
			}
			if !p.Segments[i].ProgramDateTime.IsZero() {
				pdts++
			}
			for _, tag := range p.Segments[i].Tags {
				if tag.Kind == hls.TagDateRange {
					got = append(got, tag.Line)
				}
			}
		}
		if pdts == 0 || len(got) != 2 || !strings.Contains(got[0], `CLASS="com.apple.hls.interstitial"`) || !strings.Contains(got[0], `CUE="PRE"`) ||
			!strings.Contains(got[1], `X-ASSET-LIST="assets/b1.json"`) || strings.Contains(got[1], "CUE=") {
			t.Fatalf("%s: %d dates, interstitials %q", u, pdts, got)
		}
		if ranges != nil && strings.Join(ranges, "\n") != strings.Join(got, "\n") {
			t.Errorf("renditions disagree on the interstitials:\n%q\n%q", ranges, got)
		}
		ranges = got
	}

	listURL := resolve(mbase, "assets/b0.json")
	code, body = get(t, listURL)
	var list AssetList
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Assets) != 2 || list.Assets[0].Duration <= 0 {
		t.Fatalf("asset list: %d %s", code, body)
	}
	lbase, _ := url.Parse(listURL)
	code, body = get(t, resolve(lbase, list.Assets[0].URI))
	mp, err := hls.ParseMasterString(body)
	if code != 200 || err != nil || len(mp.Variants) != len(stand.ladder.Variants) {
		t.Fatalf("ad master: %d %v\n%s", code, err, body)
	}
	for _, v := range mp.Variants {
		if !strings.HasPrefix(v.URI, stand.srv.URL+"/ad/1/") {
			t.Errorf("ad master variant %s: want the ad's rendition", v.URI)
		}
	}
	_, body = get(t, sr.TrackingURL)
	var tr Tracking
	if err := json.Unmarshal([]byte(body), &tr); err != nil || len(tr.Avails) != 2 || tr.Avails[0].ProgramDateTime == "" || len(tr.Avails[0].Ads[0].TrackingEvents[0].URLs) != 1 {
		t.Errorf("tracking: %s", body)
	}
}

// TestLiveAds: live channels of our origin in all three cue formats get the adserver's pods
// (whole ads, then slate) at their cues, every refresh of every rendition through the
// validator, the adserver asked once per break with live=1, the tracking data dated.
func TestLiveAds(t *testing.T) {
	clock := live.NewManualClock(live.DefaultEpoch.Add(10 * time.Second))
	var chans []live.Config
	for _, f := range scte35.Formats {
		chans = append(chans, live.Config{Name: "ch-" + f.String(), Asset: "demo", Format: f, Window: 6,
			Breaks: live.Schedule{Offset: 20 * time.Second, Every: 40 * time.Second, Duration: 12 * time.Second, Lead: 4 * time.Second}})
	}
	o, err := origin.New(origin.Config{MediaRoot: mediaRoot(t), Clock: clock, Channels: chans})
	if err != nil {
		t.Fatal(err)
	}
	osrv := server.New("origin", "127.0.0.1:0")
	o.Mount(osrv)
	originURL := serve(t, osrv)
	stand := newAdStand(t, originURL, 2)
	svc := mustNew(t, Config{Now: clock.Now, AdServer: stand.srv.URL})
	for _, c := range chans {
		if err := svc.SetSource(Source{Name: c.Name, URL: originURL + "/live/" + c.Name + "/master.m3u8", Slate: originURL + "/vod/demo/master.m3u8"}); err != nil {
			t.Fatal(err)
		}
	}
	ssrv := server.New("ssai", "127.0.0.1:0")
	svc.Mount(ssrv)
	base := serve(t, ssrv)
	for _, c := range chans {
		t.Run(c.Name, func(t *testing.T) {
			stand.mu.Lock()
			asked := len(stand.queries)
			stand.mu.Unlock()
			if fill, ads := followLive(t, base, c.Name, originURL, clock); ads == 0 || fill <= ads {
				t.Fatalf("%d ad segments and %d fill segments in 60 refreshes: want ads, then slate", ads, fill)
			}
			stand.mu.Lock()
			qs := stand.queries[asked:]
			stand.mu.Unlock()
			if len(qs) == 0 {
				t.Fatal("the adserver was never asked")
			}
			for _, q := range qs {
				if q.Get("live") != "1" || q.Get("pos") != "mid" || q.Get("dur") != "12.000" {
					t.Errorf("adserver query %v: want a live mid-roll of 12 s", q)
				}
			}
		})
	}
}

// TestForeignOrigin: content packaged by ffmpeg's own HLS muxer (not Cuepoint's packager) and
// served by a plain file server — an origin the project has never seen — gets its ads: a
// scheduled pre-roll, and breaks at cues written into its playlist in each of the three formats
// (as a third-party packager would: CUE-OUT/CUE-IN, DATERANGE with SCTE35-OUT, OATCLS); ffmpeg
// decodes every stitched stream end to end.
func TestForeignOrigin(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=8",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=8", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
		"-sc_threshold", "0", "-c:a", "aac", "-shortest", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
		"-hls_segment_filename", dir+"/chunk-%03d.ts", "-master_pl_name", "index.m3u8", dir+"/stream.m3u8").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	// The same content with a 4 s break over its second and third segments, in each cue format.
	media, err := os.ReadFile(dir + "/stream.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	out35, _ := scte35.Out(7, 0, 4*time.Second).Base64()
	hex35, _ := scte35.Out(7, 0, 4*time.Second).Hex()
	cues := map[string][2]string{ // before chunk-001, before chunk-003
		"cue-out":   {"#EXT-X-CUE-OUT:4.000", "#EXT-X-CUE-IN"},
		"daterange": {`#EXT-X-DATERANGE:ID="7",START-DATE="2026-01-01T00:00:02.000Z",PLANNED-DURATION=4.000,SCTE35-OUT=` + hex35, `#EXT-X-DATERANGE:ID="7",START-DATE="2026-01-01T00:00:02.000Z",END-DATE="2026-01-01T00:00:06.000Z"`},
		"oatcls":    {"#EXT-OATCLS-SCTE35:" + out35 + "\n#EXT-X-CUE-OUT:4.000", "#EXT-X-CUE-IN"},
	}
	for name, c := range cues {
		pl := strings.Replace(string(media), "#EXTINF", "#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z\n#EXTINF", 1)
		pl = strings.Replace(pl, "#EXTINF:2.000000,\nchunk-001.ts", c[0]+"\n#EXTINF:2.000000,\nchunk-001.ts", 1)
		pl = strings.Replace(pl, "#EXTINF:2.000000,\nchunk-003.ts", c[1]+"\n#EXTINF:2.000000,\nchunk-003.ts", 1)
		if !strings.Contains(pl, c[1]) {
			t.Fatalf("ffmpeg's playlist is not what the test expects:\n%s", media)
		}
		if err := os.WriteFile(dir+"/"+name+".m3u8", []byte(pl), 0o644); err != nil {
			t.Fatal(err)
		}
		master := strings.Replace(mustRead(t, dir+"/index.m3u8"), "stream.m3u8", name+".m3u8", 1)
		if err := os.WriteFile(dir+"/index-"+name+".m3u8", []byte(master), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	foreign := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(foreign.Close)

	// Ads come from our origin's packaged demo (the adserver's media), content from the stranger.
	o, err := origin.New(origin.Config{MediaRoot: mediaRoot(t)})
	if err != nil {
		t.Fatal(err)
	}
	osrv := server.New("origin", "127.0.0.1:0")
	o.Mount(osrv)
	stand := newAdStand(t, serve(t, osrv), 1)
	svc := mustNew(t, Config{AdServer: stand.srv.URL})
	srcs := []Source{{Name: "stranger", URL: foreign.URL + "/index.m3u8", Preroll: 10}}
	for name := range cues {
		srcs = append(srcs, Source{Name: "stranger-" + name, URL: foreign.URL + "/index-" + name + ".m3u8"})
	}
	for _, src := range srcs {
		if err := svc.SetSource(src); err != nil {
			t.Fatal(err)
		}
	}
	ssrv := server.New("ssai", "127.0.0.1:0")
	svc.Mount(ssrv)
	base := serve(t, ssrv)
	for _, src := range srcs {
		t.Run(src.Name, func(t *testing.T) {
			sr, _ := postSession(t, base, `{"source":"`+src.Name+`","uid":"viewer-6"}`)
			_, ps := sessionPlaylists(t, sr.ManifestURL)
			p := ps[0]
			first := 0
			if src.Preroll == 0 {
				first = 1 // the break replaces the second and third segments
			}
			if !strings.HasPrefix(p.Segments[first].URI, "a/") || !strings.HasPrefix(p.Segments[len(p.Segments)-1].URI, foreign.URL+"/chunk-") {
				t.Fatalf("stitched playlist without its break at segment %d, or not ending with the content:\n%s", first, p.AppendTo(nil))
			}
			out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", sr.ManifestURL, "-f", "null", "-").CombinedOutput()
			if err != nil {
				t.Fatalf("ffmpeg decoding the stitched stream: %v\n%s", err, out)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				// ffmpeg's HLS demuxer does not offset timestamps at a discontinuity (players
				// do), so its null muxer notes the ad's restart; and it reopens connections per
				// host. Anything else is a decoding problem.
				if line != "" && !strings.Contains(line, "non monotonically increasing dts") && !strings.Contains(line, "Cannot reuse HTTP connection") {
					t.Errorf("ffmpeg: %s", line)
				}
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
