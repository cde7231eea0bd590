//go:build linux

package loadtest

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// quietConn is a TCP connection whose reads and writes are non-blocking raw system calls, waited
// on through Go's netpoller like any socket (deadlines included), but without the runtime's
// syscall bookkeeping.
//
// Why: the runtime's ordinary syscall entry wakes sysmon, the runtime's monitor thread, whenever
// it has gone to sleep because every P was idle. An open-loop generator at 10k requests/s is idle
// between most requests, so every write of a request woke sysmon, which then polled every 20 µs
// until the process was idle again: ~6,000 thread switches a second and ~20% of the generator's
// CPU (BENCHMARKS.md, "the generator's cost per request"). A read or write on a non-blocking
// socket never blocks, so the bookkeeping (letting another thread run Go code while this one is
// in the kernel) buys nothing here.
type quietConn struct {
	*net.TCPConn
	rc syscall.RawConn

	// The buffer and result of the call in progress; the read and write sides have their own,
	// as a read and a write may run at once.
	rbuf, wbuf      []byte
	rn, wn          int
	rerr, werr      syscall.Errno
	readFn, writeFn func(fd uintptr) bool // bound once: a call allocates nothing
}

// dialQuiet is the HostClient's dialer: a plain TCP dial, then the connection is wrapped.
func dialQuiet(addr string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c, nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c, nil
	}
	q := &quietConn{TCPConn: tc, rc: rc}
	q.readFn, q.writeFn = q.read, q.write
	return q, nil
}

func (c *quietConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rbuf, c.rn, c.rerr = p, 0, 0
	err := c.rc.Read(c.readFn)
	c.rbuf = nil
	switch {
	case err != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	case c.rerr != 0:
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("read", c.rerr)}
	case c.rn == 0:
		return 0, io.EOF
	}
	return c.rn, nil
}

// read runs with the socket's read lock held; false means "would block: wait for readability".
func (c *quietConn) read(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.rbuf[0])), uintptr(len(c.rbuf)))
		switch e {
		case 0:
			c.rn = int(n)
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.rerr = e
		return true
	}
}

func (c *quietConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.wbuf, c.wn, c.werr = p, 0, 0
	err := c.rc.Write(c.writeFn)
	n := c.wn
	c.wbuf = nil
	switch {
	case err != nil:
		return n, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	case c.werr != 0:
		return n, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("write", c.werr)}
	}
	return n, nil
}

// write writes all of wbuf, returning false to wait for writability when the socket is full.
func (c *quietConn) write(fd uintptr) bool {
	for c.wn < len(c.wbuf) {
		rest := c.wbuf[c.wn:]
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)))
		switch e {
		case 0:
			c.wn += int(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.werr = e
			return true
		}
	}
	return true
}
