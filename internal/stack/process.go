package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// defaultStopGrace is how long Stop waits after SIGTERM before it sends SIGKILL, when the
	// caller's context has no deadline.
	defaultStopGrace = 30 * time.Second
	// killWait bounds the wait for a process to go after SIGKILL (only a process stuck in
	// uninterruptible I/O takes more than an instant).
	killWait = 10 * time.Second
)

// child is a server process started by the stack: in its own process group, with its output
// appended to a log file, reaped by a goroutine that closes done when it has exited.
type child struct {
	program string // for messages, e.g. "clickhouse-server"
	id      procIdentity
	done    chan struct{}
	waitErr error // valid once done is closed
}

// startChild starts argv[0] with its standard output and error appended to logPath.
func startChild(program string, argv []string, dir, logPath string) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", program, err)
	}
	// The child has its own copy of the descriptor once started.
	defer logFile.Close()
	fmt.Fprintf(logFile, "\n=== %s cuepoint stack (pid %d) starts: %s\n",
		time.Now().UTC().Format(time.RFC3339), os.Getpid(), strings.Join(argv, " "))

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout = logFile // an *os.File is handed to the child as is: no copying goroutine
	cmd.Stderr = logFile
	cmd.SysProcAttr = childSysProcAttr()
	if err := spawn(cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", program, err)
	}
	c := &child{program: program, done: make(chan struct{})}
	c.id, err = identify(cmd.Process.Pid)
	if err != nil {
		// It died already (or /proc is unavailable): the pid alone identifies it until reaped.
		c.id = procIdentity{PID: cmd.Process.Pid}
	}
	go func() {
		awaitExit(c.id.PID)
		// Anything the server forked dies with it. Its pid (= process group id) is still
		// reserved, as the server is not reaped yet.
		_ = syscall.Kill(-c.id.PID, syscall.SIGKILL)
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.id.PID }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the child's process group and waits for it to exit until ctx's
// deadline (defaultStopGrace without one), then sends SIGKILL. A cancelled ctx goes straight
// to SIGKILL.
func (c *child) stop(ctx context.Context) error {
	if c.exited() {
		return nil
	}
	grace := defaultStopGrace
	if d, ok := ctx.Deadline(); ok {
		grace = time.Until(d)
	}
	if err := c.signal(syscall.SIGTERM); err != nil {
		return err
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	return c.kill()
}

// kill sends SIGKILL to the child's process group and waits until it has exited.
func (c *child) kill() error {
	if c.exited() {
		return nil
	}
	if err := c.signal(syscall.SIGKILL); err != nil {
		return err
	}
	t := time.NewTimer(killWait)
	defer t.Stop()
	select {
	case <-c.done:
		return nil
	case <-t.C:
		return fmt.Errorf("%s (pid %d) still runs %s after SIGKILL", c.program, c.id.PID, killWait)
	}
}

func (c *child) signal(sig syscall.Signal) error {
	err := syscall.Kill(-c.id.PID, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal %s (process group %d): %w", c.program, c.id.PID, err)
	}
	return nil
}

// spawner starts every child from one goroutine locked to its OS thread for the life of the
// process. The kernel sends a child its parent-death signal when the *thread* that forked it
// exits, not the process; Go may end a thread whenever a goroutine that locked it returns, so
// a child forked from an arbitrary goroutine could be killed long before this process dies.
// A thread that never exits makes Pdeathsig mean what we want: the children die with us.
var spawner struct {
	once sync.Once
	reqs chan spawnRequest
}

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

func spawn(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: this thread lives as long as the process
			for r := range spawner.reqs {
				r.done <- r.cmd.Start()
			}
		}()
	})
	r := spawnRequest{cmd: cmd, done: make(chan error, 1)}
	spawner.reqs <- r
	return <-r.done
}

// terminate stops a process this process did not start (found through a pidfile): SIGTERM to
// its process group (or to it alone when it leads none), a wait until ctx's deadline
// (defaultStopGrace without one), then SIGKILL. It cannot reap the process, so it polls.
func terminate(ctx context.Context, id procIdentity, group bool) error {
	if !id.alive() {
		return nil
	}
	target := id.PID
	if group {
		target = -id.PID
	}
	send := func(sig syscall.Signal) error {
		if err := syscall.Kill(target, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("signal %s: %w", describeProcess(id.PID), err)
		}
		return nil
	}
	if err := send(syscall.SIGTERM); err != nil {
		return err
	}
	grace := defaultStopGrace
	if d, ok := ctx.Deadline(); ok {
		grace = time.Until(d)
	}
	if waitGone(ctx, id, grace) {
		return nil
	}
	if err := send(syscall.SIGKILL); err != nil {
		return err
	}
	if waitGone(context.Background(), id, killWait) {
		return nil
	}
	return fmt.Errorf("%s still runs %s after SIGKILL", describeProcess(id.PID), killWait)
}

// waitGone polls until id is no longer alive, for at most d or until ctx is done.
func waitGone(ctx context.Context, id procIdentity, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for id.alive() {
		select {
		case <-tick.C:
		case <-deadline.C:
			return !id.alive()
		case <-ctx.Done():
			return !id.alive()
		}
	}
	return true
}
