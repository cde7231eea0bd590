package bidder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Notice replays across instances. The in-process replayGuard is the fast path: a notice this
// instance has seen is a replay without asking anyone. A win, billing or loss notice new to
// this instance (and an impression pixel that may count a frequency cap) is then recorded in
// the shared NoticeDedupe: one row per bid with a flag per notice kind, set by compare-and-set
// (Cassandra lightweight transactions). The kinds recorded before tell everything at once:
//
//	the kind itself          → a replay: another instance counted this notice
//	none of win, bill, loss  → this notice settles the bid's budget reservation (or releases it)
//	none of win, bill, imp   → this notice counts the viewer's frequency
//
// so the same notice sent to two instances is counted once, in one Paxos round for the first
// notice of a bid and two for the ones after it.
//
// The shared record is asked under a short deadline (--notice-dedupe-timeout per notice). When
// it fails or times out the notice is decided by this instance's record alone (per-instance
// dedupe, as without a shared record), counted in cuepoint_bidder_notice_dedupe_degraded_total,
// and the shared record is skipped for a second so that a Cassandra outage costs each notice
// nothing more than the first timeout. During such a window, a notice replayed to another
// instance may be counted there too.

// NoticeKinds is a set of notice kinds of one bid.
type NoticeKinds uint8

// Notice kinds recorded in the shared record.
const (
	NoticeWin NoticeKinds = 1 << iota
	NoticeBill
	NoticeLoss
	NoticeImp
)

// noticeColumns are the shared record's columns, in NoticeKinds bit order.
var noticeColumns = [...]string{"win", "bill", "loss", "imp"}

// NoticeDedupe is the record of notices already counted, shared by every bidder instance.
type NoticeDedupe interface {
	// Record marks kind as counted for bid (for ttl) and returns the kinds any instance had
	// recorded before; kind itself among them means this notice is a replay.
	Record(ctx context.Context, bidID string, kind NoticeKinds, ttl time.Duration) (before NoticeKinds, err error)
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

// noticeFate is what a notice does: nothing (a replay), or count, and perhaps settle the
// bid's reservation and count the viewer's frequency.
type noticeFate struct {
	first, settle, cap bool
}

// fate decides a notice of kind (namespace ns: the kind, or the kind and tracking event) for
// bid: this instance's record first, then the shared record when kind is one it keeps
// (needShared), under ctx's deadline.
func (b *Bidder) fate(ctx context.Context, kind, ns, bid string, needShared bool, expiry, now time.Time) noticeFate {
	if !b.replays.first(ns, bid, expiry, now) {
		return noticeFate{}
	}
	var k NoticeKinds
	switch kind {
	case kindWin:
		k = NoticeWin
	case kindBill:
		k = NoticeBill
	case kindLoss:
		k = NoticeLoss
	case kindImp:
		k = NoticeImp
	}
	var before NoticeKinds
	if s := b.dedupe; s != nil && k != 0 && needShared {
		if time.Now().UnixNano() < s.downUntil.Load() || ctx.Err() != nil {
			dedupeDegraded.Inc() // skipped: failed within the last second
		} else {
			var err error
			before, err = s.d.Record(ctx, bid, k, max(expiry.Sub(now), time.Second))
			switch {
			case err != nil:
				dedupeDegraded.Inc()
				before = 0 // this instance's record alone decides
				s.downUntil.Store(time.Now().Add(dedupeBackoff).UnixNano())
				if s.failures.Add(1)%100 == 1 {
					b.log.Warn("shared notice dedupe unavailable: deduplicating on this instance only", "err", err)
				}
			case before&k != 0:
				dedupeShared.Inc()
				return noticeFate{}
			}
		}
	}
	// This instance remembers what it settled and counted whatever the shared record says, so
	// that a later notice decided here alone (degraded) does not settle or count again.
	f := noticeFate{first: true}
	switch k {
	case NoticeWin, NoticeBill, NoticeLoss:
		local := b.replays.first("settle", bid, expiry, now)
		f.settle = local && before&(NoticeWin|NoticeBill|NoticeLoss) == 0
	}
	switch k {
	case NoticeWin, NoticeBill, NoticeImp:
		local := b.replays.first("cap", bid, expiry, now)
		f.cap = local && before&(NoticeWin|NoticeBill|NoticeImp) == 0
	}
	return f
}

// CassandraDedupe is the NoticeDedupe in keyspace.notice_kinds: one row per bid, a flag per
// notice kind, set by compare-and-set on the whole row (Cassandra lightweight transactions,
// Paxos) with a TTL, so concurrent instances agree on the order of a bid's notices and the
// table never holds more than a TTL's worth of bids.
type CassandraDedupe struct {
	s  *gocql.Session
	ks string
}

// NewCassandraDedupe returns the dedupe record over the session.
func NewCassandraDedupe(s *gocql.Session, keyspace string) *CassandraDedupe {
	return &CassandraDedupe{s: s, ks: keyspace}
}

var errDedupeContention = errors.New("cassandra: notice dedupe: too much contention")

// Record sets kind's flag on bid's row: inserted if the row is new, else updated on the
// condition that the row is still what was read (so two notices racing for "first of the bid"
// cannot both win).
func (d *CassandraDedupe) Record(ctx context.Context, bid string, kind NoticeKinds, ttl time.Duration) (NoticeKinds, error) {
	col := ""
	for i, c := range noticeColumns {
		if kind == 1<<i {
			col = c
		}
	}
	if col == "" {
		return 0, fmt.Errorf("notice dedupe: kind %d is not one kind", kind)
	}
	secs := int(ttl / time.Second)
	var before NoticeKinds
	for attempt := 0; attempt < 8; attempt++ {
		prev := map[string]any{}
		var applied bool
		var err error
		if before == 0 {
			applied, err = d.s.Query(`INSERT INTO `+d.ks+`.notice_kinds (bid_id, `+col+`) VALUES (?, true) IF NOT EXISTS USING TTL ?`,
				bid, secs).WithContext(ctx).SerialConsistency(gocql.Serial).MapScanCAS(prev)
		} else {
			cond := make([]string, len(noticeColumns))
			for i, c := range noticeColumns {
				v := "null"
				if before&(1<<i) != 0 {
					v = "true"
				}
				cond[i] = c + " = " + v
			}
			applied, err = d.s.Query(`UPDATE `+d.ks+`.notice_kinds USING TTL ? SET `+col+` = true WHERE bid_id = ? IF `+strings.Join(cond, " AND "),
				secs, bid).WithContext(ctx).SerialConsistency(gocql.Serial).MapScanCAS(prev)
		}
		if err != nil {
			return 0, fmt.Errorf("cassandra: notice dedupe %s/%s: %w", col, bid, err)
		}
		if applied {
			return before, nil
		}
		// Not applied: prev is the row as it is now.
		before = 0
		for i, c := range noticeColumns {
			if v, _ := prev[c].(bool); v {
				before |= 1 << i
			}
		}
		if before&kind != 0 {
			return before, nil
		}
	}
	return 0, errDedupeContention
}
