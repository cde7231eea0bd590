package db

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

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

// TestDriverSurvivesCassandraFaults is the evidence for cassandra_legacy.go: a session with
// the production settings (40 ms per attempt, topology, status and schema events on) against
// the test Cassandra (2.1 in dev and CI) outlives a JVM pause long enough to fail the control
// connection's heartbeat, and a kill -9 and restart of the node. Both make gocql reconnect its
// control connection and refresh the ring — where gocql v1.7.0 panicked against 2.1 (a panic
// in gocql's goroutines would end this test binary), and where the v2 driver drops its only
// host when the initial host lookup is off. Both peer settings are checked.
func TestDriverSurvivesCassandraFaults(t *testing.T) {
	for _, discover := range []bool{false, true} {
		t.Run(fmt.Sprintf("discover_peers=%v", discover), func(t *testing.T) { driverFaults(t, discover) })
	}
}

func driverFaults(t *testing.T, discover bool) {
	node := stacktest.OwnCassandra(t)
	logs := &gocqlLog{}
	t.Cleanup(func() {
		if t.Failed() {
			logs.mu.Lock()
			defer logs.mu.Unlock()
			for _, l := range logs.lines {
				t.Log(l)
			}
		}
	})
	c := CassandraCluster(node.Hosts(), CassandraOptions{Timeout: 40 * time.Millisecond, DiscoverPeers: discover})
	c.Logger = GocqlLogger(slog.New(logs))
	s, err := c.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	release, err := CassandraRelease(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Cassandra %s", release)
	answers := func(within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			qctx, cancel := context.WithTimeout(ctx, time.Second)
			_, err := CassandraRelease(qctx, s)
			cancel()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: session does not answer again: %v", time.Now().Format("15:04:05.000"), err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// A JVM pause longer than the heartbeat interval (5 s): the heartbeat times out and the
	// control connection reconnects and refreshes the ring once the JVM resumes.
	before := logs.count("Reconnecting the control connection.")
	if err := syscall.Kill(node.PID(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(7 * time.Second)
	if err := syscall.Kill(node.PID(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: resumed", time.Now().Format("15:04:05.000"))
	answers(30 * time.Second)
	if logs.count("Reconnecting the control connection.") == before {
		t.Fatal("the pause did not make gocql reconnect its control connection: the test proves nothing")
	}

	// kill -9, then a restart: the ring is refreshed when the control connection is back.
	before = logs.count("Control connection connected to host.")
	if err := node.Kill(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if _, err := CassandraRelease(ctx, s); err == nil {
		t.Fatal("a query answered with Cassandra killed")
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := node.Restart(rctx); err != nil {
		t.Fatal(err)
	}
	answers(90 * time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for logs.count("Control connection connected to host.") == before {
		if time.Now().After(deadline) {
			t.Fatal("the control connection did not reconnect after the restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Give a late ring refresh time to run (and to panic, had it still done so).
	time.Sleep(2 * time.Second)
	answers(time.Second)
	if n := logs.count("Unable to refresh ring."); n > 0 {
		t.Logf("ring refreshes that failed while the node was down: %d", n)
	}
}

// gocqlLog counts gocql's messages.
type gocqlLog struct {
	mu    sync.Mutex
	msgs  map[string]int
	lines []string
}

func (l *gocqlLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *gocqlLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.msgs == nil {
		l.msgs = map[string]int{}
	}
	l.msgs[r.Message]++
	line := r.Time.Format("15:04:05.000") + " " + r.Message
	r.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
	l.lines = append(l.lines, line)
	return nil
}
func (l *gocqlLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *gocqlLog) WithGroup(string) slog.Handler      { return l }
func (l *gocqlLog) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.msgs[msg]
}
