package producer

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// rec is one emitted event on its way to Kafka or the spool. recs are pooled: an Emit takes one,
// encodes into its buffer and hands the pointer over, so the hot path allocates nothing once the
// pool is warm.
type rec struct {
	kr      kgo.Record // handed to the Kafka client; Key and Value alias buf
	buf     []byte     // key bytes, then the event's encoding
	keyLen  int
	at      time.Time // when the dispatcher took the record
	fam     *familyMetrics
	p       *Producer
	promise func(*kgo.Record, error) // r.done, bound once per rec so producing allocates nothing

	// In-flight registry links, guarded by inflight.mu.
	prev, next *rec
	listed     bool
}

// maxPooledBuffer keeps an occasional huge event from pinning its buffer in the pool.
const maxPooledBuffer = 64 << 10

func (r *rec) key() []byte   { return r.buf[:r.keyLen] }
func (r *rec) value() []byte { return r.buf[r.keyLen:] }

// inflight is the set of records handed to the Kafka client and not yet resolved. Whoever
// removes a record from it (the promise, or Close when Kafka did not answer in time) owns its
// outcome, so each record is counted and spooled at most once.
type inflight struct {
	mu   sync.Mutex
	head rec // sentinel of a circular list
	n    atomic.Int64
}

// count returns the number of records in the set.
func (l *inflight) count() int64 { return l.n.Load() }

func (l *inflight) init() { l.head.prev, l.head.next = &l.head, &l.head }

func (l *inflight) add(r *rec) {
	l.mu.Lock()
	r.prev, r.next = l.head.prev, &l.head
	l.head.prev.next = r
	l.head.prev = r
	r.listed = true
	l.n.Add(1)
	l.mu.Unlock()
}

// remove takes r out of the set and reports whether it was there.
func (l *inflight) remove(r *rec) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !r.listed {
		return false
	}
	r.prev.next, r.next.prev = r.next, r.prev
	r.prev, r.next, r.listed = nil, nil, false
	l.n.Add(-1)
	return true
}

// takeAll empties the set, returning its records oldest first.
func (l *inflight) takeAll() []*rec {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*rec, 0, l.n.Load())
	for r := l.head.next; r != &l.head; {
		next := r.next
		r.prev, r.next, r.listed = nil, nil, false
		out = append(out, r)
		r = next
	}
	l.init()
	l.n.Store(0)
	return out
}

// handoff is the bounded queue between Emit and the dispatcher. Emit appends under a mutex held
// for an append; it signals wake only when the queue was empty (the dispatcher starts its
// linger) or reaches a full batch (the dispatcher goes at once), so the dispatcher wakes once
// per batch rather than once per event. The dispatcher takes the whole queue at once and hands
// the slice back for reuse, so neither side allocates in the steady state.
type handoff struct {
	mu    sync.Mutex
	recs  []*rec
	spare []*rec // the dispatcher's: the slice it last took, emptied
	n     atomic.Int64
	max   int // queue size: put refuses beyond it
	batch int
	wake  chan struct{}
}

func (h *handoff) init(max, batch int) {
	h.max, h.batch = max, batch
	h.recs = make([]*rec, 0, min(max, 1024))
	h.wake = make(chan struct{}, 1)
}

// put queues r; false when the queue is full.
func (h *handoff) put(r *rec) bool {
	h.mu.Lock()
	n := len(h.recs)
	if n >= h.max {
		h.mu.Unlock()
		return false
	}
	h.recs = append(h.recs, r)
	h.n.Store(int64(n + 1))
	h.mu.Unlock()
	if n == 0 || n+1 == h.batch {
		select {
		case h.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
	return true
}

// take empties the queue, returning its records in the order they were put.
func (h *handoff) take() []*rec {
	h.mu.Lock()
	out := h.recs
	if len(out) == 0 {
		h.mu.Unlock()
		return nil
	}
	h.recs = h.spare[:0]
	h.n.Store(0)
	h.mu.Unlock()
	h.spare = nil
	return out
}

// recycle gives back the slice take returned, once its records are dispatched.
func (h *handoff) recycle(s []*rec) {
	clear(s)
	h.spare = s[:0]
}

// len is the number of records queued.
func (h *handoff) len() int { return int(h.n.Load()) }
