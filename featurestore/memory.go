package featurestore

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// OpenMemory returns a Store backed by process memory instead of Cassandra, with the same
// semantics (last write wins by event time, TTLs, compare-and-set) and the same near-cache.
// It is for tests of code that reads features (the bidder's, the recs'), not for production.
func OpenMemory(cfg Config) (*Store, error) {
	return newStore(cfg, newMemBackend(), nil)
}

// memBackend is the in-memory backend. failWith and delay inject faults in this package's
// tests.
type memBackend struct {
	mu       sync.Mutex
	rows     map[memKey]memRow
	failWith error
	delay    time.Duration
	now      func() time.Time
	reads    int
}

type memKey struct{ entity, id, view string }

type memRow struct {
	value     []byte // nil: a tombstone
	eventTime int64
	writeTime int64
	stamp     int64 // the write's timestamp, µs
	expires   time.Time
}

func newMemBackend() *memBackend {
	return &memBackend{rows: map[memKey]memRow{}, now: time.Now}
}

// wait applies the injected delay and failure, honouring ctx like a network call would.
func (m *memBackend) wait(ctx context.Context) error {
	m.mu.Lock()
	d, fail := m.delay, m.failWith
	m.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		return fail
	}
	return ctx.Err()
}

func (m *memBackend) setFault(delay time.Duration, err error) {
	m.mu.Lock()
	m.delay, m.failWith = delay, err
	m.mu.Unlock()
}

func (m *memBackend) read(ctx context.Context, entity, id string, _ bool) ([]storedRow, error) {
	if err := m.wait(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	now := m.now()
	var out []storedRow
	for k, r := range m.rows {
		if k.entity != entity || k.id != id || r.value == nil {
			continue
		}
		var ttl int32
		if !r.expires.IsZero() {
			left := r.expires.Sub(now)
			if left <= 0 {
				continue
			}
			ttl = int32((left + time.Second - 1) / time.Second)
		}
		out = append(out, storedRow{view: k.view, value: bytes.Clone(r.value), eventTime: r.eventTime, writeTime: r.writeTime, ttl: ttl})
	}
	return out, nil
}

func (m *memBackend) live(k memKey, now time.Time) (memRow, bool) {
	r, ok := m.rows[k]
	if !ok || r.value == nil || (!r.expires.IsZero() && !now.Before(r.expires)) {
		return r, false
	}
	return r, true
}

func (m *memBackend) put(w rowWrite, stamp int64) {
	r := memRow{value: bytes.Clone(w.value), eventTime: w.eventTime / 1000 * 1000, writeTime: w.writeTime / 1000 * 1000, stamp: stamp}
	if w.ttl > 0 {
		r.expires = m.now().Add(time.Duration(w.ttlSeconds()) * time.Second)
	}
	m.rows[memKey{w.entity, w.id, w.view}] = r
}

func (m *memBackend) write(ctx context.Context, w rowWrite) error {
	if err := m.wait(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.rows[memKey{w.entity, w.id, w.view}]; ok && old.stamp > w.eventTime {
		return nil // an older write loses, as in Cassandra
	}
	m.put(w, w.eventTime)
	return nil
}

func (m *memBackend) compareAndWrite(ctx context.Context, w rowWrite, old []byte) (bool, error) {
	if err := m.wait(ctx); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.live(memKey{w.entity, w.id, w.view}, m.now())
	if (old == nil && ok) || (old != nil && (!ok || !bytes.Equal(cur.value, old))) {
		return false, nil
	}
	m.put(w, m.now().UnixMicro())
	return true, nil
}

func (m *memBackend) remove(ctx context.Context, entity, id, view string, at int64) error {
	if err := m.wait(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memKey{entity, id, view}
	if old, ok := m.rows[k]; ok && old.stamp > at {
		return nil
	}
	m.rows[k] = memRow{stamp: at}
	return nil
}

func (m *memBackend) ping(ctx context.Context) error { return m.wait(ctx) }

func (m *memBackend) close() {}
