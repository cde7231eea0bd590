package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the cuepoint binary built once for the tests that run it as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cuepoint-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "cuepoint")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build cuepoint: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runBinary(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestHelpListsCommands(t *testing.T) {
	_, stderr, code := runBinary(t, nil, "help")
	if code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for _, c := range []string{"dev", "stack", "migrate", "version"} {
		if !strings.Contains(stderr, "  "+c+" ") {
			t.Errorf("help does not list %q:\n%s", c, stderr)
		}
	}
	out, _, code := runBinary(t, nil, "dev", "--help")
	if code != 0 || !strings.Contains(out, "CUEPOINT_KAFKA_BROKERS") || !strings.Contains(out, "--port-offset") {
		t.Fatalf("dev --help (exit %d) lacks flags or their variables:\n%s", code, out)
	}
}

func TestBadSettingsExitTwoNamingTheSetting(t *testing.T) {
	cases := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"nonsense"}, "unknown command"},
		{nil, []string{"dev", "--port-offset=-5"}, "port-offset"},
		{[]string{"CUEPOINT_PORT_OFFSET=lots"}, []string{"dev"}, "CUEPOINT_PORT_OFFSET"},
		{nil, []string{"dev", "--admin-token=short"}, "admin token"},
		{nil, []string{"migrate", "--only=mysql"}, "only"},
		{nil, []string{"dev", "--log-level=chatty"}, "log level"},
	}
	for _, c := range cases {
		_, stderr, code := runBinary(t, c.env, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want exit 2 mentioning %q", c.env, c.args, code, stderr, c.want)
		}
	}
}

func freeOffset(t *testing.T) int {
	// Find an offset under which the landing port and the stack ports are free.
	for off := 20000 + os.Getpid()%5000; off < 45000; off += 97 {
		ok := true
		for _, p := range []int{8080, 8081, 8082, 8083, 8084, 8085, 8086, 8087, 8088, 9092, 9000, 8123, 9042} {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+off))
			if err != nil {
				ok = false
				break
			}
			ln.Close()
		}
		if ok {
			return off
		}
	}
	t.Fatal("no free port offset")
	return 0
}

func httpStatus(url string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// stackPIDs reads the pids the embedded stack recorded under root/run.
func stackPIDs(t *testing.T, root string) map[string]int {
	pids := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(root, "run", "*.json"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var rec struct {
			Server struct{ PID int } `json:"server"`
			Owner  struct{ PID int } `json:"owner"`
		}
		if json.Unmarshal(raw, &rec) != nil || rec.Server.PID == 0 {
			continue
		}
		if rec.Server.PID == rec.Owner.PID {
			continue // runs inside its owner (the embedded Kafka)
		}
		pids[strings.TrimSuffix(filepath.Base(f), ".json")] = rec.Server.PID
	}
	return pids
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(stat), ") Z ")
}

// TestDevRunsTheEdge starts `cuepoint dev` as a user would: cold, from an empty root, with the
// embedded stack. It checks the landing page, every service's /healthz, that killing ClickHouse
// turns /readyz unready while /healthz stays up, and that Ctrl-C stops everything with no
// process left behind.
func TestDevRunsTheEdge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack")
	}
	root := t.TempDir()
	off := freeOffset(t)
	cmd := exec.Command(binary, "dev", "--root", root, "--port-offset", strconv.Itoa(off))
	// Run dev against its own embedded stack, whatever the test environment points at.
	cmd.Env = append(os.Environ(), "CUEPOINT_KAFKA_BROKERS=", "CUEPOINT_CLICKHOUSE_ADDR=", "CUEPOINT_CASSANDRA_HOSTS=")
	var out lockedBuffer // written by os/exec's copying goroutine while the test reads it
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("cuepoint dev output:\n%s", out.String())
		}
	}()

	landing := "http://127.0.0.1:" + strconv.Itoa(8080+off)
	deadline := time.Now().Add(180 * time.Second)
	for httpStatus(landing+"/healthz") != 200 {
		select {
		case err := <-exited:
			t.Fatalf("cuepoint dev exited before answering: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("cuepoint dev did not answer /healthz on the landing port")
		}
		time.Sleep(250 * time.Millisecond)
	}
	if code := httpStatus(landing + "/"); code != 200 {
		t.Fatalf("landing page: %d", code)
	}
	for _, s := range devServices {
		if code := httpStatus(fmt.Sprintf("http://127.0.0.1:%d/healthz", s.port+off)); code != 200 {
			t.Errorf("%s /healthz: %d", s.name, code)
		}
	}
	ready := func() int { return httpStatus(landing + "/readyz") }
	for i := 0; ready() != 200; i++ {
		if i > 100 {
			t.Fatal("landing /readyz never became ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(out.String(), landing) {
		t.Errorf("dev did not print the landing URL %s", landing)
	}
	if tok, err := os.ReadFile(filepath.Join(root, "admin-token")); err != nil || len(strings.TrimSpace(string(tok))) < 32 {
		t.Errorf("admin token not saved: %q %v", tok, err)
	}

	// kill -9 of each database: readiness turns off, liveness and the process stay up.
	pids := stackPIDs(t, root)
	for _, dep := range []string{"clickhouse", "cassandra"} {
		pid, ok := pids[dep]
		if !ok {
			t.Fatalf("no %s pid recorded under %s/run: %v", dep, root, pids)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for i := 0; ready() == 200; i++ {
			if i > 100 {
				t.Fatalf("/readyz stayed ready with %s killed", dep)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if code := httpStatus(landing + "/healthz"); code != 200 {
			t.Fatalf("/healthz must stay up while %s is down: %d", dep, code)
		}
	}
	// Every service keeps answering its liveness probe with both databases gone.
	time.Sleep(2 * time.Second)
	select {
	case err := <-exited:
		t.Fatalf("cuepoint dev exited with its databases down: %v", err)
	default:
	}
	for _, s := range devServices {
		if code := httpStatus(fmt.Sprintf("http://127.0.0.1:%d/healthz", s.port+off)); code != 200 {
			t.Errorf("%s /healthz with the databases down: %d", s.name, code)
		}
	}

	// Ctrl-C: everything stops, nothing is left behind.
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("cuepoint dev did not stop within 30 s of SIGINT")
	}
	for name, pid := range pids {
		for i := 0; alive(pid); i++ {
			if i > 50 {
				t.Errorf("%s (pid %d) outlived cuepoint dev", name, pid)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestStackStatusOfAnEmptyRoot(t *testing.T) {
	root := t.TempDir()
	out, stderr, code := runBinary(t, nil, "stack", "status", "--root", root)
	if code != 3 || !strings.Contains(stderr, "no stack runs") {
		t.Fatalf("stack status of an empty root: exit %d, %q", code, stderr)
	}
	for _, dep := range []string{"kafka", "clickhouse", "cassandra"} {
		if !strings.Contains(out, dep) || !strings.Contains(out, "not running") {
			t.Errorf("status does not report %s as not running:\n%s", dep, out)
		}
	}
	if _, _, code := runBinary(t, nil, "stack", "sideways", "--root", root); code != 2 {
		t.Errorf("unknown stack action: exit %d, want 2", code)
	}
}
