package dashboard

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestAPI checks the HTTP surface on the real server: the chart list, a chart's rows and SQL,
// the reasons of 400s and 404s, and the page with and without a front-end build.
func TestAPI(t *testing.T) {
	conn, _, database := testDB(t)
	insertEvents(t, conn, database, traffic(3, seedBase, 30))
	web := t.TempDir()
	now := func() time.Time { return seedBase.Add(time.Hour) }
	base := startDashboard(t, Options{Conn: conn, Database: database, WebRoot: web, Now: now})

	code, body, hdr := get(t, base+"/api/charts")
	var list struct {
		Database string
		Charts   []chartInfo
	}
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("/api/charts: %d %s", code, body)
	}
	if list.Database != database || len(list.Charts) != len(Charts) || list.Charts[0].API != "/api/charts/"+Charts[0].Name ||
		!strings.Contains(list.Charts[0].SQL, database+".") || strings.Contains(list.Charts[0].SQL, "{db}") {
		t.Errorf("chart list: %+v", list)
	}

	code, body, _ = get(t, base+"/api/charts/quartile-funnel?from=now-1h&to=now&step=5m")
	var res Result
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil {
		t.Fatalf("funnel: %d %s", code, body)
	}
	if res.Range != (Range{From: seedBase.Unix(), To: seedBase.Add(time.Hour).Unix(), Step: 300}) || res.Table != "1m" ||
		!strings.Contains(res.SQL, "FROM "+database+".ad_tracking_1m") || len(res.Rows) != 6 || res.Rows[0][0] != "impression" {
		t.Errorf("funnel result: %+v", res)
	}

	for _, c := range []struct{ query, want string }{
		{"/api/charts/revenue?from=bogus", `from: \"bogus\": want unix seconds`},
		{"/api/charts/revenue?step=45", "step: 45s: want a positive multiple of 60s"},
		{"/api/charts/revenue?from=now&to=now-1h", "from: must be before to"},
		{"/api/charts/revenue?from=now-7d&step=60", "step: 60s gives 10080 buckets"},
		{"/api/charts/revenue?form=now-1h", `unknown parameter \"form\"`},
	} {
		code, body, _ := get(t, base+c.query)
		if code != 400 || !strings.Contains(body, c.want) || !strings.HasPrefix(body, `{"error":`) {
			t.Errorf("%s: %d %s; want 400 saying %s", c.query, code, body, c.want)
		}
	}
	if code, body, _ := get(t, base+"/api/charts/nope"); code != 404 || !strings.Contains(body, "fill-rate") {
		t.Errorf("unknown chart: %d %s", code, body)
	}

	// No build yet: the page says how to make one; the API still works.
	if code, body, _ := get(t, base+"/"); code != 404 || !strings.Contains(body, "make web") || !strings.Contains(body, filepath.Join(web, "index.html")) {
		t.Errorf("page without a build: %d %s", code, body)
	}
	if code, body, _ := get(t, base+"/assets/app.js"); code != 404 || !strings.Contains(body, "make web") {
		t.Errorf("asset without a build: %d %s", code, body)
	}
	// With a build, served from disk as it is now (no restart).
	if err := os.MkdirAll(filepath.Join(web, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>t</title>"), 0o644)
	_ = os.WriteFile(filepath.Join(web, "assets", "app.js"), []byte("console.log(1)"), 0o644)
	if code, body, hdr := get(t, base+"/"); code != 200 || !strings.Contains(body, "<title>t</title>") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("page: %d %s %v", code, body, hdr)
	}
	if code, _, hdr := get(t, base+"/assets/app.js"); code != 200 || !strings.Contains(hdr.Get("Content-Type"), "javascript") {
		t.Errorf("app.js: %d %v", code, hdr)
	}
	if code, body, _ := get(t, base+"/assets/missing.js"); code != 404 || !strings.Contains(body, "assets/missing.js") {
		t.Errorf("missing asset: %d %s", code, body)
	}
	// Nothing outside the web root.
	outside := filepath.Join(filepath.Dir(web), "secret.txt")
	_ = os.WriteFile(outside, []byte("TOP-SECRET-CONTENT"), 0o644)
	for _, p := range []string{"/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/assets/%2e%2e%2f%2e%2e%2fsecret.txt"} {
		if code, body, _ := get(t, base+p); code == 200 || strings.Contains(body, "TOP-SECRET") {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
}
