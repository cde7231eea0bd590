package stack

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseEndpoint(t *testing.T) {
	for _, c := range []struct {
		addr, def, want string
		err             bool
	}{
		{"", "127.0.0.1:9000", "127.0.0.1:9000", false},
		{"localhost:9042", "", "127.0.0.1:9042", false},
		{"127.0.0.2:0", "", "127.0.0.2:0", false},
		{"[::1]:8123", "", "[::1]:8123", false},
		{"0.0.0.0:9092", "", "", true},
		{"[::]:9092", "", "", true},
		{"example.com:9092", "", "", true},
		{"127.0.0.1", "", "", true},
		{"127.0.0.1:70000", "", "", true},
	} {
		e, err := parseEndpoint("test", c.addr, c.def)
		if (err != nil) != c.err {
			t.Errorf("parseEndpoint(%q): err = %v, want error %v", c.addr, err, c.err)
			continue
		}
		if err == nil && e.String() != c.want {
			t.Errorf("parseEndpoint(%q) = %s, want %s", c.addr, e, c.want)
		}
	}
}

func TestResolvePortPicksAFreePort(t *testing.T) {
	e, err := endpoint{host: "127.0.0.1"}.resolvePort()
	if err != nil || e.port == 0 {
		t.Fatalf("resolvePort: %v, %v", e, err)
	}
	ln, err := net.Listen("tcp", e.String())
	if err != nil {
		t.Fatalf("the chosen port %d is not free: %v", e.port, err)
	}
	ln.Close()
}

func TestRetryTakenPorts(t *testing.T) {
	taken := &PortInUseError{Dep: "clickhouse", Role: "native", Addr: "127.0.0.1:21616"}
	attempts := 0
	failTwice := func() (int, error) {
		if attempts++; attempts < 3 {
			return 0, fmt.Errorf("clickhouse: %w", taken)
		}
		return 42, nil
	}
	if v, err := retryTakenPorts(failTwice, "127.0.0.1:0", "127.0.0.1:8123"); err != nil || v != 42 || attempts != 3 {
		t.Errorf("free port asked: %d, %v after %d attempts; want 42 after 3", v, err, attempts)
	}
	attempts = 0
	if _, err := retryTakenPorts(failTwice, "127.0.0.1:9000", ""); !errors.As(err, &taken) || attempts != 1 {
		t.Errorf("configured ports: %v after %d attempts; want the PortInUseError at once", err, attempts)
	}
	attempts = 0
	other := func() (int, error) { attempts++; return 0, errors.New("no java") }
	if _, err := retryTakenPorts(other, ":0"); err == nil || attempts != 1 {
		t.Errorf("another error: %v after %d attempts; want it at once", err, attempts)
	}
	attempts = 0
	always := func() (int, error) { attempts++; return 0, taken }
	if _, err := retryTakenPorts(always, ":0"); !errors.As(err, &taken) || attempts != 3 {
		t.Errorf("always taken: %v after %d attempts; want the error after 3", err, attempts)
	}
}

func TestListenerPIDFindsThisProcess(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pid, err := listenerPID(ln.Addr().(*net.TCPAddr).Port)
	if err != nil {
		t.Fatal(err)
	}
	if pid != os.Getpid() {
		t.Fatalf("listenerPID = %d, want this process %d", pid, os.Getpid())
	}
	l := listener{dep: "clickhouse", role: "native", at: endpoint{"127.0.0.1", ln.Addr().(*net.TCPAddr).Port}, flag: "--clickhouse-native-addr"}
	msg := l.checkFree().Error()
	for _, want := range []string{"clickhouse native port " + ln.Addr().String(), "pid " + strconv.Itoa(os.Getpid()), "--clickhouse-native-addr"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not contain %q", msg, want)
		}
	}
}

func TestProcIdentity(t *testing.T) {
	me := self()
	if me.Start == 0 || !me.alive() {
		t.Fatalf("self() = %+v, alive %v", me, me.alive())
	}
	if (procIdentity{PID: me.PID, Start: me.Start + 1}).alive() {
		t.Fatal("a different start time must not count as the same process (pid reuse)")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if (procIdentity{PID: cmd.Process.Pid}).alive() {
		t.Fatalf("exited pid %d reported alive", cmd.Process.Pid)
	}
}

func TestTailFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	var b strings.Builder
	for i := range 100 {
		b.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := tailFile(path, 2), "line 98\nline 99\n"; got != want {
		t.Fatalf("tailFile = %q, want %q", got, want)
	}
	if got := tailFile(filepath.Join(t.TempDir(), "missing"), 5); got != "" {
		t.Fatalf("tailFile of a missing file = %q", got)
	}
}

func TestParseJavaMajor(t *testing.T) {
	for out, want := range map[string]int{
		"openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment": 17,
		"java version \"1.8.0_292\"\nJava(TM) SE Runtime Environment":         8,
		"openjdk version \"21\" 2023-09-19":                                   21,
	} {
		got, err := parseJavaMajor([]byte(out))
		if err != nil || got != want {
			t.Errorf("parseJavaMajor(%q) = %d, %v; want %d", out, got, err, want)
		}
	}
	if _, err := parseJavaMajor([]byte("bash: java: not found")); err == nil {
		t.Error("parseJavaMajor accepted output without a version")
	}
}

func TestGeneratedConfigs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a&b's")
	logs := filepath.Join(dir, "logs")
	if _, err := writeClickHouseConfig(filepath.Join(dir, "clickhouse"), logs, endpoint{"127.0.0.1", 19000}, endpoint{"127.0.0.1", 18123}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "clickhouse", "config.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<tcp_port>19000</tcp_port>", "<http_port>18123</http_port>", "<listen_host>127.0.0.1</listen_host>", "a&amp;b&#39;s/clickhouse/data/</path>"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("config.xml lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(string(raw), "interserver_http_port") {
		t.Error("config.xml opens an interserver port")
	}

	for _, durable := range []bool{false, true} {
		conf, err := writeCassandraConfig(filepath.Join(dir, "cassandra"), logs, endpoint{"127.0.0.1", 19042}, endpoint{"127.0.0.1", 17000}, durable)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(conf, "cassandra.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		sync := "commitlog_sync: periodic\ncommitlog_sync_period_in_ms: 10000\n"
		if durable {
			sync = "commitlog_sync: batch\ncommitlog_sync_batch_window_in_ms: 2\n"
		}
		for _, want := range []string{"native_transport_port: 19042\n", "storage_port: 17000\n", "listen_address: '127.0.0.1'\n",
			"commitlog_directory: '" + strings.ReplaceAll(dir, "'", "''") + "/cassandra/commitlog'\n", "\ncommitlog_segment_size_in_mb: 32\n", sync} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("cassandra.yaml (durable %v) lacks %q:\n%s", durable, want, raw)
			}
		}
	}
}

func TestParseModulePackages(t *testing.T) {
	out := []byte("java.base@17.0.15\nexports java.io\nexports java.lang\nqualified exports jdk.internal.misc to java.rmi jdk.jfr\n" +
		"contains sun.nio.ch\ncontains java.io\nuses java.nio.file.spi.FileSystemProvider\nprovides java.nio.file.spi.FileSystemProvider with jdk.internal.jrtfs.JrtFileSystemProvider\n")
	got := parseModulePackages(out)
	want := []string{"java.io", "java.lang", "jdk.internal.misc", "sun.nio.ch"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("parseModulePackages = %v, want %v", got, want)
	}
}
