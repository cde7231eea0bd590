package beacon

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Replays remembers which (ad serving id, event) pairs were seen within a window, to count
// each event of each ad once however often its beacon arrives. Memory is bounded by the
// beacon rate times the window: the set is two generations of sharded maps, the older one
// dropped every half window, so a pair is remembered for between half the window and the
// whole of it — pairs older than the window are refused as expired by Verify anyway (use the
// signer's MaxAge as the window).
type Replays struct {
	window time.Duration
	shards [64]replayShard
	seed   maphash.Seed
	size   *vm.Gauge
}

type replayShard struct {
	mu       sync.Mutex
	cur, old map[[2]uint64]struct{}
	rotated  time.Time
	_        [32]byte // keep shards on separate cache lines
}

// MaxPerShard caps each shard's generation; beyond it new pairs are not remembered (and
// counted in cuepoint_adserver_beacon_dedupe_overflow_total) rather than growing without bound.
const MaxPerShard = 1 << 20

var overflow = metrics.Counter(`cuepoint_adserver_beacon_dedupe_overflow_total`)

// NewReplays returns an empty set remembering pairs for window.
func NewReplays(window time.Duration) *Replays {
	r := &Replays{window: window, seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].cur = map[[2]uint64]struct{}{}
		r.shards[i].old = map[[2]uint64]struct{}{}
	}
	return r
}

// Seen records (adServingID, event) and reports whether it was already recorded.
func (r *Replays) Seen(adServingID, event string, now time.Time) bool {
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(adServingID)
	h.WriteByte(0)
	h.WriteString(event)
	a := h.Sum64()
	h.WriteByte(1) // a second, dependent 64 bits: 128 bits in all
	k := [2]uint64{a, h.Sum64()}
	s := &r.shards[a%uint64(len(r.shards))]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rotated.IsZero() {
		s.rotated = now
	} else if now.Sub(s.rotated) >= r.window/2 {
		s.old, s.cur = s.cur, make(map[[2]uint64]struct{}, len(s.cur))
		s.rotated = now
	}
	if _, ok := s.cur[k]; ok {
		return true
	}
	if _, ok := s.old[k]; ok {
		return true
	}
	if len(s.cur) >= MaxPerShard {
		overflow.Inc()
		return false
	}
	s.cur[k] = struct{}{}
	return false
}

// EventID is the analytics event id of an event of an ad: 32 hex digits, the first 12 the
// ad's decision time in Unix milliseconds (like events.NewID, so ids sort by time), the rest
// a hash of (ad serving id, event). Every instance derives the same id for the same pair, so
// duplicates that reached different instances collapse downstream.
func EventID(issued time.Time, adServingID, event string) string {
	var buf [32]byte
	ms := uint64(issued.UnixMilli())
	for i := 11; i >= 0; i-- {
		buf[i] = "0123456789abcdef"[ms&15]
		ms >>= 4
	}
	sum := sha256.Sum256([]byte(adServingID + "\x00" + event))
	hex.Encode(buf[12:], sum[:10])
	return string(buf[:])
}
