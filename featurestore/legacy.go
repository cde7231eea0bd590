package featurestore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/db"
)

// See internal/db/cassandra_legacy.go for the gocql settings against Cassandra < 2.2, which
// this store's sessions get too.
//
// Cassandra 2.1.0 (dev and CI) and gocql v1.7.0 have a fatal incompatibility: 2.1.0's
// system.local has no rpc_address, and gocql panics ("no valid connect address for host") in
// a goroutine of its own whenever it refreshes the ring, which it does each time its control
// connection reconnects: after a restart of the node, and after any heartbeat that timed out.
// Disabling the initial host lookup avoids only the refresh at start. So against a node older
// than 2.2 the Store:
//
//   - applies db.LegacySafe (events off, per-attempt timeout db.LegacyAttemptTimeout), so a JVM pause does
//     not fail a heartbeat (requests stay bounded by their own deadlines: ReadTimeout and the
//     caller's context), and
//   - supervises the session: when Cassandra stops answering it closes the session, so there
//     is no control connection left to reconnect, and opens a new one once Cassandra answers.
//
// Cassandra 2.2 and later (production runs 4/5) have rpc_address; none of this applies there.

// Supervision timing: a dead node is noticed after supervisePings failed pings, long before
// a restarted JVM answers (seconds).
const (
	superviseEvery = 200 * time.Millisecond
	supervisePings = 3
)

// openSupervised connects; against Cassandra < 2.2 it reconnects with the legacy timeout and
// returns the supervisor that keeps the session safe.
func openSupervised(ctx context.Context, cfg Config, log *slog.Logger) (*gocql.Session, func(Config) (*gocql.Session, error), error) {
	sess, err := NewSession(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	vctx, cancel := context.WithTimeout(ctx, max(cfg.ConnectTimeout, time.Second))
	v, err := db.CassandraRelease(vctx, sess)
	cancel()
	if err != nil || !db.LegacyCassandra(v) {
		return sess, nil, nil // a failed probe is the reads' problem, not the connection's
	}
	sess.Close()
	log.Warn("Cassandra older than 2.2: gocql per-attempt timeout raised and the session supervised (see featurestore/legacy.go)",
		"release", v, "attempt_timeout", db.LegacyAttemptTimeout)
	reopen := func(c Config) (*gocql.Session, error) {
		return newSession(c, log, true)
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
		_, err := db.CassandraRelease(ctx, sess)
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
