package stack_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/stack"
)

// The helper parent: the test binary re-executed with helperEnv set runs a stack the way
// `cuepoint stack up` does, prints the pids of its servers, and stops it on SIGTERM.
const (
	helperEnv     = "CUEPOINT_STACK_TEST_HELPER" // the dependencies to start, e.g. "clickhouse,cassandra"
	helperRootEnv = "CUEPOINT_STACK_TEST_ROOT"
)

func helperMain(deps string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	s, err := stack.Start(ctx, stack.Options{
		Root:             os.Getenv(helperRootEnv),
		Kafka:            strings.Contains(deps, stack.DepKafka),
		ClickHouse:       strings.Contains(deps, stack.DepClickHouse),
		Cassandra:        strings.Contains(deps, stack.DepCassandra),
		KafkaAddr:        "127.0.0.1:0",
		ClickHouseNative: "127.0.0.1:0",
		ClickHouseHTTP:   "127.0.0.1:0",
		CassandraAddr:    "127.0.0.1:0",
	})
	if err != nil {
		fmt.Printf("error %v\n", strings.ReplaceAll(err.Error(), "\n", " | "))
		return 1
	}
	var pids []string
	if ch := s.ClickHouse(); ch != nil {
		pids = append(pids, fmt.Sprint(ch.PID()))
	}
	if c := s.Cassandra(); c != nil {
		pids = append(pids, fmt.Sprint(c.PID()))
	}
	fmt.Printf("ready %s\n", strings.Join(pids, " "))
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Stop(stopCtx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startHelper runs the helper parent and returns it with the pids of its servers.
func startHelper(t *testing.T, root, deps string) (*exec.Cmd, []int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+deps, helperRootEnv+"="+root)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
		_, _ = io.Copy(io.Discard, out)
	}()
	var l string
	select {
	case l = <-line:
	case <-time.After(testTimeout):
		t.Fatal("the helper parent did not report")
	}
	fields := strings.Fields(l)
	if len(fields) == 0 || fields[0] != "ready" {
		if strings.Contains(l, "not found: run `make deps`") && os.Getenv("CI") != "true" {
			t.Skip(strings.TrimPrefix(l, "error "))
		}
		t.Fatalf("helper parent: %q", l)
	}
	var pids []int
	for _, f := range fields[1:] {
		var pid int
		if _, err := fmt.Sscan(f, &pid); err != nil {
			t.Fatalf("helper parent: %q", l)
		}
		pids = append(pids, pid)
	}
	return cmd, pids
}

// waitDead waits until pid is gone; a bound on a failure, not a claim about speed.
func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still alive", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChildrenDieWithParentKill9 kills the parent with SIGKILL, which it cannot catch: its
// servers must die anyway (the parent-death signal), and the next start of the same root
// must clean up the stale pidfiles.
func TestChildrenDieWithParentKill9(t *testing.T) {
	ctx := testContext(t)
	root := t.TempDir()
	parent, pids := startHelper(t, root, "clickhouse,cassandra")
	if len(pids) != 2 {
		t.Fatalf("helper reported pids %v", pids)
	}
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("server pid %d is not running", pid)
		}
	}
	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	for _, pid := range pids {
		waitDead(t, pid)
	}

	for _, st := range stack.Status(ctx, root) {
		want := stack.StateStale
		if st.Name == stack.DepKafka {
			want = stack.StateNotRunning
		}
		if st.State != want {
			t.Errorf("status of %s after the parent died: %s, want %s", st.Name, st.State, want)
		}
	}
	ch, err := stack.StartClickHouse(ctx, stack.ClickHouseConfig{Root: root, NativeAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("start over a stale pidfile: %v", err)
	}
	if err := ch.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestDownStopsAnotherProcessStack is `cuepoint stack down`: it stops a stack run by another
// process through its pidfiles.
func TestDownStopsAnotherProcessStack(t *testing.T) {
	ctx := testContext(t)
	root := t.TempDir()
	parent, pids := startHelper(t, root, "kafka,clickhouse")
	if err := stack.Down(ctx, root, nil); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if err := parent.Wait(); err != nil {
		t.Fatalf("the stack's process did not stop cleanly: %v", err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("server pid %d alive after Down", pid)
		}
	}
	for _, st := range stack.Status(ctx, root) {
		if st.State != stack.StateNotRunning {
			t.Errorf("status of %s after Down: %s", st.Name, st.State)
		}
	}
	if err := stack.Down(ctx, root, nil); err != nil {
		t.Fatalf("Down of a stopped stack: %v", err)
	}
}
