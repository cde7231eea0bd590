package stack

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

const (
	// DefaultClickHouseNativeAddr is where ClickHouse serves its native protocol (the one
	// clickhouse-go uses) unless told otherwise.
	DefaultClickHouseNativeAddr = "127.0.0.1:9000"
	// DefaultClickHouseHTTPAddr is where ClickHouse serves HTTP unless told otherwise.
	DefaultClickHouseHTTPAddr = "127.0.0.1:8123"

	clickhouseInstall = "apt-get install clickhouse-server clickhouse-client"
)

// ClickHouseConfig configures a ClickHouse server run by the stack.
type ClickHouseConfig struct {
	// Root is the stack root: config and data go to Root/clickhouse, logs to Root/logs, the
	// pidfile to Root/run/clickhouse.json. Default DefaultRoot. Data survive restarts.
	Root string
	// NativeAddr and HTTPAddr are host:port for the native protocol and HTTP, by default
	// DefaultClickHouseNativeAddr and DefaultClickHouseHTTPAddr; port 0 picks a free port.
	// Both must be on the same host.
	NativeAddr, HTTPAddr string
	// Binary is the clickhouse-server program; by default it is looked up in $PATH, then in
	// /usr/sbin and /usr/bin (Debian installs it in /usr/sbin, often not on a user's PATH).
	Binary string
	// StartTimeout bounds the wait for the server to answer; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// Logger receives start and stop events; nil discards them.
	Logger *slog.Logger
}

// ClickHouse is a clickhouse-server child process with its own generated configuration,
// data directory and logs under the stack root.
type ClickHouse struct {
	srv          *server
	native, http endpoint
}

// StartClickHouse starts a ClickHouse server and waits until it answers.
func StartClickHouse(ctx context.Context, cfg ClickHouseConfig) (*ClickHouse, error) {
	return retryTakenPorts(func() (*ClickHouse, error) { return startClickHouse(ctx, cfg) }, cfg.NativeAddr, cfg.HTTPAddr)
}

func startClickHouse(ctx context.Context, cfg ClickHouseConfig) (*ClickHouse, error) {
	if cfg.Root == "" {
		cfg.Root = DefaultRoot
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	bin, err := findClickHouse(cfg.Binary)
	if err != nil {
		return nil, err
	}
	native, err := parseEndpoint("clickhouse native", cfg.NativeAddr, DefaultClickHouseNativeAddr)
	if err != nil {
		return nil, err
	}
	httpAt, err := parseEndpoint("clickhouse http", cfg.HTTPAddr, DefaultClickHouseHTTPAddr)
	if err != nil {
		return nil, err
	}
	if native.host != httpAt.host {
		return nil, fmt.Errorf("clickhouse: the native (%s) and HTTP (%s) addresses must be on the same host", native, httpAt)
	}
	if native, err = native.resolvePort(); err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	if httpAt, err = httpAt.resolvePort(); err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: stack root: %w", err)
	}
	log := logOrDiscard(cfg.Logger).With("dep", DepClickHouse)
	if err := claim(ctx, root, DepClickHouse, log); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "clickhouse")
	logs := filepath.Join(root, "logs")
	configPath, err := writeClickHouseConfig(dir, logs, native, httpAt)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	ch := &ClickHouse{native: native, http: httpAt}
	ch.srv = &server{
		dep:       DepClickHouse,
		program:   "clickhouse-server",
		root:      root,
		log:       log,
		argv:      []string{bin, "--config-file=" + configPath},
		dir:       dir,
		stdoutLog: filepath.Join(logs, "clickhouse.stdout.log"),
		logs: []string{
			filepath.Join(logs, "clickhouse-server.err.log"),
			filepath.Join(logs, "clickhouse.stdout.log"),
		},
		listeners: []listener{
			{dep: DepClickHouse, role: "native", at: native, flag: "--clickhouse-native-addr", env: "CUEPOINT_CLICKHOUSE_ADDR", identify: speaksClickHouse},
			{dep: DepClickHouse, role: "http", at: httpAt, flag: "--clickhouse-http-addr"},
		},
		startTimeout: cfg.StartTimeout,
		ready:        ch.httpPing,
		ping: func(ctx context.Context) error {
			_, err := PingClickHouse(ctx, native.String())
			return err
		},
	}
	ch.srv.mu.Lock()
	defer ch.srv.mu.Unlock()
	if err := ch.srv.launchLocked(ctx); err != nil {
		return nil, err
	}
	return ch, nil
}

// Addr returns the native protocol's host:port, the address for clickhouse-go.
func (c *ClickHouse) Addr() string { return c.native.String() }

// HTTPAddr returns the HTTP interface's host:port.
func (c *ClickHouse) HTTPAddr() string { return c.http.String() }

// Logs returns the paths of the server's logs: its error log, then its standard output and
// error. The full log, clickhouse-server.log, is beside them.
func (c *ClickHouse) Logs() []string { return append([]string(nil), c.srv.logs...) }

// PID returns the server's process id, 0 when it is stopped.
func (c *ClickHouse) PID() int { return c.srv.pid() }

// Done is closed when the current server process exits.
func (c *ClickHouse) Done() <-chan struct{} { return c.srv.done() }

// ReadyAfter returns how long the last start took until the server answered.
func (c *ClickHouse) ReadyAfter() time.Duration { return c.srv.lastReadyAfter() }

// Check pings the server over the native protocol.
func (c *ClickHouse) Check(ctx context.Context) error { return c.srv.check(ctx) }

// Kill kills the server with SIGKILL, as a crash would, and waits until it is gone. Data
// written but not yet merged survive; Restart brings the server back on the same ports.
func (c *ClickHouse) Kill() error { return c.srv.kill() }

// Restart stops the server if it runs (SIGTERM, then SIGKILL at ctx's deadline) and starts it
// again with the same configuration, ports and data.
func (c *ClickHouse) Restart(ctx context.Context) error { return c.srv.restart(ctx) }

// Stop stops the server: SIGTERM to its process group, then SIGKILL if it is still there at
// ctx's deadline (30 s without one). Stop on a stopped server does nothing.
func (c *ClickHouse) Stop(ctx context.Context) error { return c.srv.stop(ctx) }

// httpPing is the readiness probe: GET /ping answers "Ok." once the server serves queries.
func (c *ClickHouse) httpPing(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.http.String()+"/ping", nil)
	if err != nil {
		return err
	}
	resp, err := pingClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "Ok." {
		return fmt.Errorf("GET /ping: %s %q", resp.Status, body)
	}
	return nil
}

// pingClient keeps no idle connections: a probe must not hold a server's connection slot.
var pingClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}

// findClickHouse returns the path of the clickhouse-server program.
func findClickHouse(bin string) (string, error) {
	if bin == "" {
		bin = "clickhouse-server"
	}
	if strings.ContainsRune(bin, '/') {
		if isExecutable(bin) {
			return bin, nil
		}
		return "", &NotInstalledError{Program: "clickhouse-server", Searched: []string{bin}, Install: clickhouseInstall}
	}
	if p, err := exec.LookPath(bin); err == nil {
		return p, nil
	}
	searched := []string{"$PATH"}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		p := filepath.Join(dir, bin)
		searched = append(searched, dir)
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", &NotInstalledError{Program: bin, Searched: searched, Install: clickhouseInstall}
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// writeClickHouseConfig writes config.xml and users.xml into dir (rewritten at every start, so
// they always match the options) and creates the data directories. It returns the path of
// config.xml.
func writeClickHouseConfig(dir, logs string, native, httpAt endpoint) (string, error) {
	for _, d := range []string{dir, logs, filepath.Join(dir, "data"), filepath.Join(dir, "tmp"),
		filepath.Join(dir, "user_files"), filepath.Join(dir, "format_schemas")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	params := map[string]any{
		"Dir":    dir,
		"Logs":   logs,
		"Host":   native.host,
		"Native": native.port,
		"HTTP":   httpAt.port,
	}
	configPath := filepath.Join(dir, "config.xml")
	for name, tmpl := range map[string]*template.Template{"config.xml": clickhouseConfigXML, "users.xml": clickhouseUsersXML} {
		var b bytes.Buffer
		if err := tmpl.Execute(&b, params); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return "", err
		}
	}
	return configPath, nil
}

// xmlEscape escapes a value for an XML text node.
func xmlEscape(v any) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(fmt.Sprint(v)))
	return b.String()
}

// The server configuration: only what differs from ClickHouse's defaults or must point into
// the stack root. It is valid for 18.16 (Debian 12) and current releases alike. There is no
// interserver port (no replication) and no query_log (no background flushes).
var clickhouseConfigXML = template.Must(template.New("config.xml").Funcs(template.FuncMap{"x": xmlEscape}).Parse(`<?xml version="1.0"?>
<!-- Generated by cuepoint internal/stack at every start: edits are lost. -->
<yandex>
    <logger>
        <level>information</level>
        <log>{{x .Logs}}/clickhouse-server.log</log>
        <errorlog>{{x .Logs}}/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>{{x .Host}}</listen_host>
    <tcp_port>{{.Native}}</tcp_port>
    <http_port>{{.HTTP}}</http_port>
    <path>{{x .Dir}}/data/</path>
    <tmp_path>{{x .Dir}}/tmp/</tmp_path>
    <user_files_path>{{x .Dir}}/user_files/</user_files_path>
    <format_schema_path>{{x .Dir}}/format_schemas/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_connections>1024</max_connections>
    <max_concurrent_queries>100</max_concurrent_queries>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mlock_executable>false</mlock_executable>
</yandex>
`))

// One user, default, without a password: the server listens on the configured host only.
var clickhouseUsersXML = template.Must(template.New("users.xml").Parse(`<?xml version="1.0"?>
<!-- Generated by cuepoint internal/stack at every start: edits are lost. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>::/0</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
`))
