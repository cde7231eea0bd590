package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/browsertest"
	"github.com/cuepoint/cuepoint/internal/db"
)

// TestPlayerInBrowser is the web player's end-to-end test (docs/web-player.md): it starts
// `cuepoint dev` on a cold root, as a user would, and drives Debian's Chromium with
// playwright-core (web/player/test/browser.mjs) through the player on the demo VOD source:
// muted autoplay through the preroll and the midroll, the "Ad n of m" indicator in both, video
// time advancing across both, no page or console error, a recommendation picked. Then, on the
// Go side, the ad impressions (AdTracking rows) of the session, its QoE reports and the recs
// click and play are in ClickHouse. The screenshot is saved in the test's temp dir (kept with
// CUEPOINT_ARTIFACTS=DIR) and its path logged.
//
// The first run packages the demo asset and conditions the demo ads (a few minutes on two
// cores); their output is kept under .cuepoint/test-cache/player-dev (added to, never replaced:
// remove it to start over) and copied into the next runs' cold roots, which then take about a
// minute.
func TestPlayerInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole edge and a browser")
	}
	repo := browsertest.RepoRoot(t)
	node, chromium := browsertest.Need(t, repo, "playwright-core", "esbuild", "hls.js")
	dist := filepath.Join(t.TempDir(), "player")
	buildPlayer(t, node, repo, dist)

	// Every service the player uses ready, with ads: the demo asset packaged, the stack up.
	began := time.Now()
	dev := startDemoDev(t, "CUEPOINT_PLAYER_DIR="+dist)
	port, base := dev.port, dev.base
	dev.waitForAds(landingPort, 8084, 8082, 8083, 8085, 8088, devSinkPort)
	t.Logf("dev ready with ads in %s", time.Since(began).Round(time.Second))
	// The landing page sends people to the player.
	if body := httpBody(t, base(landingPort)+"/"); !strings.Contains(body, `href="`+base(8084)+`/player/"`) {
		t.Errorf("the landing page does not link the player %s/player/", base(8084))
	}

	// The browser.
	uid := "browser-" + strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
	shotDir := t.TempDir()
	if d := os.Getenv("CUEPOINT_ARTIFACTS"); d != "" {
		shotDir = d
	}
	shot := filepath.Join(shotDir, "player.png")
	pageURL := base(8084) + "/player/?" + url.Values{"source": {"demo"}, "uid": {uid}}.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	browser := exec.CommandContext(ctx, node, filepath.Join(repo, "web", "player", "test", "browser.mjs"),
		"--url", pageURL, "--screenshot", shot, "--breaks", "2", "--rate", "2", "--timeout", "120", "--live", "demo-cue-out")
	browser.Dir = repo
	browser.Env = append(os.Environ(), "CUEPOINT_CHROMIUM="+chromium)
	var stdout, stderr strings.Builder
	browser.Stdout, browser.Stderr = &stdout, &stderr
	browserBegan := time.Now()
	err := browser.Run()
	var report struct {
		Failures []string `json:"failures"`
		Session  struct {
			Session, QoESession, RequestID, TrackingURL, Mode, UID string
		} `json:"session"`
		Breaks []struct {
			ID        string  `json:"id"`
			StartTime float64 `json:"startTime"`
			Duration  float64 `json:"duration"`
			Ads       int     `json:"ads"`
		} `json:"breaks"`
		FinalTime     float64  `json:"finalTime"`
		Labels        []string `json:"labels"`
		Recs          int      `json:"recs"`
		Picked        string   `json:"picked"`
		PickedSession string   `json:"pickedSession"`
		ClientBeacons []string `json:"clientBeacons"`
		Sessions      int      `json:"sessionsStarted"`
		LiveSession   string   `json:"liveSession"`
		LastSession   string   `json:"lastSession"`
		Reports       struct {
			Accepted int `json:"accepted"`
		} `json:"reports"`
	}
	if jerr := json.Unmarshal([]byte(stdout.String()), &report); jerr != nil {
		t.Fatalf("browser test: %v (run error %v)\nstdout:\n%s\nstderr:\n%s", jerr, err, stdout.String(), stderr.String())
	}
	for _, f := range report.Failures {
		t.Error(f)
	}
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && len(report.Failures) > 0) {
		t.Errorf("browser test: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Logf("browser: %s; played to %.1f s through breaks %+v, indicator %q; %d recommendations, picked %s (client-side beacons %v); %d events accepted by the collector; screenshot %s",
		time.Since(browserBegan).Round(time.Second), report.FinalTime, report.Breaks, report.Labels, report.Recs, report.Picked, report.ClientBeacons, report.Reports.Accepted, shot)
	if report.Sessions > 1 {
		t.Logf("the first %d sessions had breaks without ads (decisions past SSAI's timeout on a loaded machine); session %d had them", report.Sessions-1, report.Sessions)
	}
	if t.Failed() {
		return
	}

	// ClickHouse: the session's ad impressions (fired by SSAI as the player fetched the ads'
	// segments), its QoE reports, the recs click and play. The sink needs a few seconds.
	cctx, ccancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer ccancel()
	conn, err := db.OpenClickHouse(cctx, "127.0.0.1:"+port(9000), db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	count := func(q string, args ...any) uint64 {
		var n uint64
		if err := conn.QueryRow(cctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	wantAds := 0
	for _, b := range report.Breaks {
		wantAds += b.Ads
	}
	checks := []struct {
		what string
		want uint64
		q    string
		args []any
	}{
		{"ad impressions of the session", uint64(wantAds), "SELECT count() FROM cuepoint.ads WHERE type = 'impression' AND session_id = ?", []any{report.Session.QoESession}},
		{"QoE reports of the session", 2, "SELECT count() FROM cuepoint.playback WHERE type = 'qoe' AND session_id = ? AND service = 'web-player'", []any{report.Session.QoESession}},
		{"a final QoE report with startup and watch time", 1, "SELECT count() FROM cuepoint.playback WHERE session_id = ? AND final = 1", []any{report.Session.QoESession}},
		{"client-side impressions of the picked title's session", 1, "SELECT count() FROM cuepoint.ads WHERE type = 'impression' AND source = 'client' AND session_id = ?", []any{report.PickedSession}},
		{"QoE of the live channel's session", 1, "SELECT count() FROM cuepoint.playback WHERE type = 'qoe' AND session_id = ?", []any{report.LiveSession}},
		{"the last session's final QoE, sent by sendBeacon as the page left", 1, "SELECT count() FROM cuepoint.playback WHERE session_id = ? AND final = 1", []any{report.LastSession}},
		{"recs clicks of the viewer", 1, "SELECT count() FROM cuepoint.recs WHERE type = 'click' AND user_id = ? AND item = ?", []any{uid, report.Picked}},
		{"recs plays of the viewer", 1, "SELECT count() FROM cuepoint.recs WHERE type = 'play' AND user_id = ? AND item = ?", []any{uid, report.Picked}},
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, c := range checks {
		var n uint64
		for {
			if n = count(c.q, c.args...); n >= c.want || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if n < c.want {
			t.Errorf("%s: %d rows in ClickHouse, want at least %d", c.what, n, c.want)
		}
	}
	// The viewer's recommendation row changes as they watch: the title they played (the first
	// card) leaves the row once the play reaches recs through collector → Kafka → featurestore.
	if report.Picked != "" {
		recsURL := base(8085) + "/v1/recs?" + url.Values{"user": {uid}, "n": {"12"}, "surface": {"home"}}.Encode()
		var items []string
		gone := false
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && !gone; time.Sleep(500 * time.Millisecond) {
			var list struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			if err := json.Unmarshal([]byte(httpBody(t, recsURL)), &list); err != nil {
				t.Fatalf("recs: %v", err)
			}
			items, gone = items[:0], true
			for _, it := range list.Items {
				items = append(items, it.ID)
				gone = gone && it.ID != report.Picked
			}
		}
		if !gone {
			t.Errorf("the played title %s is still in the viewer's recommendations %v", report.Picked, items)
		}
	}
	var startup, watch uint64
	if err := conn.QueryRow(cctx, "SELECT toUInt64(max(startup_ms)), toUInt64(sum(watch_ms)) FROM cuepoint.playback WHERE session_id = ?", report.Session.QoESession).Scan(&startup, &watch); err != nil {
		t.Fatal(err)
	}
	if startup == 0 || watch == 0 {
		t.Errorf("QoE of the session: startup %d ms, watch %d ms; want both reported", startup, watch)
	}
	t.Logf("ClickHouse: %d impressions, QoE startup %d ms and %d ms watched for session %s", wantAds, startup, watch, report.Session.QoESession)
}

// TestOriginPlayerFlags: bad web player settings stop `cuepoint origin` before it starts, with
// exit code 2 and a message naming the setting.
func TestOriginPlayerFlags(t *testing.T) {
	senders := filepath.Join(t.TempDir(), "senders.json")
	os.WriteFile(senders, []byte(`{"senders": [{"id": "web-player", "secrets": ["`+strings.Repeat("ab", 32)+`"], "families": ["playback", "recs"]}]}`), 0o600)
	media := "--media-root=" + t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--player-collector-url=http://127.0.0.1:8088"}, "player-senders"},
		{[]string{"--player-collector-url=http://127.0.0.1:8088", "--player-senders=" + senders, "--player-sender=other"}, "player-sender"},
		{[]string{"--player-ssai-url=127.0.0.1:8083"}, "scheme://host"},
		{[]string{"--player-recs-url=http://127.0.0.1:8085/v1"}, "scheme://host"},
		{[]string{"--player-collector-url=http://127.0.0.1:8088", "--player-senders=" + senders, "--player-token-ttl=5h"}, "TTL"},
	} {
		_, stderr, code := runBinary(t, nil, append([]string{"origin", media, "--addr=127.0.0.1:0"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("origin %v: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, stderr, c.want)
		}
	}
}

// TestPlayerUnitJS runs the web player's unit tests (web/player/test/unit.test.mjs, node's
// test runner): break and ad placement on the VOD and live timelines, client-side beacons,
// the events' shapes.
func TestPlayerUnitJS(t *testing.T) {
	repo := browsertest.RepoRoot(t)
	node, _ := browsertest.Need(t, repo, "playwright-core", "esbuild", "hls.js")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", filepath.Join(repo, "web", "player", "test", "unit.test.mjs"))
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("# fail 0")) {
		t.Fatalf("node --test reported failures:\n%s", out)
	}
}

// demoSessionHasAds starts a session of the demo source as the player does and tells whether
// its tracking JSON has a preroll and a midroll with ads.
func demoSessionHasAds(ssai string) bool {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Post(ssai+"/v1/sessions", "application/json", strings.NewReader(`{"source":"demo","uid":"player-test-probe"}`))
	if err != nil {
		return false
	}
	var s struct {
		TrackingURL string `json:"trackingUrl"`
	}
	err = json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	if err != nil || resp.StatusCode/100 != 2 || s.TrackingURL == "" {
		return false
	}
	// Ads are decided as the player reaches them: fetch the playlists as a player would.
	if r, err := c.Get(s.TrackingURL); err == nil {
		var tr struct {
			Avails []struct {
				Ads []json.RawMessage `json:"ads"`
			} `json:"avails"`
		}
		err = json.NewDecoder(r.Body).Decode(&tr)
		r.Body.Close()
		if err == nil && len(tr.Avails) >= 2 && len(tr.Avails[0].Ads) > 0 && len(tr.Avails[1].Ads) > 0 {
			return true
		}
	}
	return false
}

// hasChild tells whether process pid has a child named comm.
func hasChild(pid int, comm string) bool {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(raw)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		fields := strings.Fields(s[close+1:])
		if len(fields) > 1 && s[open+1:close] == comm && fields[1] == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}

func httpBody(t *testing.T, url string) string {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// buildPlayer builds the web player into dir, as `make web` does into web/player/dist.
func buildPlayer(t *testing.T, node, repo, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(repo, "web", "player", "build.mjs"), "--outdir", dir)
	cmd.Dir = repo
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("build the player: %v\n%s", err, out.String())
	}
}

// copyTree adds the files of the tree src that dst lacks to dst, with hard links when link is
// set (copies across devices, or when link is not set); hidden entries (staging and download
// directories) are skipped. A new dst is built aside and renamed into place; into an existing
// one (a cache saved by an earlier run, lacking what a changed ladder conditioned since) each
// file lands whole. It fails with fs.ErrNotExist when src does not exist.
func copyTree(src, dst string, link bool) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	target := dst
	_, err := os.Stat(dst)
	fresh := err != nil
	if fresh {
		target = filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".partial") // hidden: never served half made
		os.RemoveAll(target)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		to := filepath.Join(target, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type().IsRegular():
			if _, err := os.Lstat(to); err == nil {
				return nil // already there
			}
			if link && os.Link(p, to) == nil {
				return nil
			}
			tmp := filepath.Join(filepath.Dir(to), "."+filepath.Base(to)+".partial")
			if err := copyFile(p, tmp); err != nil {
				os.Remove(tmp)
				return err
			}
			return os.Rename(tmp, to)
		}
		return nil
	})
	if fresh {
		if err == nil {
			err = os.Rename(target, dst)
		}
		if err != nil {
			os.RemoveAll(target)
		}
	}
	return err
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// TestCopyTree: the test cache is built fresh aside, later added to, and never takes hidden
// staging entries.
func TestCopyTree(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(src, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	write("a/1.ts", "one")
	write(".incoming/x", "partial download")
	write("a/.seg.tmp", "staging")
	dst := filepath.Join(out, "cache", "media")
	if err := copyTree(filepath.Join(src, "missing"), dst, true); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing source: %v", err)
	}
	if err := copyTree(src, dst, false); err != nil {
		t.Fatal(err)
	}
	write("b/2.ts", "two")
	write("a/1.ts", "changed at the source")
	if err := copyTree(src, dst, true); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(out, p)
			got = append(got, rel+"="+string(b))
		}
		return nil
	})
	want := []string{"cache/media/a/1.ts=one", "cache/media/b/2.ts=two"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("copied %v, want %v", got, want)
	}
}
