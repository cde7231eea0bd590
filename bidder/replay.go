package bidder

import (
	"sync"
	"time"
)

// replayGuard remembers which notices were seen, so that a notice replayed (a retry, a
// duplicate pixel, an attacker with a copied URL) is acknowledged but counted once. Entries
// live as long as a notice is accepted (NoticeTTL) and are swept as shards grow.
//
// It is per process: the fast path. Across instances (and restarts), a notice new to this
// instance is also checked against the shared record when one is configured (dedupe.go).
type replayGuard struct {
	shards [64]replayShard
}

type replayShard struct {
	mu     sync.Mutex
	seen   map[uint64]int64 // key → expiry, Unix seconds
	nextGC int
}

func newReplayGuard() *replayGuard {
	g := &replayGuard{}
	for i := range g.shards {
		g.shards[i].seen = map[uint64]int64{}
		g.shards[i].nextGC = 1024
	}
	return g
}

// first reports whether (ns, id) is seen for the first time, remembering it until expiry.
func (g *replayGuard) first(ns, id string, expiry, now time.Time) bool {
	k := hashString(id) ^ hashString(ns)*0x9e3779b97f4a7c15
	s := &g.shards[k%uint64(len(g.shards))]
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.seen[k]; ok && exp > now.Unix() {
		return false
	}
	s.seen[k] = expiry.Unix()
	if len(s.seen) >= s.nextGC {
		for key, exp := range s.seen {
			if exp <= now.Unix() {
				delete(s.seen, key)
			}
		}
		s.nextGC = max(1024, 2*len(s.seen))
	}
	return true
}
