package recs

import (
	"sync"

	"github.com/cuepoint/cuepoint/featurestore"
)

// history remembers what viewers played through this instance, newest first, so that the
// next list a viewer asks for reflects the play at once: the featurestore's recent view
// follows within its stream updater's lag, and across instances. It is bounded: each shard
// keeps at most its share of viewers and, when full, forgets the viewer it met longest ago.
type history struct {
	shards [historyShards]historyShard
	per    int // viewers per shard
}

const (
	historyShards = 64
	historyItems  = featurestore.RecentMax
)

type historyShard struct {
	mu    sync.Mutex
	m     map[string]*historyEntry
	order []string // ring of viewers in write order, for eviction
	next  int
}

type historyEntry struct {
	items [historyItems]int32
	times [historyItems]int64 // Unix ms of each play
	n     int
	slot  int // position in order
}

func newHistory(viewers int) *history {
	h := &history{per: max(1, viewers/historyShards)}
	if viewers == 0 {
		h.per = 0
	}
	for k := range h.shards {
		h.shards[k].m = map[string]*historyEntry{}
	}
	return h
}

func (h *history) shard(viewer string) *historyShard {
	return &h.shards[bucket("history", viewer)%historyShards]
}

// add records that viewer played item (a catalogue index) at atMS (Unix ms).
func (h *history) add(viewer string, item int32, atMS int64) {
	if h.per == 0 {
		return
	}
	s := h.shard(viewer)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[viewer]
	if e == nil {
		if len(s.order) < h.per {
			s.order = append(s.order, viewer)
			e = &historyEntry{slot: len(s.order) - 1}
		} else { // evict the oldest written viewer, reuse its entry
			old := s.order[s.next]
			e = s.m[old]
			delete(s.m, old)
			*e = historyEntry{slot: s.next}
			s.order[s.next] = viewer
			s.next = (s.next + 1) % h.per
		}
		s.m[viewer] = e
	}
	k := 0
	for k < e.n && e.items[k] != item {
		k++
	}
	if k == e.n { // new: shift everything down, dropping the oldest when full
		k = min(e.n, historyItems-1)
		if e.n < historyItems {
			e.n++
		}
	}
	copy(e.items[1:k+1], e.items[:k])
	copy(e.times[1:k+1], e.times[:k])
	e.items[0], e.times[0] = item, atMS
}

// appendTo appends viewer's remembered plays, newest first, to dst, and returns how many
// of them are later than sinceMS (Unix ms).
func (h *history) appendTo(dst []int32, viewer string, sinceMS int64) ([]int32, int) {
	if h.per == 0 {
		return dst, 0
	}
	s := h.shard(viewer)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[viewer]
	if e == nil {
		return dst, 0
	}
	later := 0
	for later < e.n && e.times[later] > sinceMS {
		later++
	}
	return append(dst, e.items[:e.n]...), later
}
