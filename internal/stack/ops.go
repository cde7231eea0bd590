package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// State is what the pidfile of a dependency says about it, checked against the live processes.
type State string

const (
	StateRunning    State = "running"     // the server and its owner run
	StateNotRunning State = "not running" // no pidfile
	StateStale      State = "stale"       // a pidfile naming processes that are gone
	StateOrphaned   State = "orphaned"    // the server runs but the process that started it is gone
)

// DepStatus is the state of one dependency of a stack root, as seen from any process.
type DepStatus struct {
	Name    string
	State   State
	PID     int               // the server process (the owner itself for the in-process Kafka)
	Owner   int               // the process that started it: `cuepoint stack up`, `cuepoint dev`, a test
	Addrs   map[string]string // role → host:port, e.g. "native" → "127.0.0.1:9000"
	Since   time.Time
	Version string // what the server answered to a ping, when running
	Err     error  // the ping's failure, or why the pidfile could not be read
}

// Status reports each dependency of the stack at root from its pidfile, and pings the running
// ones over their protocols.
func Status(ctx context.Context, root string) []DepStatus {
	out := make([]DepStatus, 0, len(Deps))
	for _, name := range Deps {
		st := DepStatus{Name: name, State: StateNotRunning}
		r, ok, err := readRecord(root, name)
		if err != nil {
			st.State, st.Err = StateStale, err
			out = append(out, st)
			continue
		}
		if !ok {
			out = append(out, st)
			continue
		}
		st.PID, st.Owner, st.Addrs, st.Since = r.Server.PID, r.Owner.PID, r.Addrs, r.Started
		switch serverAlive, ownerAlive := r.Server.alive(), r.Owner.alive(); {
		case serverAlive && ownerAlive:
			st.State = StateRunning
			st.Version, st.Err = ping(ctx, name, r.Addrs)
		case serverAlive:
			st.State = StateOrphaned
		default:
			st.State = StateStale
		}
		out = append(out, st)
	}
	return out
}

// ping checks a dependency at the addresses its pidfile recorded.
func ping(ctx context.Context, name string, addrs map[string]string) (string, error) {
	switch name {
	case DepKafka:
		return "kafka (kfake)", PingKafka(ctx, []string{addrs["broker"]})
	case DepClickHouse:
		v, err := PingClickHouse(ctx, addrs["native"])
		return "ClickHouse " + v, err
	case DepCassandra:
		v, err := PingCassandra(ctx, []string{addrs["cql"]})
		return "Cassandra " + v, err
	}
	return "", fmt.Errorf("unknown dependency %q", name)
}

// Down stops the stack at root, whichever process started it. The owner of each dependency
// (the process running `cuepoint stack up`, `cuepoint dev` or a test) is asked to stop with
// SIGTERM, so that it stops its servers cleanly; a server left behind is then stopped
// directly (SIGTERM to its process group, then SIGKILL). Each wait lasts until ctx's deadline
// (30 s without one). Pidfiles are removed. Down of a stack that does not run does nothing.
func Down(ctx context.Context, root string, log *slog.Logger) error {
	log = logOrDiscard(log)
	me := self()
	records := map[string]record{}
	for _, name := range Deps {
		r, ok, err := readRecord(root, name)
		if err != nil {
			log.Warn("removing unreadable pidfile", "dep", name, "err", err)
			_ = removeFile(pidfilePath(root, name))
			continue
		}
		if ok {
			records[name] = r
		}
	}

	var errs []error
	// Owners first: they stop their own servers and remove their pidfiles.
	asked := map[procIdentity]bool{}
	for _, name := range Deps {
		r, ok := records[name]
		if !ok || asked[r.Owner] || r.Owner.PID == me.PID || !r.Owner.alive() {
			continue
		}
		asked[r.Owner] = true
		log.Info("stopping stack owner", "pid", r.Owner.PID, "process", describeProcess(r.Owner.PID))
		if err := terminate(ctx, r.Owner, false); err != nil {
			errs = append(errs, fmt.Errorf("stop owner of %s: %w", name, err))
		}
	}
	// Then whatever is left.
	for _, name := range Deps {
		r, ok := records[name]
		if !ok {
			continue
		}
		if !r.inProcess() && r.Server.alive() {
			log.Info("stopping server", "dep", name, "pid", r.Server.PID)
			if err := terminate(ctx, r.Server, true); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", name, err))
				continue
			}
		}
		if r.inProcess() && r.Owner.PID == me.PID {
			errs = append(errs, fmt.Errorf("%s runs in this process: stop it with Stack.Stop", name))
			continue
		}
		if err := removeFile(pidfilePath(root, name)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
