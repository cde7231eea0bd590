package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/internal/browsertest"
)

var update = flag.Bool("update", false, "rewrite deploy/grafana/dashboards/cuepoint.json from Charts")

// TestGrafanaDashboardUpToDate keeps the provisioned Grafana dashboard generated from the
// same chart definitions as the API.
func TestGrafanaDashboardUpToDate(t *testing.T) {
	want, err := GrafanaDashboard(schema.Database)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(browsertest.RepoRoot(t), "deploy", "grafana", "dashboards", "cuepoint.json")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: regenerate it with go test ./analytics/dashboard -run TestGrafanaDashboardUpToDate -update", path)
	}
	var model struct {
		Panels []struct {
			Type    string
			Title   string
			Targets []struct {
				Datasource struct{ UID string }
				RawSQL     string
			}
		}
	}
	if err := json.Unmarshal(got, &model); err != nil {
		t.Fatal(err)
	}
	if len(model.Panels) != len(Charts) {
		t.Fatalf("%d panels for %d charts", len(model.Panels), len(Charts))
	}
	for i, p := range model.Panels {
		sql := p.Targets[0].RawSQL
		if p.Title != Charts[i].Title || p.Targets[0].Datasource.UID != GrafanaDatasourceUID || strings.Contains(sql, "{") {
			t.Errorf("panel %d: %+v", i, p)
		}
	}
	// The provisioned datasource is the one the panels name.
	ds, err := os.ReadFile(filepath.Join(browsertest.RepoRoot(t), "deploy", "grafana", "provisioning", "datasources", "clickhouse.yaml"))
	if err != nil || !bytes.Contains(ds, []byte("uid: "+GrafanaDatasourceUID)) || !bytes.Contains(ds, []byte("type: "+grafanaPlugin)) {
		t.Errorf("clickhouse.yaml does not provision %s (%s): %v", GrafanaDatasourceUID, grafanaPlugin, err)
	}
}

// TestGrafanaSQLRuns expands the macros as the ClickHouse plugin does and runs every panel's
// query on the real server.
func TestGrafanaSQLRuns(t *testing.T) {
	conn, _, database := testDB(t)
	insertEvents(t, conn, database, traffic(4, seedBase, 20))
	from, to := seedBase.Unix(), seedBase.Add(20*time.Minute).Unix()
	macros := strings.NewReplacer("$__fromTime", "toDateTime("+itoa(from)+")", "$__toTime", "toDateTime("+itoa(to)+")", "$__interval_s", "120")
	q := NewQuerier(conn, database, 10*time.Second)
	for i := range Charts {
		sql := macros.Replace(Charts[i].GrafanaSQL(database))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		rows, err := conn.Query(q.withSettings(ctx), sql)
		if err != nil {
			cancel()
			t.Fatalf("%s: %v\n%s", Charts[i].Name, err, sql)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		cancel()
		if n == 0 {
			t.Errorf("%s: no rows", Charts[i].Name)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
