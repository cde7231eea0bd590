package featurestore

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// TestCassandraKilledAndRestarted kills the store's Cassandra: reads keep answering within
// the caller's deadline, from the near-cache (stale) or with defaults, writes fail with
// ErrUnavailable; after a restart the store recovers by itself.
func TestCassandraKilledAndRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Cassandra")
	}
	node := stacktest.OwnCassandra(t)
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Hosts, cfg.Keyspace = node.Hosts(), "cuepoint"
	mctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := Migrate(mctx, cfg, nil); err != nil {
		t.Fatal(err)
	}
	s := openTestStore(t, node.Hosts(), "cuepoint", func(c *Config) {
		c.Registry = testRegistry
		c.BreakerFailures, c.BreakerCooldown = 5, 100*time.Millisecond
	})

	known := make([]string, 50)
	for i := range known {
		known[i] = fmt.Sprintf("k%02d", i)
		if err := s.Put(ctx, "thing", known[i], "fast", Fields{"n": int64(i)}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	// Unknown ids per outage: reads left behind by the first outage may complete after it and
	// cache the unknown ids as absent.
	ids := append(append([]string(nil), known...), "never-seen-1", "never-seen-2")
	ids2 := append(append([]string(nil), known...), "never-seen-3", "never-seen-4")
	if out, _ := s.BatchGet(ctx, "thing", known, []string{"fast"}); out[0].Status != StatusFound {
		t.Fatalf("before the kill: %v", out[0].Status)
	}

	// Hung (SIGSTOP): reads wait for nothing longer than the caller's deadline.
	if err := syscall.Kill(node.PID(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // past the view's 50 ms freshness: every entry is stale
	degradedRounds(t, s, ids, len(known), "hung")
	// A pause past gocql's 5 s heartbeat: its control connection reconnects and refreshes the
	// ring when the JVM resumes (where older drivers panicked or lost their only host).
	time.Sleep(8 * time.Second)
	degradedRounds(t, s, ids, len(known), "hung 8s")
	if err := syscall.Kill(node.PID(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitFound(t, s, ids[:3])

	// Dead (SIGKILL): connections refused; the breaker opens.
	if err := node.Kill(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	degradedRounds(t, s, ids2, len(known), "killed")
	if err := s.Put(ctx, "thing", "k00", "fast", Fields{"n": int64(100)}, time.Time{}); !IsUnavailable(err) {
		t.Fatalf("write with Cassandra down: %v, want ErrUnavailable", err)
	}

	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := node.Restart(rctx); err != nil {
		t.Fatal(err)
	}
	// No reconnect call: the session and the breaker find the node again by themselves.
	waitFound(t, s, ids[:3])
	if err := s.Put(ctx, "thing", "k00", "fast", Fields{"n": int64(100)}, time.Time{}); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
	if e, _ := s.Get(ctx, "thing", "k00", "fast"); e.Views[0].Int("n") != 100 {
		t.Fatalf("read after recovery n=%d", e.Views[0].Int("n"))
	}
}

// degradedRounds reads ids with a 50 ms deadline several times while Cassandra is down: the
// first `known` are cached (stale), the others never were (defaults). The first rounds find
// Cassandra failing, later ones the breaker open.
func degradedRounds(t *testing.T, s *Store, ids []string, known int, how string) {
	t.Helper()
	for round := 0; round < 5; round++ {
		rctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		out, err := s.BatchGet(rctx, "thing", ids, []string{"fast"})
		elapsed := time.Since(start)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Cassandra %s, round %d: %d entities answered in %s (deadline 50ms)", how, round, len(out), elapsed)
		for i, e := range out {
			switch {
			case i < known:
				if e.Status != StatusStale || e.Views[0].Int("n") != int64(i) {
					t.Fatalf("round %d: %s = %v n=%d, want stale n=%d", round, e.ID, e.Status, e.Views[0].Int("n"), i)
				}
			default:
				if e.Status != StatusDefault || e.Views[0].Int("n") != -1 {
					t.Fatalf("round %d: %s = %v n=%d, want default -1", round, e.ID, e.Status, e.Views[0].Int("n"))
				}
			}
		}
	}
}

// waitFound polls until the store reads ids from Cassandra again, and checks a value written
// before the outage survived it.
func waitFound(t *testing.T, s *Store, ids []string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, err := s.BatchGet(context.Background(), "thing", ids, []string{"fast"})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Status == StatusFound && out[len(out)-1].Status == StatusFound {
			if got := out[len(out)-1].Views[0].Int("n"); got != int64(len(out)-1) {
				t.Fatalf("after the outage n=%d, want %d (written before it)", got, len(out)-1)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("store did not recover: %v", out[0].Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
