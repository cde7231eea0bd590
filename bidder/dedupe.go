package bidder

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Notice replays across instances. The in-process replayGuard is the fast path: a notice this
// instance has seen is a replay without asking anyone. A notice new to this instance is then
// recorded in the shared NoticeDedupe (Cassandra: INSERT … IF NOT EXISTS USING TTL, a
// lightweight transaction), which tells whether another instance counted it first — so the
// same win, billing or loss notice sent to two instances is counted once.
//
// The shared record is asked under a short deadline (--notice-dedupe-timeout, for all the
// records of one notice together). When it fails or times out the notice is decided by this
// instance's record alone (per-instance dedupe, as without a shared record), counted in
// cuepoint_bidder_notice_dedupe_degraded_total, and the shared record is skipped for a second
// so that a Cassandra outage costs each notice nothing more than the first timeout. During such
// a window, a notice replayed to another instance may be counted there too.

// NoticeDedupe is the record of notices already counted, shared by every bidder instance.
type NoticeDedupe interface {
	// First records (ns, id) for ttl and reports whether this call recorded it (true) or
	// found it recorded already, by any instance (false).
	First(ctx context.Context, ns, id string, ttl time.Duration) (bool, error)
}

var (
	dedupeDegraded = metrics.Counter(`cuepoint_bidder_notice_dedupe_degraded_total`)
	dedupeShared   = metrics.Counter(`cuepoint_bidder_notice_dedupe_replays_total{seen_by="another_instance"}`)
)

// dedupeBackoff is how long the shared record is skipped after it failed.
const dedupeBackoff = time.Second

// sharedDedupe wraps the shared record with the degraded-mode switch.
type sharedDedupe struct {
	d         NoticeDedupe
	downUntil atomic.Int64 // Unix nanoseconds (wall clock) until which the record is skipped
	failures  atomic.Int64
}

// first reports whether (ns, id) is new to every instance, as far as can be told by ctx's
// deadline; local is this instance's answer, already known to be true.
func (b *Bidder) first(ctx context.Context, ns, id string, expiry, now time.Time) bool {
	if !b.replays.first(ns, id, expiry, now) {
		return false
	}
	s := b.dedupe
	if s == nil {
		return true
	}
	if wall := time.Now().UnixNano(); wall < s.downUntil.Load() || ctx.Err() != nil {
		dedupeDegraded.Inc()
		return true
	}
	ttl := expiry.Sub(now)
	if ttl < time.Second {
		ttl = time.Second
	}
	firstHere, err := s.d.First(ctx, ns, id, ttl)
	if err != nil {
		dedupeDegraded.Inc()
		s.downUntil.Store(time.Now().Add(dedupeBackoff).UnixNano())
		if s.failures.Add(1)%100 == 1 {
			b.log.Warn("shared notice dedupe unavailable: deduplicating on this instance only", "err", err)
		}
		return true
	}
	if !firstHere {
		dedupeShared.Inc()
	}
	return firstHere
}

// CassandraDedupe is the NoticeDedupe in keyspace.notice_dedupe: one row per (bid, kind),
// written with a lightweight transaction (Paxos) and a TTL, so concurrent instances agree on
// which one was first and the table never grows beyond a TTL's worth of notices.
type CassandraDedupe struct {
	s  *gocql.Session
	ks string
}

// NewCassandraDedupe returns the dedupe record over the session.
func NewCassandraDedupe(s *gocql.Session, keyspace string) *CassandraDedupe {
	return &CassandraDedupe{s: s, ks: keyspace}
}

// First inserts (ns, id) if it is not there.
func (d *CassandraDedupe) First(ctx context.Context, ns, id string, ttl time.Duration) (bool, error) {
	prev := map[string]any{}
	applied, err := d.s.Query(`INSERT INTO `+d.ks+`.notice_dedupe (bid_id, ns, seen_at) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?`,
		id, ns, time.Now().UTC(), int(ttl/time.Second)).WithContext(ctx).SerialConsistency(gocql.Serial).MapScanCAS(prev)
	if err != nil {
		return false, fmt.Errorf("cassandra: notice dedupe %s/%s: %w", ns, id, err)
	}
	return applied, nil
}
