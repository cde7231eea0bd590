package packager

import "syscall"

// childAttr asks the kernel to SIGKILL ffmpeg when the thread that started it dies; run keeps
// that thread alive until ffmpeg exits, so this means "when this process dies": a crashed or
// killed Cuepoint never leaves an encoder running.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
