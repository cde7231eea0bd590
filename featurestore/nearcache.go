package featurestore

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/allegro/bigcache/v3"
)

// nearCache keeps recently read entities in process memory, one bigcache per entity type (so
// a key is the bare entity id: no key is built on the read path). An entry holds every view of
// one entity as read from Cassandra, the time of that read, and each view's expiry; an entry
// without views is a negative entry (the entity has no features).
//
// bigcache keeps entries in pointer-free byte queues (the garbage collector never scans them)
// and evicts, per shard, entries older than its LifeWindow and the oldest ones when the shard is
// full. Its Get copies the entry out: that copy is the memory the caller's Values point into
// (nothing is copied again; entries in the cache are never changed in place). bigcache v3.1.0's
// Get also copies the stored key to compare it with the one asked for (a hash collision is a
// miss), so a hit costs two allocations, both inside bigcache.
//
// Entry encoding:
//
//	entry = 0x01 fetchedAt(8 bytes LE, Unix µs) view*
//	view  = uvarint(view index) varint(event time µs) varint(expiry µs, 0: none) uvarint(len) value
type nearCache struct {
	byType []*bigcache.BigCache
}

const entryV1 = 0x01
const entryHeader = 9

// newNearCache returns the near-cache of reg's entity types, totalMB split evenly among them.
// bigcache drops an entry once it is older than the type's longest view freshness plus
// maxStale: past that it is useless even as a fallback (the staleness bound).
func newNearCache(reg *Registry, totalMB int, maxStale time.Duration) (*nearCache, error) {
	types := reg.Entities()
	per := max(totalMB/len(types), 1)
	c := &nearCache{byType: make([]*bigcache.BigCache, len(types))}
	for i, et := range types {
		var longest time.Duration
		for _, v := range et.Views {
			longest = max(longest, v.Freshness)
		}
		bc, err := bigcache.New(context.Background(), bigcache.Config{
			Shards:             64,
			LifeWindow:         longest + maxStale,
			CleanWindow:        time.Minute,
			MaxEntriesInWindow: 64 * 64, // initial allocation only: 64 entries per shard
			MaxEntrySize:       256,
			HardMaxCacheSize:   per,
		})
		if err != nil {
			c.close()
			return nil, fmt.Errorf("featurestore: near-cache for %s: %w", et.Name, err)
		}
		c.byType[i] = bc
	}
	return c, nil
}

// get returns the entry of id (bigcache's copy, the caller's to keep); ok is false when there
// is none.
func (c *nearCache) get(t int, id string) (entry []byte, ok bool) {
	e, err := c.byType[t].Get(id)
	return e, err == nil
}

// appendEntry appends the entry of id to dst; ok is false when there is none.
func (c *nearCache) appendEntry(t int, id string, dst []byte) ([]byte, bool) {
	e, ok := c.get(t, id)
	if ok {
		dst = append(dst, e...)
	}
	return dst, ok
}

// lookup is the answer of appendEntries, its memory reused from batch to batch.
type lookup struct {
	entries [][]byte // entries[i]: the entry of the i-th id, nil when it has none
}

// entry returns the entry of the i-th id, ok false when it has none.
func (l *lookup) entry(i int) ([]byte, bool) {
	e := l.entries[i]
	return e, e != nil
}

// release drops the lookup's references to entries (before it goes back to a pool).
func (l *lookup) release() { clear(l.entries) }

// appendEntries looks up the entries of ids, recording in l (emptied first) the entry of each,
// in request order. The entries are bigcache's copies, which the caller decodes and keeps: with
// a reused l, the look-ups allocate nothing but those copies.
func (c *nearCache) appendEntries(t int, ids []string, l *lookup) {
	bc := c.byType[t]
	l.entries = grow(l.entries, len(ids))
	for i, id := range ids {
		e, err := bc.Get(id)
		if err != nil {
			e = nil
		}
		l.entries[i] = e
	}
}

func (c *nearCache) set(t int, id string, entry []byte) { _ = c.byType[t].Set(id, entry) }

func (c *nearCache) del(t int, id string) { _ = c.byType[t].Delete(id) }

func (c *nearCache) len() int {
	n := 0
	for _, bc := range c.byType {
		if bc != nil {
			n += bc.Len()
		}
	}
	return n
}

// close drops the entries and stops bigcache's cleaners.
func (c *nearCache) close() {
	for _, bc := range c.byType {
		if bc != nil {
			_ = bc.Reset()
			_ = bc.Close()
		}
	}
}

// encodeEntry builds the cache entry of an entity from its stored rows, read at now (µs).
// Rows of views the registry does not know (removed views) and corrupt values are left out;
// corrupt counts the latter.
func encodeEntry(et *EntityType, rows []storedRow, now int64) (entry []byte, corrupt int) {
	size := entryHeader
	for i := range rows {
		size += len(rows[i].value) + 3*binary.MaxVarintLen64
	}
	entry = make([]byte, entryHeader, size)
	entry[0] = entryV1
	binary.LittleEndian.PutUint64(entry[1:], uint64(now))
	for i := range rows {
		r := &rows[i]
		v := et.byName[r.view]
		if v == nil {
			continue
		}
		if checkValue(r.value) != nil {
			corrupt++
			continue
		}
		var expires int64
		if r.ttl > 0 {
			expires = now + int64(r.ttl)*int64(time.Second/time.Microsecond)
		}
		entry = binary.AppendUvarint(entry, uint64(v.index))
		entry = binary.AppendVarint(entry, r.eventTime)
		entry = binary.AppendVarint(entry, expires)
		entry = binary.AppendUvarint(entry, uint64(len(r.value)))
		entry = append(entry, r.value...)
	}
	return entry, corrupt
}

// decodeEntry fills out[j] with view views[j] of the entry (absent views get their defaults;
// views past their expiry at now count as absent) and returns the time the entry was read
// from Cassandra. ok is false for a malformed entry. The Values share the entry's memory.
func decodeEntry(entry []byte, views []*View, out []Values, now int64) (fetchedAt int64, ok bool) {
	for j, v := range views {
		out[j] = Values{view: v}
	}
	if len(entry) < entryHeader || entry[0] != entryV1 {
		return 0, false
	}
	fetchedAt = int64(binary.LittleEndian.Uint64(entry[1:]))
	b := entry[entryHeader:]
	for len(b) > 0 {
		idx, n1 := binary.Uvarint(b)
		if n1 <= 0 {
			return 0, false
		}
		b = b[n1:]
		eventTime, n2 := binary.Varint(b)
		if n2 <= 0 {
			return 0, false
		}
		b = b[n2:]
		expires, n3 := binary.Varint(b)
		if n3 <= 0 {
			return 0, false
		}
		b = b[n3:]
		size, n4 := binary.Uvarint(b)
		if n4 <= 0 || size > uint64(len(b)-n4) {
			return 0, false
		}
		raw := b[n4 : n4+int(size) : n4+int(size)]
		b = b[n4+int(size):]
		for j, v := range views {
			if uint64(v.index) == idx && (expires == 0 || expires > now) {
				out[j] = Values{view: v, raw: raw, eventTime: eventTime, present: true}
			}
		}
	}
	return fetchedAt, true
}
