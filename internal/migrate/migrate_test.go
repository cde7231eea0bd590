package migrate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

func TestValidateOrder(t *testing.T) {
	for _, ms := range [][]Migration{
		{{Version: 2}, {Version: 1}},
		{{Version: 1}, {Version: 1}},
		{{Version: 0}},
	} {
		if err := validate(ms); err == nil {
			t.Errorf("validate(%v) accepted an out-of-order list", ms)
		}
	}
	if err := validate([]Migration{{Version: 1}, {Version: 5}}); err != nil {
		t.Error(err)
	}
}

func TestParseServerVersion(t *testing.T) {
	v, err := ParseServerVersion("18.16.1")
	if err != nil || v.Major != 18 || v.Minor != 16 || !v.AtLeast(18, 16) || v.AtLeast(19, 0) || !v.AtLeast(1, 99) {
		t.Fatalf("%+v %v", v, err)
	}
	if _, err := ParseServerVersion("banana"); err == nil {
		t.Fatal("want an error")
	}
}

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
}

func TestClickHouseMigrationsAreVersionedAndIdempotent(t *testing.T) {
	ctx := context.Background()
	conn, err := db.OpenClickHouse(ctx, stacktest.ClickHouse(t), db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dbName := uniqueName("migrate_test")
	defer conn.Exec(ctx, "DROP DATABASE IF EXISTS "+dbName)

	v1 := Migration{Version: 1, Name: "events", Up: []string{
		"CREATE TABLE IF NOT EXISTS " + dbName + ".events (id String, t DateTime) ENGINE = MergeTree ORDER BY id",
	}}
	var sawVersion ServerVersion
	v2 := Migration{Version: 2, Name: "by version", UpFunc: func(sv ServerVersion) []string {
		sawVersion = sv
		return []string{"CREATE TABLE IF NOT EXISTS " + dbName + ".more (n UInt32) ENGINE = MergeTree ORDER BY n"}
	}}

	applied, err := ClickHouse(ctx, conn, dbName, []Migration{v1})
	if err != nil || fmt.Sprint(applied) != "[1]" {
		t.Fatalf("first run: %v %v", applied, err)
	}
	applied, err = ClickHouse(ctx, conn, dbName, []Migration{v1, v2})
	if err != nil || fmt.Sprint(applied) != "[2]" {
		t.Fatalf("second run applies only the new version: %v %v", applied, err)
	}
	if sawVersion.Major == 0 {
		t.Fatal("UpFunc did not receive the server version")
	}
	applied, err = ClickHouse(ctx, conn, dbName, []Migration{v1, v2})
	if err != nil || len(applied) != 0 {
		t.Fatalf("third run must be a no-op: %v %v", applied, err)
	}
	done, err := ClickHouseApplied(ctx, conn, dbName)
	if err != nil || !done[1] || !done[2] || len(done) != 2 {
		t.Fatalf("recorded versions %v %v", done, err)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name IN ('events', 'more')", dbName).Scan(&n); err != nil || n != 2 {
		t.Fatalf("tables created: %d %v", n, err)
	}

	// A failing statement stops the run and leaves the version unrecorded, so the next run
	// (with the statement fixed) completes it.
	bad := Migration{Version: 3, Name: "broken", Up: []string{"CREATE TABLE nonsense ("}}
	if _, err := ClickHouse(ctx, conn, dbName, []Migration{v1, v2, bad}); err == nil || !strings.Contains(err.Error(), "migration 3") {
		t.Fatalf("broken migration: %v", err)
	}
	fixed := Migration{Version: 3, Name: "fixed", Up: []string{"CREATE TABLE IF NOT EXISTS " + dbName + ".third (n UInt8) ENGINE = MergeTree ORDER BY n"}}
	if applied, err := ClickHouse(ctx, conn, dbName, []Migration{v1, v2, fixed}); err != nil || fmt.Sprint(applied) != "[3]" {
		t.Fatalf("after fix: %v %v", applied, err)
	}
}

func TestCassandraMigrationsAreVersionedAndIdempotent(t *testing.T) {
	ctx := context.Background()
	o := db.CassandraOptions{Timeout: 10 * time.Second}
	s, err := db.OpenCassandra(stacktest.Cassandra(t), o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ks := uniqueName("migrate_test")
	defer s.Query("DROP KEYSPACE IF EXISTS " + ks).Exec()

	v1 := Migration{Version: 1, Name: "rows", Up: []string{
		"CREATE TABLE IF NOT EXISTS " + ks + ".rows (k text PRIMARY KEY, v blob)",
	}}
	v2 := Migration{Version: 2, Name: "more", Up: []string{
		"CREATE TABLE IF NOT EXISTS " + ks + ".more (k text, c int, v text, PRIMARY KEY (k, c))",
	}}
	applied, err := Cassandra(ctx, s, Keyspace{Name: ks}, []Migration{v1})
	if err != nil || fmt.Sprint(applied) != "[1]" {
		t.Fatalf("first run: %v %v", applied, err)
	}
	applied, err = Cassandra(ctx, s, Keyspace{Name: ks}, []Migration{v1, v2})
	if err != nil || fmt.Sprint(applied) != "[2]" {
		t.Fatalf("second run: %v %v", applied, err)
	}
	applied, err = Cassandra(ctx, s, Keyspace{Name: ks}, []Migration{v1, v2})
	if err != nil || len(applied) != 0 {
		t.Fatalf("third run must be a no-op: %v %v", applied, err)
	}
	if err := s.Query("INSERT INTO "+ks+".more (k, c, v) VALUES (?, ?, ?)", "a", 1, "x").Exec(); err != nil {
		t.Fatalf("migrated table unusable: %v", err)
	}
	if _, err := Cassandra(ctx, s, Keyspace{Name: "bad-name"}, nil); err == nil {
		t.Fatal("an invalid keyspace name must be refused")
	}
}
