package collector

import (
	"hash/maphash"
	"sync"
)

// dedup remembers the ids of recently accepted events, so that a client retrying a batch (its
// response was lost, or part of it was refused with 503) does not count its events twice.
//
// It is bounded by count, not time: it holds between capacity/2 and capacity of the most
// recent ids, as 64-bit hashes of sender and id (a false "duplicate" needs a 64-bit collision:
// about one in 10¹³ events at the default capacity). Each of its shards keeps two generations;
// when the current one is full, the older one is dropped and the current one becomes it.
type dedup struct {
	seed   maphash.Seed
	limit  int // per generation per shard
	shards [dedupShards]dedupShard
}

const dedupShards = 64

type dedupShard struct {
	mu        sync.Mutex
	cur, prev map[uint64]struct{}
	_         [40]byte // keep shards on separate cache lines
}

func newDedup(capacity int) *dedup {
	d := &dedup{seed: maphash.MakeSeed(), limit: max(1, capacity/(2*dedupShards))}
	for i := range d.shards {
		d.shards[i].cur = make(map[uint64]struct{})
	}
	return d
}

func (d *dedup) hash(sender, id string) uint64 {
	var h maphash.Hash
	h.SetSeed(d.seed)
	h.WriteString(sender)
	h.WriteByte(0)
	h.WriteString(id)
	return h.Sum64()
}

// add records the id and reports whether it was new.
func (d *dedup) add(sender, id string) bool {
	k := d.hash(sender, id)
	s := &d.shards[k%dedupShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cur[k]; ok {
		return false
	}
	if _, ok := s.prev[k]; ok {
		return false
	}
	if len(s.cur) >= d.limit {
		s.prev, s.cur = s.cur, make(map[uint64]struct{}, d.limit)
	}
	s.cur[k] = struct{}{}
	return true
}

// remove forgets an id added by an event that was then not accepted after all.
func (d *dedup) remove(sender, id string) {
	k := d.hash(sender, id)
	s := &d.shards[k%dedupShards]
	s.mu.Lock()
	delete(s.cur, k)
	delete(s.prev, k)
	s.mu.Unlock()
}
