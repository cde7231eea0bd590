package stack

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// childSysProcAttr puts a child in a process group of its own, so that stopping it reaches
// anything it forks, and asks the kernel to SIGKILL it when its parent thread dies, so that
// neither a crash nor a kill -9 of this process leaves a server behind. See spawn for the
// thread that makes Pdeathsig mean "when this process dies".
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// awaitExit blocks until the child pid has exited, without reaping it: until it is reaped its
// pid, and so its process group id, cannot be given to another process, so the group can
// still be signalled safely.
func awaitExit(pid int) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// pdeathsigSupported reports whether children die with this process even when it is killed
// with SIGKILL.
const pdeathsigSupported = true
