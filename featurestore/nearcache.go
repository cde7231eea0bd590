package featurestore

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"time"
)

// nearCache keeps recently read entities in process memory, one segmented cache per entity
// type (so a key is the bare entity id: no key is built on the read path). An entry holds every
// view of one entity as read from Cassandra, the time of that read, and each view's expiry; an
// entry without views is a negative entry (the entity has no features).
//
// It replaced bigcache, whose Get copies the key and the entry on every read (two allocations
// per entity of a batch). The layout is bigcache's, so the garbage collector never scans it:
// each shard has an index map[uint64]uint32 (key hash → position) and nearCacheSegments byte
// segments written append-only; when the current segment is full the oldest one is emptied
// (its entries dropped from the index) and written again. A read appends the entry to a buffer
// of the caller's under the shard's read lock (appendEntry): with a reused buffer, no
// allocation. Entries are never changed in place, so an entry copied out stays valid.
//
// Entry encoding:
//
//	entry = 0x01 fetchedAt(8 bytes LE, Unix µs) view*
//	view  = uvarint(view index) varint(event time µs) varint(expiry µs, 0: none) uvarint(len) value
//
// Record in a segment: hash(8 LE) keyLen(2 LE) entryLen(4 LE) key entry.
type nearCache struct {
	byType []*segCache
}

const entryV1 = 0x01
const entryHeader = 9

const (
	nearCacheSegments  = 4
	nearCacheMaxShards = 64
	minSegment         = 64 << 10
	recordHeader       = 14
	refOffsetBits      = 30 // a segment is smaller than 1 GiB
)

func newNearCache(reg *Registry, totalMB int, _ time.Duration) (*nearCache, error) {
	types := reg.Entities()
	per := (totalMB << 20) / len(types)
	c := &nearCache{byType: make([]*segCache, len(types))}
	for i := range types {
		c.byType[i] = newSegCache(per)
	}
	return c, nil
}

// appendEntry appends the entry of id to dst; ok is false when there is none.
func (c *nearCache) appendEntry(t int, id string, dst []byte) ([]byte, bool) {
	return c.byType[t].appendEntry(id, dst)
}

// appendEntries appends the entries of ids to dst (see segCache.appendEntries).
func (c *nearCache) appendEntries(t int, ids []string, dst []byte, l *lookup) []byte {
	return c.byType[t].appendEntries(ids, dst, l)
}

// get returns a copy of the entry of id.
func (c *nearCache) get(t int, id string) ([]byte, bool) {
	e, ok := c.byType[t].appendEntry(id, nil)
	return e, ok
}

func (c *nearCache) set(t int, id string, entry []byte) { c.byType[t].set(id, entry) }

func (c *nearCache) del(t int, id string) { c.byType[t].del(id) }

func (c *nearCache) len() int {
	n := 0
	for _, sc := range c.byType {
		n += sc.len()
	}
	return n
}

func (c *nearCache) close() {
	for _, sc := range c.byType {
		sc.reset()
	}
}

// segCache is a bounded map from string keys to byte entries: sharded, segmented, FIFO
// eviction by segment, pointer-free storage.
type segCache struct {
	seed    maphash.Seed
	shards  []segShard
	mask    uint64
	segSize int
}

type segShard struct {
	mu    sync.RWMutex
	index map[uint64]uint32 // hash → segment<<refOffsetBits | offset
	segs  [nearCacheSegments][]byte
	cur   int
}

// newSegCache returns a cache of about bytes bytes (at least one minimal segment per shard).
func newSegCache(bytes int) *segCache {
	n := 1
	for n < nearCacheMaxShards && bytes/(2*n*nearCacheSegments) >= minSegment {
		n *= 2
	}
	seg := max(bytes/(n*nearCacheSegments), minSegment)
	seg = min(seg, 1<<refOffsetBits-1)
	c := &segCache{seed: maphash.MakeSeed(), shards: make([]segShard, n), mask: uint64(n - 1), segSize: seg}
	for i := range c.shards {
		c.shards[i].index = map[uint64]uint32{}
	}
	return c
}

func (c *segCache) appendEntry(key string, dst []byte) ([]byte, bool) {
	h := maphash.String(c.seed, key)
	sh := &c.shards[h&c.mask]
	sh.mu.RLock()
	rec, ok := sh.recordLocked(h, key)
	if ok {
		dst = append(dst, rec...)
	}
	sh.mu.RUnlock()
	return dst, ok
}

// lookup is the scratch memory of appendEntries, reused from batch to batch.
type lookup struct {
	hashes []uint64
	order  []int32 // request indexes grouped by shard
	// spans[2i:2i+2] is where the entry of ids[i] is in the buffer; spans[2i] < 0: none.
	spans []int32
}

// span returns where the entry of the i-th id is, ok false when it has none.
func (l *lookup) span(i int) (from, to int, ok bool) {
	if l.spans[2*i] < 0 {
		return 0, 0, false
	}
	return int(l.spans[2*i]), int(l.spans[2*i+1]), true
}

// appendEntries appends the entries of ids to dst, taking each shard's read lock once per
// batch rather than once per id, and records in l where each entry is. An empty dst of no
// capacity is allocated once, sized on the first entry.
func (c *segCache) appendEntries(ids []string, dst []byte, l *lookup) []byte {
	n := len(ids)
	l.hashes, l.order, l.spans = grow(l.hashes, n), grow(l.order, n), grow(l.spans, 2*n)
	var next [nearCacheMaxShards]int32 // per shard: where its next index goes in order
	for i, id := range ids {
		h := maphash.String(c.seed, id)
		l.hashes[i] = h
		next[h&c.mask]++
	}
	var at int32
	for s := range c.shards { // counts → start of each shard's group
		at, next[s] = at+next[s], at
	}
	for i, h := range l.hashes {
		s := h & c.mask
		l.order[next[s]] = int32(i)
		next[s]++
	}
	from := int32(0) // next[s] is now the end of shard s's group
	for s := range c.shards {
		group := l.order[from:next[s]]
		from = next[s]
		if len(group) == 0 {
			continue
		}
		sh := &c.shards[s]
		sh.mu.RLock()
		for _, i := range group {
			span := l.spans[2*i : 2*i+2]
			span[0] = -1
			rec, ok := sh.recordLocked(l.hashes[i], ids[i])
			if !ok {
				continue
			}
			if cap(dst) == 0 {
				dst = make([]byte, 0, len(rec)*n*5/4)
			}
			span[0] = int32(len(dst))
			dst = append(dst, rec...)
			span[1] = int32(len(dst))
		}
		sh.mu.RUnlock()
	}
	return dst
}

// recordLocked returns the entry of key (hash h) in the shard's memory; the caller holds a
// lock and copies it before releasing it.
func (sh *segShard) recordLocked(h uint64, key string) ([]byte, bool) {
	ref, ok := sh.index[h]
	if !ok {
		return nil, false
	}
	rec := sh.segs[ref>>refOffsetBits][ref&(1<<refOffsetBits-1):]
	kl := int(binary.LittleEndian.Uint16(rec[8:]))
	el := int(binary.LittleEndian.Uint32(rec[10:]))
	if string(rec[recordHeader:recordHeader+kl]) != key { // another key with the same hash
		return nil, false
	}
	return rec[recordHeader+kl : recordHeader+kl+el], true
}

func (c *segCache) set(key string, entry []byte) {
	size := recordHeader + len(key) + len(entry)
	if size > c.segSize || len(key) > 1<<16-1 {
		return // too large to keep: read from Cassandra each time
	}
	h := maphash.String(c.seed, key)
	sh := &c.shards[h&c.mask]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	seg := sh.segs[sh.cur]
	if len(seg)+size > c.segSize {
		sh.rotate()
		seg = sh.segs[sh.cur]
	}
	if cap(seg)-len(seg) < size { // grow towards segSize, never past it
		grown := make([]byte, len(seg), min(c.segSize, max(2*cap(seg), len(seg)+size, 4<<10)))
		copy(grown, seg)
		seg = grown
	}
	off := len(seg)
	seg = binary.LittleEndian.AppendUint64(seg, h)
	seg = binary.LittleEndian.AppendUint16(seg, uint16(len(key)))
	seg = binary.LittleEndian.AppendUint32(seg, uint32(len(entry)))
	seg = append(seg, key...)
	seg = append(seg, entry...)
	sh.segs[sh.cur] = seg
	sh.index[h] = uint32(sh.cur)<<refOffsetBits | uint32(off)
}

// rotate makes the oldest segment the current one, dropping its entries. The caller holds
// the write lock.
func (sh *segShard) rotate() {
	sh.cur = (sh.cur + 1) % nearCacheSegments
	seg := sh.segs[sh.cur]
	for off := 0; off < len(seg); {
		h := binary.LittleEndian.Uint64(seg[off:])
		kl := int(binary.LittleEndian.Uint16(seg[off+8:]))
		el := int(binary.LittleEndian.Uint32(seg[off+10:]))
		if ref, ok := sh.index[h]; ok && ref == uint32(sh.cur)<<refOffsetBits|uint32(off) {
			delete(sh.index, h)
		}
		off += recordHeader + kl + el
	}
	sh.segs[sh.cur] = seg[:0]
}

func (c *segCache) del(key string) {
	h := maphash.String(c.seed, key)
	sh := &c.shards[h&c.mask]
	sh.mu.Lock()
	delete(sh.index, h) // another key with this hash loses its entry too: a miss, harmless
	sh.mu.Unlock()
}

func (c *segCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.index)
		sh.mu.RUnlock()
	}
	return n
}

// reset drops every entry and the memory holding them.
func (c *segCache) reset() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.index)
		sh.segs = [nearCacheSegments][]byte{}
		sh.mu.Unlock()
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
