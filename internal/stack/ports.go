package stack

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"syscall"
	"time"
)

// endpoint is a resolved listen address: a concrete host (an IP literal or "localhost") and a
// port, never 0 once resolved.
type endpoint struct {
	host string
	port int
}

func (e endpoint) String() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// parseEndpoint parses addr ("host:port"; def when empty). The host must be one that clients
// can dial and that a server can advertise: an IP literal other than 0.0.0.0/::, or
// "localhost", which becomes 127.0.0.1. Port 0 is allowed here and replaced with a free port
// by resolvePort.
func parseEndpoint(what, addr, def string) (endpoint, error) {
	if addr == "" {
		addr = def
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return endpoint{}, fmt.Errorf("%s address %q: %w", what, addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return endpoint{}, fmt.Errorf("%s address %q: bad port", what, addr)
	}
	if host == "localhost" {
		host = "127.0.0.1" // servers want an address to bind, and clients should not guess
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		return endpoint{}, fmt.Errorf("%s address %q: the host must be an IP address clients can dial (such as 127.0.0.1) or localhost", what, addr)
	}
	return endpoint{host: host, port: port}, nil
}

// resolvePort replaces port 0 with a port that is free now. Another process could take it
// before the server binds it; the server's start then fails with a clear error. Ports come
// from below Linux's ephemeral range (32768–60999), where the source ports of every outgoing
// connection on the machine are drawn: a port from :0 is soon somebody's client port.
func (e endpoint) resolvePort() (endpoint, error) {
	if e.port != 0 {
		return e, nil
	}
	for range 64 {
		port := freePortLow + rand.IntN(freePortHigh-freePortLow)
		ln, err := net.Listen("tcp", net.JoinHostPort(e.host, strconv.Itoa(port)))
		if err != nil {
			continue
		}
		ln.Close()
		e.port = port
		return e, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(e.host, "0"))
	if err != nil {
		return e, fmt.Errorf("choose a free port on %s: %w", e.host, err)
	}
	defer ln.Close()
	e.port = ln.Addr().(*net.TCPAddr).Port
	return e, nil
}

// retryTakenPorts runs start up to three times while it fails because a port was taken
// between resolvePort finding it free and the server binding it — which only happens, and is
// only retried, when one of addrs asks for a free port (port 0): each attempt draws new ones.
// A configured port that is in use fails at once, with the *PortInUseError that says who has it.
func retryTakenPorts[T any](start func() (T, error), addrs ...string) (T, error) {
	free := false
	for _, a := range addrs {
		free = free || portOf(a) == "0"
	}
	for attempt := 1; ; attempt++ {
		v, err := start()
		var taken *PortInUseError
		if err == nil || !free || attempt == 3 || !errors.As(err, &taken) {
			return v, err
		}
	}
}

// The range resolvePort draws free ports from: above the well-known services, below the
// ephemeral range.
const (
	freePortLow  = 12000
	freePortHigh = 32000
)

// speaker tells what protocol a listener speaks ("ClickHouse 18.16.1"), or "" if it does not
// answer as the dependency expects.
type speaker func(ctx context.Context, addr string) string

// listener describes one port a dependency listens on, for checks and error messages.
type listener struct {
	dep, role string
	at        endpoint
	flag      string  // the cuepoint flag that moves it
	env       string  // the CUEPOINT_* variable that would use an existing server instead
	identify  speaker // asks an existing listener whether it is this kind of server; may be nil
}

// checkFree fails with a *PortInUseError when something listens on l's address already.
func (l listener) checkFree() error {
	ln, err := net.Listen("tcp", l.at.String())
	if err == nil {
		return ln.Close()
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s %s port %s: %w", l.dep, l.role, l.at, err)
	}
	return l.inUse()
}

// inUse builds the *PortInUseError for l: who holds the port and what it speaks.
func (l listener) inUse() error {
	pe := &PortInUseError{Dep: l.dep, Role: l.role, Addr: l.at.String(), Flag: l.flag, Env: l.env}
	if pid, err := listenerPID(l.at.port); err == nil && pid > 0 {
		pe.Process = describeProcess(pid)
		if unit := systemdUnit(pid); unit != "" {
			pe.Hint = "it is the system service " + unit + ": `sudo systemctl disable --now " + unit + "`"
		}
	}
	if l.identify != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		pe.Speaks = l.identify(ctx, l.at.String())
	}
	return pe
}

// dialable reports whether a TCP connection to addr can be opened now.
func dialable(ctx context.Context, addr string) bool {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// portOf returns the port of a host:port, or addr itself when it is not one.
func portOf(addr string) string {
	if _, p, err := net.SplitHostPort(addr); err == nil {
		return p
	}
	return addr
}
