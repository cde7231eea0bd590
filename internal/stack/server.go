package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// server runs one dependency (ClickHouse, Cassandra) as a child process and supervises it:
// port checks, start, readiness, pidfile, liveness, kill, restart and stop. ClickHouse and
// Cassandra wrap it with what is particular to them.
type server struct {
	dep, program string // "clickhouse", "clickhouse-server"
	root         string
	log          *slog.Logger
	argv         []string
	dir          string     // working directory of the process
	stdoutLog    string     // the process's standard output and error
	logs         []string   // the logs worth reading when it fails, stdoutLog included
	listeners    []listener // checked free before every start
	startTimeout time.Duration
	// ready reports whether the server answers; it is polled until it returns nil.
	ready func(ctx context.Context) error
	// ping checks a running server over its protocol.
	ping func(ctx context.Context) error

	mu         sync.Mutex
	proc       *child // nil before the first start and after Stop
	rec        record
	readyAfter time.Duration
}

func (s *server) addrs() map[string]string {
	m := make(map[string]string, len(s.listeners))
	for _, l := range s.listeners {
		m[l.role] = l.at.String()
	}
	return m
}

// launchLocked starts the process and waits until it is ready; on failure nothing is left
// running. s.mu is held.
func (s *server) launchLocked(ctx context.Context) error {
	for _, l := range s.listeners {
		if err := l.checkFree(); err != nil {
			return err
		}
	}
	began := time.Now()
	proc, err := startChild(s.program, s.argv, s.dir, s.stdoutLog)
	if err != nil {
		return fmt.Errorf("%s: %w", s.dep, err)
	}
	rec := record{
		Name:    s.dep,
		Server:  proc.id,
		Owner:   self(),
		Command: strings.Join(s.argv, " "),
		Addrs:   s.addrs(),
		Started: time.Now().UTC(),
	}
	if err := writeRecord(s.root, rec); err != nil {
		_ = proc.kill()
		return fmt.Errorf("%s: %w", s.dep, err)
	}
	if err := s.waitReady(ctx, proc); err != nil {
		if kerr := proc.kill(); kerr != nil {
			err = errors.Join(err, kerr)
		}
		removeRecord(s.root, rec)
		return err
	}
	s.proc, s.rec = proc, rec
	s.readyAfter = time.Since(began)
	s.log.Info(s.dep+" ready", "pid", proc.pid(), "addrs", rec.Addrs, "after", s.readyAfter.Round(time.Millisecond), "logs", s.logs)
	return nil
}

// waitReady polls s.ready until it succeeds, the process exits, or the start timeout passes.
func (s *server) waitReady(ctx context.Context, proc *child) error {
	ctx, cancel := context.WithTimeout(ctx, s.startTimeout)
	defer cancel()
	backoff := 25 * time.Millisecond
	var lastErr error
	for {
		if proc.exited() {
			return &ExitError{Dep: s.dep, Program: s.program, Err: proc.waitErr, Logs: strings.Join(s.logs, ", "), Tail: s.tail()}
		}
		if lastErr = s.ready(ctx); lastErr == nil {
			return nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-proc.done:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %s (pid %d) not ready (%v): %w; logs: %s\n%s",
				s.dep, s.program, proc.pid(), lastErr, ctx.Err(), strings.Join(s.logs, ", "), s.tail())
		}
		t.Stop()
		backoff = min(2*backoff, 250*time.Millisecond)
	}
}

// tail returns the last lines of the server's logs, for error messages.
func (s *server) tail() string {
	var b strings.Builder
	for _, path := range s.logs {
		if t := tailFile(path, 15); t != "" {
			fmt.Fprintf(&b, "--- %s (last lines)\n%s", path, t)
		}
	}
	return b.String()
}

func (s *server) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.pid()
}

func (s *server) done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return s.proc.done
}

func (s *server) lastReadyAfter() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyAfter
}

func (s *server) check(ctx context.Context) error {
	s.mu.Lock()
	proc := s.proc
	s.mu.Unlock()
	if proc == nil {
		return fmt.Errorf("%s: stopped", s.dep)
	}
	if proc.exited() {
		return fmt.Errorf("%s: %s (pid %d) exited: %v", s.dep, s.program, proc.pid(), proc.waitErr)
	}
	return s.ping(ctx)
}

func (s *server) kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return fmt.Errorf("%s: not running", s.dep)
	}
	if err := s.proc.kill(); err != nil {
		return fmt.Errorf("%s: %w", s.dep, err)
	}
	s.log.Info(s.dep+" killed", "pid", s.proc.pid())
	return nil
}

func (s *server) restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		if err := s.proc.stop(ctx); err != nil {
			return fmt.Errorf("%s: restart: %w", s.dep, err)
		}
		removeRecord(s.root, s.rec)
		s.proc = nil
	}
	return s.launchLocked(ctx)
}

func (s *server) stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	err := s.proc.stop(ctx)
	if err != nil {
		return fmt.Errorf("%s: stop: %w", s.dep, err)
	}
	removeRecord(s.root, s.rec)
	s.log.Info(s.dep+" stopped", "pid", s.proc.pid())
	s.proc = nil
	return nil
}

// tailFile returns the last n lines of the file at path ("" when it cannot be read).
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 16 << 10
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-window, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return ""
	}
	buf = bytes.TrimRight(buf, "\n")
	lines := bytes.Split(buf, []byte{'\n'})
	if off > 0 && len(lines) > 1 {
		lines = lines[1:] // the first line is cut
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 || (len(lines) == 1 && len(lines[0]) == 0) {
		return ""
	}
	return string(bytes.Join(lines, []byte{'\n'})) + "\n"
}
