package db

import (
	"context"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

func TestLegacyCassandra(t *testing.T) {
	for v, want := range map[string]bool{"2.1.0": true, "2.0.17": true, "2.2.0": false, "4.1.3": false, "5.0.2": false, "x": false} {
		if got := LegacyCassandra(v); got != want {
			t.Errorf("LegacyCassandra(%q) = %v", v, got)
		}
	}
}

func TestOpenCassandraAndClickHouse(t *testing.T) {
	ctx := context.Background()
	s, err := OpenCassandra(stacktest.Cassandra(t), CassandraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	release, err := CassandraRelease(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if release == "" {
		t.Fatal("no release version")
	}
	// The reopened (legacy) session works.
	if err := s.Query("SELECT now() FROM system.local").Exec(); err != nil {
		t.Fatalf("session unusable: %v", err)
	}

	ch, err := OpenClickHouse(ctx, stacktest.ClickHouse(t), ClickHouseOptions{ReadTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	var one uint8
	if err := ch.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	if _, err := OpenClickHouse(ctx, "127.0.0.1:1", ClickHouseOptions{DialTimeout: 200 * time.Millisecond}); err == nil {
		t.Fatal("connecting to a closed port must fail")
	}
}

func TestLegacySafeSettings(t *testing.T) {
	c := CassandraCluster([]string{"127.0.0.1:9042"}, CassandraOptions{Timeout: 30 * time.Millisecond})
	if c.Timeout != 30*time.Millisecond || c.Events.DisableTopologyEvents {
		t.Fatalf("modern defaults changed: %v %+v", c.Timeout, c.Events)
	}
	LegacySafe(c)
	if !c.Events.DisableTopologyEvents || !c.Events.DisableNodeStatusEvents || c.Timeout < LegacyAttemptTimeout || c.WriteTimeout < LegacyAttemptTimeout {
		t.Fatalf("legacy settings not applied: %v %+v", c.Timeout, c.Events)
	}
}
