package stack

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotInstalled is matched by errors.Is for every error that says a server binary, a runtime
// or an npm package the stack needs is missing. Tests skip on it (see package stacktest).
var ErrNotInstalled = errors.New("not installed")

// ErrPortInUse is matched by errors.Is for a *PortInUseError.
var ErrPortInUse = errors.New("port in use")

// ErrAlreadyRunning is matched by errors.Is when a dependency of the same stack root is already
// run by another live process.
var ErrAlreadyRunning = errors.New("already running")

// NotInstalledError names a missing program and the command that installs it.
type NotInstalledError struct {
	Program  string   // what is missing, e.g. "clickhouse-server"
	Searched []string // where it was looked for
	Install  string   // the underlying install command, e.g. "apt-get install clickhouse-server clickhouse-client"
}

func (e *NotInstalledError) Error() string {
	msg := fmt.Sprintf("%s not found: run `make deps` (%s)", e.Program, e.Install)
	if len(e.Searched) > 0 {
		msg += "; looked in " + strings.Join(e.Searched, ", ")
	}
	return msg
}

// Is makes errors.Is(err, ErrNotInstalled) true.
func (e *NotInstalledError) Is(target error) bool { return target == ErrNotInstalled }

// PortInUseError says that an address a dependency must listen on is taken, and by whom.
type PortInUseError struct {
	Dep     string // "kafka", "clickhouse" or "cassandra"
	Role    string // which of its listeners: "native", "http", "cql", "storage", "broker"
	Addr    string // host:port
	Process string // e.g. "pid 812 (/usr/sbin/clickhouse-server --config=/etc/clickhouse-server/config.xml)"; empty when unknown
	Speaks  string // what the listener answered to a protocol ping, e.g. "ClickHouse 18.16.1"; empty when nothing recognisable
	Flag    string // the cuepoint flag that chooses another address, e.g. "--clickhouse-native-addr"
	Env     string // the variable that would use the listener as an external server, e.g. "CUEPOINT_CLICKHOUSE_ADDR"
	Hint    string // anything more to say, e.g. how to stop a system service
}

func (e *PortInUseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s port %s is already in use", e.Dep, e.Role, e.Addr)
	if e.Process != "" {
		fmt.Fprintf(&b, " by %s", e.Process)
	} else {
		fmt.Fprintf(&b, " by a process this user cannot see (try `ss -ltnp 'sport = :%s'`)", portOf(e.Addr))
	}
	if e.Speaks != "" {
		fmt.Fprintf(&b, ", which answers as %s", e.Speaks)
	}
	b.WriteString(": stop it")
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	if e.Flag != "" {
		fmt.Fprintf(&b, ", or choose another address with %s", e.Flag)
	}
	if e.Speaks != "" && e.Env != "" {
		fmt.Fprintf(&b, ", or use it as an external server: %s=%s", e.Env, e.Addr)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrPortInUse) true.
func (e *PortInUseError) Is(target error) bool { return target == ErrPortInUse }

// ExitError says that a dependency's server process exited while it was being started, with
// the end of its logs, which usually say why.
type ExitError struct {
	Dep     string
	Program string
	Err     error  // from the wait: exit status or signal
	Logs    string // path(s) of the logs to read
	Tail    string // last lines of those logs
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("%s: %s exited during start (%v); logs: %s", e.Dep, e.Program, e.Err, e.Logs)
	if e.Tail != "" {
		msg += "\n" + e.Tail
	}
	return msg
}

func (e *ExitError) Unwrap() error { return e.Err }
