package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cuepoint/cuepoint/internal/browsertest"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

// buildWeb bundles the front end into a directory of the test's own, as `make web` does.
func buildWeb(t *testing.T, node, root string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "dist")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "web", "dashboard", "build.mjs"), "--outdir", out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the front end: %v\n%s", err, b)
	}
	return out
}

// startDashboard serves a Dashboard on a free loopback port until the test ends.
func startDashboard(t testing.TB, o Options) string {
	t.Helper()
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New("dashboard", "127.0.0.1:0", server.WithLogger(logging.Discard))
	d.Mount(srv)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dashboard server: %v", err)
		}
	})
	return "http://" + srv.Addr()
}

// artifactPath is where a test leaves a file for people to look at: $CUEPOINT_ARTIFACTS, or
// .cuepoint/artifacts under the repository root.
func artifactPath(t *testing.T, root, name string) string {
	dir := os.Getenv("CUEPOINT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(root, ".cuepoint", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// TestDashboardInBrowser loads the dashboard in headless Chromium against seeded traffic in
// a real ClickHouse and checks, in the page, that nothing logged an error and that what two
// charts draw equals what direct SQL on the raw events computes.
func TestDashboardInBrowser(t *testing.T) {
	root := browsertest.RepoRoot(t)
	node, chromium := browsertest.Need(t, root, "playwright-core", "esbuild", "uplot")
	webRoot := buildWeb(t, node, root)
	conn, _, database := testDB(t)
	insertEvents(t, conn, database, traffic(2, seedBase, seedMinutes))
	base := startDashboard(t, Options{Conn: conn, Database: database, WebRoot: webRoot})

	from, to := seedBase.Unix(), seedBase.Add(seedMinutes*time.Minute).Unix()
	const step = 600
	expect := map[string]any{"charts": map[string]any{
		"quartile-funnel": expectFunnel(t, conn, database, from, to),
		"revenue":         expectRevenue(t, conn, database, from, to, step),
	}}
	expFile := filepath.Join(t.TempDir(), "expect.json")
	b, _ := json.Marshal(expect)
	if err := os.WriteFile(expFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := artifactPath(t, root, "dashboard.png")
	url := fmt.Sprintf("%s/?from=%d&to=%d&step=%d&live=0", base, from, to, step)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "web", "dashboard", "test", "browser.mjs"),
		"--url", url, "--expect", expFile, "--screenshot", shot)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CUEPOINT_CHROMIUM="+chromium)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var report struct {
		Failures []string       `json:"failures"`
		Checked  map[string]any `json:"checked"`
		Charts   []string       `json:"charts"`
		SQLShown string         `json:"sqlShown"`
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
	if len(report.Charts) != len(Charts) {
		t.Errorf("the page shows %d charts %v, want %d", len(report.Charts), report.Charts, len(Charts))
	}
	if len(report.Checked) != 2 {
		t.Errorf("checked %v, want the funnel and the revenue", report.Checked)
	}
	t.Logf("checked %v against SQL; the SQL toggle shows %q; screenshot %s", report.Checked, report.SQLShown, shot)
}

// expectFunnel computes the quartile funnel from the raw ad events.
func expectFunnel(t *testing.T, conn driver.Conn, database string, from, to int64) map[string]any {
	counts := rawSeriesS(t, conn, fmt.Sprintf(`SELECT type, count() FROM %s.ads
		WHERE type != 'decision' AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY type`, database, from, to))
	var x []any
	var v []float64
	for _, s := range funnelStages {
		x = append(x, s)
		v = append(v, counts[s])
	}
	if v[0] == 0 || v[5] == 0 {
		t.Fatalf("seeded funnel is empty: %v", v)
	}
	return map[string]any{"x": x, "series": map[string]any{"events_n": v}}
}

// expectRevenue computes ad revenue per bucket from the raw impressions, billed and won
// revenue from the raw notices.
func expectRevenue(t *testing.T, conn driver.Conn, database string, from, to, step int64) map[string]any {
	q := func(kind string) map[int64]float64 {
		return rawSeries(t, conn, fmt.Sprintf(`SELECT toUInt32(intDiv(toUInt32(time), %d) * %d) AS b, sum(price_micros) / 1e9 AS v
			FROM %s.wins WHERE type = '%s' AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY b`, step, step, database, kind, from, to))
	}
	billed, won := q("billing"), q("win")
	imps := rawSeries(t, conn, fmt.Sprintf(`SELECT toUInt32(intDiv(toUInt32(time), %d) * %d) AS b, sum(price_micros) / 1000 / 1e6 AS v
		FROM %s.ads WHERE type = 'impression' AND time >= toDateTime(%d) AND time < toDateTime(%d) GROUP BY b`, step, step, database, from, to))
	var x []int64
	var iv, bv, wv []float64
	for b := from - from%step; b < to; b += step {
		x = append(x, b)
		iv = append(iv, imps[b])
		bv = append(bv, billed[b])
		wv = append(wv, won[b])
	}
	return map[string]any{"x": x, "series": map[string]any{"ad_revenue": iv, "billed": bv, "won": wv}}
}
