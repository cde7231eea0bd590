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
// Entry encoding:
//
//	entry = 0x01 fetchedAt(8 bytes LE, Unix µs) view*
//	view  = uvarint(view index) varint(event time µs) varint(expiry µs, 0: none) uvarint(len) value
type nearCache struct {
	byType []*bigcache.BigCache
}

const entryV1 = 0x01
const entryHeader = 9

func newNearCache(reg *Registry, totalMB int, maxStale time.Duration) (*nearCache, error) {
	types := reg.Entities()
	per := totalMB / len(types)
	if per < 1 {
		per = 1
	}
	c := &nearCache{byType: make([]*bigcache.BigCache, len(types))}
	for i, et := range types {
		var longest time.Duration
		for _, v := range et.Views {
			longest = max(longest, v.Freshness)
		}
		bc, err := bigcache.New(context.Background(), bigcache.Config{
			Shards: 64,
			// bigcache evicts entries older than this: past it an entry is useless even as a
			// fallback, so it bounds staleness for good.
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

func (c *nearCache) get(t int, id string) ([]byte, bool) {
	e, err := c.byType[t].Get(id)
	return e, err == nil
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

func (c *nearCache) close() {
	for _, bc := range c.byType {
		if bc != nil {
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
