package adserver

import (
	"hash/maphash"
	"sync"
	"time"
)

// Frequency counts, per viewer, the ads of each advertiser they saw, for frequency caps. The
// adserver records an ad when its impression beacon lands and reads the counts when it fills
// a break. It is the process's own count; with several instances a FrequencyStore shares the
// counts between them and Frequency is its near-cache (freq_shared.go). MemoryFrequency is
// the default.
type Frequency interface {
	Count(viewer, key string, now time.Time) int
	Record(viewer, key string, now time.Time)
}

// MemoryFrequency is an in-process Frequency: two generations of sharded counters, the older
// dropped every window, so an impression counts for between one and two windows (a cap that
// errs on the side of fewer ads). Memory is bounded by the viewers active in two windows.
type MemoryFrequency struct {
	window time.Duration
	seed   maphash.Seed
	shards [32]freqShard
}

type freqShard struct {
	mu       sync.Mutex
	cur, old map[uint64]int32
	rotated  time.Time
}

// NewMemoryFrequency returns empty counters for window.
func NewMemoryFrequency(window time.Duration) *MemoryFrequency {
	f := &MemoryFrequency{window: window, seed: maphash.MakeSeed()}
	for i := range f.shards {
		f.shards[i].cur, f.shards[i].old = map[uint64]int32{}, map[uint64]int32{}
	}
	return f
}

func (f *MemoryFrequency) shard(viewer, key string, now time.Time) (*freqShard, uint64) {
	var h maphash.Hash
	h.SetSeed(f.seed)
	h.WriteString(viewer)
	h.WriteByte(0)
	h.WriteString(key)
	k := h.Sum64()
	s := &f.shards[k%uint64(len(f.shards))]
	s.mu.Lock()
	if s.rotated.IsZero() {
		s.rotated = now
	} else if now.Sub(s.rotated) >= f.window {
		s.old, s.cur = s.cur, make(map[uint64]int32, len(s.cur))
		if now.Sub(s.rotated) >= 2*f.window {
			clear(s.old)
		}
		s.rotated = now
	}
	return s, k
}

// Count returns how many ads of key the viewer saw recently.
func (f *MemoryFrequency) Count(viewer, key string, now time.Time) int {
	s, k := f.shard(viewer, key, now)
	defer s.mu.Unlock()
	return int(s.cur[k] + s.old[k])
}

// Record counts one ad of key for the viewer.
func (f *MemoryFrequency) Record(viewer, key string, now time.Time) {
	s, k := f.shard(viewer, key, now)
	s.cur[k]++
	s.mu.Unlock()
}
