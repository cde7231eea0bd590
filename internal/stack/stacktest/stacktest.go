package stacktest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/stack"
)

// stopTimeout bounds the graceful stop of a test's server before it is killed.
const stopTimeout = 30 * time.Second

// mainRunning is set while Main runs the package's tests: only then are servers shared.
var mainRunning atomic.Bool

// Main runs the package's tests, then stops the servers they shared and removes their
// directories, and exits with the tests' status. Call it from TestMain:
//
//	func TestMain(m *testing.M) { stacktest.Main(m) }
func Main(m *testing.M) {
	mainRunning.Store(true)
	code := m.Run()
	mainRunning.Store(false)
	if err := shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "stacktest: stopping shared servers: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Kafka returns the seed brokers of a Kafka the test may use: CUEPOINT_KAFKA_BROKERS when
// set, otherwise a fresh embedded broker of the test's own.
func Kafka(t testing.TB) []string {
	t.Helper()
	if brokers := envList(stack.EnvKafkaBrokers); len(brokers) > 0 {
		return brokers
	}
	return OwnKafka(t).Brokers()
}

// ClickHouse returns the native protocol address of a ClickHouse the test may use:
// CUEPOINT_CLICKHOUSE_ADDR when set, otherwise the test binary's shared server (see Main).
func ClickHouse(t testing.TB) string {
	t.Helper()
	if addr := strings.TrimSpace(os.Getenv(stack.EnvClickHouseAddr)); addr != "" {
		return addr
	}
	if !mainRunning.Load() {
		t.Log("stacktest: this package's TestMain does not call stacktest.Main: the test gets a ClickHouse of its own")
		return OwnClickHouse(t).Addr()
	}
	ch, err := sharedClickHouse.get(func(root string) (*stack.ClickHouse, error) {
		return stack.StartClickHouse(context.Background(), clickhouseConfig(root))
	})
	if err != nil {
		fail(t, err)
	}
	return ch.Addr()
}

// Cassandra returns the CQL hosts of a Cassandra the test may use: CUEPOINT_CASSANDRA_HOSTS
// when set, otherwise the test binary's shared node (see Main). Connect with db.OpenCassandra
// or db.CassandraCluster (internal/db; the driver settles on protocol 3 with Cassandra 2.1,
// or set ProtoVersion 3). Do not set DisableInitialHostLookup on a session that may outlive a
// reconnect (a restarted or paused node): the v2 driver then loses its only host on the first
// ring refresh ("no hosts available in the pool" for good). internal/db looks the ring up and
// keeps to the contact points with a host filter instead (internal/db/cassandra_legacy.go).
func Cassandra(t testing.TB) []string {
	t.Helper()
	if hosts := envList(stack.EnvCassandraHosts); len(hosts) > 0 {
		return hosts
	}
	if !mainRunning.Load() {
		t.Log("stacktest: this package's TestMain does not call stacktest.Main: the test gets a Cassandra of its own")
		return OwnCassandra(t).Hosts()
	}
	c, err := sharedCassandra.get(func(root string) (*stack.Cassandra, error) {
		return stack.StartCassandra(context.Background(), cassandraConfig(root))
	})
	if err != nil {
		fail(t, err)
	}
	return c.Hosts()
}

// OwnKafka starts an in-memory embedded broker on a free port for the test alone, stopped
// when the test ends.
func OwnKafka(t testing.TB) *stack.Kafka {
	t.Helper()
	k, err := stack.StartKafka(context.Background(), stack.KafkaConfig{Root: t.TempDir(), Addr: "127.0.0.1:0", Logger: logger()})
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() { stopOrError(t, k.Stop) })
	return k
}

// OwnClickHouse starts a ClickHouse server on free ports for the test alone, to kill and
// restart at will; it is stopped when the test ends.
func OwnClickHouse(t testing.TB) *stack.ClickHouse {
	t.Helper()
	ch, err := stack.StartClickHouse(context.Background(), clickhouseConfig(t.TempDir()))
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() { stopOrError(t, ch.Stop) })
	return ch
}

// OwnCassandra starts a Cassandra node on free ports for the test alone, to kill and restart
// at will; it is stopped when the test ends. Its commit log is synced before every write is
// acknowledged (stack.CassandraConfig.DurableWrites), so a Kill loses no acknowledged write
// and a test can tell a lost write from a bug.
func OwnCassandra(t testing.TB) *stack.Cassandra {
	t.Helper()
	cfg := cassandraConfig(t.TempDir())
	cfg.DurableWrites = true
	c, err := stack.StartCassandra(context.Background(), cfg)
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() { stopOrError(t, c.Stop) })
	return c
}

func clickhouseConfig(root string) stack.ClickHouseConfig {
	return stack.ClickHouseConfig{Root: root, NativeAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Logger: logger()}
}

func cassandraConfig(root string) stack.CassandraConfig {
	return stack.CassandraConfig{Root: root, Addr: "127.0.0.1:0", Logger: logger()}
}

// fail skips the test when a server program is missing (fails it under CI=true) and fails it
// for any other error.
func fail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, stack.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skipf("stacktest: %v", err)
	}
	t.Fatalf("stacktest: %v", err)
}

func stopOrError(t testing.TB, stop func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := stop(ctx); err != nil {
		t.Errorf("stacktest: %v", err)
	}
}

// logger reports the servers' warnings and errors on standard error; their logs are in the
// stack root's logs directory.
func logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func envList(name string) []string {
	var out []string
	for _, s := range strings.Split(os.Getenv(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sharedServer is one server per test binary, started on first use in a temporary root. A
// failed start is remembered: every test asking for it reports the same error.
type sharedServer[S interface{ Stop(context.Context) error }] struct {
	mu      sync.Mutex
	started bool
	server  S
	root    string
	err     error
}

var (
	sharedClickHouse sharedServer[*stack.ClickHouse]
	sharedCassandra  sharedServer[*stack.Cassandra]
)

func (s *sharedServer[S]) get(start func(root string) (S, error)) (S, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		s.root, s.err = os.MkdirTemp("", "cuepoint-stacktest-")
		if s.err == nil {
			s.server, s.err = start(s.root)
			if s.err != nil {
				_ = os.RemoveAll(s.root)
				s.root = ""
			}
		}
	}
	return s.server, s.err
}

// stop stops the server if it was started and removes its root.
func (s *sharedServer[S]) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err := s.server.Stop(ctx)
	if rerr := os.RemoveAll(s.root); rerr != nil {
		err = errors.Join(err, rerr)
	}
	var zero S
	s.started, s.server, s.root = false, zero, ""
	return err
}

func shutdown() error {
	var wg sync.WaitGroup
	var errCH, errCas error
	wg.Go(func() { errCH = sharedClickHouse.stop() })
	wg.Go(func() { errCas = sharedCassandra.stop() })
	wg.Wait()
	return errors.Join(errCH, errCas)
}
