//go:build !linux

package loadtest

import (
	"net"
	"time"
)

// dialQuiet is a plain TCP dial where the raw-syscall connection of conn_linux.go is not built.
func dialQuiet(addr string, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, timeout)
}
