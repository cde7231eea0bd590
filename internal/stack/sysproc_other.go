//go:build unix && !linux

package stack

import "syscall"

// childSysProcAttr puts a child in a process group of its own. Outside Linux there is no
// parent-death signal: a child outlives a kill -9 of this process, and the next Start of the
// same root finds it through its pidfile and stops it.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// awaitExit returns at once: without waitid(WNOWAIT) the child is reaped by Wait alone.
func awaitExit(int) {}

// pdeathsigSupported reports whether children die with this process even when it is killed
// with SIGKILL.
const pdeathsigSupported = false
