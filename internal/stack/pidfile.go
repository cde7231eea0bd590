package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// record is the pidfile of one dependency, <root>/run/<name>.json. It names the server
// process and the process that started and owns it (the same process for the in-process
// Kafka), each with its start time so that a recycled pid is never mistaken for them, and the
// addresses the dependency serves, so that `cuepoint stack status` can ping them.
type record struct {
	Name    string            `json:"name"`
	Server  procIdentity      `json:"server"`
	Owner   procIdentity      `json:"owner"`
	Command string            `json:"command"`
	Addrs   map[string]string `json:"addrs"`
	Started time.Time         `json:"started"`
}

func runDir(root string) string { return filepath.Join(root, "run") }

func pidfilePath(root, name string) string { return filepath.Join(runDir(root), name+".json") }

// inProcess reports whether the server runs inside its owner (the embedded Kafka).
func (r record) inProcess() bool { return r.Server == r.Owner }

// writeRecord writes r atomically.
func writeRecord(root string, r record) error {
	if err := os.MkdirAll(runDir(root), 0o755); err != nil {
		return fmt.Errorf("pidfile: %w", err)
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("pidfile: %w", err)
	}
	path := pidfilePath(root, r.Name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("pidfile: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pidfile: %w", err)
	}
	return nil
}

// readRecord reads the pidfile of name; ok is false when there is none.
func readRecord(root, name string) (r record, ok bool, err error) {
	raw, err := os.ReadFile(pidfilePath(root, name))
	if errors.Is(err, os.ErrNotExist) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, fmt.Errorf("pidfile %s: %w", pidfilePath(root, name), err)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return record{}, true, fmt.Errorf("pidfile %s: %w", pidfilePath(root, name), err)
	}
	return r, true, nil
}

// removeRecord deletes the pidfile of r.Name if it still describes r's server, so that a stop
// never deletes the pidfile of a later start.
func removeRecord(root string, r record) {
	cur, ok, err := readRecord(root, r.Name)
	if err == nil && ok && cur.Server != r.Server {
		return
	}
	_ = os.Remove(pidfilePath(root, r.Name))
}

// claim prepares root for starting the dependency name. A pidfile whose owner still runs means
// another live process manages this dependency of this root: that is ErrAlreadyRunning. A
// server whose owner is gone is an orphan (possible only where the parent-death signal is
// unavailable): claim stops it. A pidfile naming nothing alive is stale: claim removes it.
func claim(ctx context.Context, root, name string, log *slog.Logger) error {
	r, ok, err := readRecord(root, name)
	if !ok {
		return err
	}
	if err != nil {
		log.Warn("removing unreadable pidfile", "dep", name, "err", err)
		return removeFile(pidfilePath(root, name))
	}
	switch {
	case r.Owner.alive():
		who := describeProcess(r.Owner.PID)
		if r.Owner.PID == os.Getpid() {
			who = "this process"
		}
		return fmt.Errorf("%s of stack root %s is already run by %s (since %s): stop it with `cuepoint stack down --root %s`: %w",
			name, root, who, r.Started.Format(time.RFC3339), root, ErrAlreadyRunning)
	case !r.inProcess() && r.Server.alive():
		log.Warn("stopping orphaned server left by a dead owner", "dep", name, "pid", r.Server.PID, "owner", r.Owner.PID)
		if err := terminate(ctx, r.Server, true); err != nil {
			return fmt.Errorf("%s: stopping orphan from pidfile %s: %w", name, pidfilePath(root, name), err)
		}
	default:
		log.Debug("removing stale pidfile", "dep", name, "pid", r.Server.PID)
	}
	return removeFile(pidfilePath(root, name))
}

func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
