package featurestore

import (
	"context"
	"time"
)

// backend is where views are stored: Cassandra in production (cassandra.go), memory in tests
// and in callers' tests (memory.go).
type backend interface {
	// read returns every stored view of one entity (one partition); serial reads see every
	// committed compare-and-write (they are for read-modify-write, not hot paths).
	read(ctx context.Context, entity, id string, serial bool) ([]storedRow, error)
	// write stores one view; the row with the latest timestamp wins (last write wins by event
	// time), so replays and late backfills never overwrite newer values.
	write(ctx context.Context, w rowWrite) error
	// compareAndWrite stores w only if the view's current value is old (nil: only if absent),
	// reporting whether it did. It is a lightweight transaction: its timestamp is the time of
	// the write, not w.eventTime.
	compareAndWrite(ctx context.Context, w rowWrite, old []byte) (applied bool, err error)
	// remove deletes one view, as of the timestamp at (µs).
	remove(ctx context.Context, entity, id, view string, at int64) error
	ping(ctx context.Context) error
	close()
}

// storedRow is one stored view of an entity.
type storedRow struct {
	view      string
	value     []byte
	eventTime int64 // Unix µs (Cassandra keeps ms)
	writeTime int64 // Unix µs
	ttl       int32 // seconds left; 0: none
}

// rowWrite is one view to store.
type rowWrite struct {
	entity, id, view string
	value            []byte
	eventTime        int64 // Unix µs; also the write's timestamp
	writeTime        int64 // Unix µs
	ttl              time.Duration
}

// ttlSeconds is the CQL TTL of a write (0: none), rounded up to a whole second.
func (w *rowWrite) ttlSeconds() int {
	if w.ttl <= 0 {
		return 0
	}
	return int((w.ttl + time.Second - 1) / time.Second)
}
