package featurestore

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gocql/gocql"
)

// Cassandra 2.1.0 (dev and CI) and gocql v1.7.0 have a fatal incompatibility: 2.1.0's
// system.local has no rpc_address, and gocql panics ("no valid connect address for host") in
// a goroutine of its own whenever it refreshes the ring, which it does each time its control
// connection reconnects: after a restart of the node, and after any heartbeat that timed out.
// Disabling the initial host lookup avoids only the refresh at start. So against a node older
// than 2.2 the Store:
//
//   - gives gocql a per-attempt timeout of at least legacyAttemptTimeout, so a JVM pause does
//     not fail a heartbeat (requests stay bounded by their own deadlines: ReadTimeout and the
//     caller's context), and
//   - supervises the session: when Cassandra stops answering it closes the session, so there
//     is no control connection left to reconnect, and opens a new one once Cassandra answers.
//
// Cassandra 2.2 and later (production runs 4/5) have rpc_address; none of this applies there.

// legacyAttemptTimeout is gocql's per-attempt timeout against Cassandra < 2.2.
const legacyAttemptTimeout = 2 * time.Second

// Supervision timing: a dead node is noticed after supervisePings failed pings, long before
// a restarted JVM answers (seconds).
const (
	superviseEvery = 200 * time.Millisecond
	supervisePings = 3
)

// serverVersion reads the node's release version.
func serverVersion(ctx context.Context, s *gocql.Session) (string, error) {
	var v string
	q := s.Query(`SELECT release_version FROM system.local`).WithContext(ctx).Consistency(gocql.One)
	defer q.Release()
	if err := q.Scan(&v); err != nil {
		return "", fmt.Errorf("cassandra version: %w", err)
	}
	return v, nil
}

// legacyRelease reports whether a release version predates 2.2.
func legacyRelease(v string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major < 2 || (major == 2 && minor < 2)
}

// openSupervised connects; against Cassandra < 2.2 it reconnects with the legacy timeout and
// returns the supervisor that keeps the session safe.
func openSupervised(ctx context.Context, cfg Config, log *slog.Logger) (*gocql.Session, func(Config) (*gocql.Session, error), error) {
	sess, err := NewSession(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	vctx, cancel := context.WithTimeout(ctx, max(cfg.ConnectTimeout, time.Second))
	v, err := serverVersion(vctx, sess)
	cancel()
	if err != nil || !legacyRelease(v) {
		return sess, nil, nil // a failed probe is the reads' problem, not the connection's
	}
	sess.Close()
	log.Warn("Cassandra older than 2.2: gocql per-attempt timeout raised and the session supervised (see featurestore/legacy.go)",
		"release", v, "attempt_timeout", legacyAttemptTimeout)
	reopen := func(c Config) (*gocql.Session, error) {
		c.QueryTimeout = max(c.QueryTimeout, legacyAttemptTimeout)
		return NewSession(c, log)
	}
	sess, err = reopen(cfg)
	if err != nil {
		return nil, nil, err
	}
	return sess, reopen, nil
}

// supervisor closes the backend's session when Cassandra stops answering and opens a new one
// when it answers again.
type supervisor struct {
	c      *cassandra
	cfg    Config
	reopen func(Config) (*gocql.Session, error)
	log    *slog.Logger
	quit   chan struct{}
	done   sync.WaitGroup
	once   sync.Once
}

func (c *cassandra) supervise(cfg Config, reopen func(Config) (*gocql.Session, error), log *slog.Logger) {
	c.sup = &supervisor{c: c, cfg: cfg, reopen: reopen, log: log, quit: make(chan struct{})}
	c.sup.done.Add(1)
	go c.sup.run()
}

func (s *supervisor) run() {
	defer s.done.Done()
	t := time.NewTicker(superviseEvery)
	defer t.Stop()
	failed := 0
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		sess := s.c.sess.Load()
		if sess == nil {
			next, err := s.reopen(s.cfg)
			if err != nil {
				continue
			}
			select {
			case <-s.quit: // closing: do not leak the new session
				next.Close()
				return
			default:
			}
			s.c.sess.Store(next)
			s.log.Info("Cassandra answers again: new session open")
			failed = 0
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := serverVersion(ctx, sess)
		cancel()
		if err == nil {
			failed = 0
			continue
		}
		if failed++; failed >= supervisePings {
			s.log.Warn("Cassandra does not answer: session closed until it does", "err", err)
			s.c.sess.Store(nil)
			sess.Close()
		}
	}
}

func (s *supervisor) stop() {
	s.once.Do(func() { close(s.quit) })
	s.done.Wait()
}
