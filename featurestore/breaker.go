package featurestore

import (
	"sync/atomic"
	"time"
)

// breaker stops reads from waiting on a Cassandra that is failing. After `threshold`
// consecutive failures it opens: reads skip Cassandra (serving the near-cache or defaults at
// once) until `cooldown` has passed; then one read at a time probes, and the first success
// closes it. So a dead or overloaded Cassandra costs the hot path nothing, and a recovered one
// is used again within a cooldown, by itself.
type breaker struct {
	threshold int64
	cooldown  int64 // ns

	failures  atomic.Int64
	openUntil atomic.Int64 // Unix ns; 0: closed
	probing   atomic.Bool
}

func newBreaker(threshold int, cooldown time.Duration) *breaker {
	return &breaker{threshold: int64(threshold), cooldown: int64(cooldown)}
}

// allow reports whether a read may go to Cassandra now. A true answer while open is the
// probe: the caller must report its outcome with success or failure.
func (b *breaker) allow(now time.Time) bool {
	until := b.openUntil.Load()
	if until == 0 {
		return true
	}
	if now.UnixNano() < until {
		return false
	}
	return b.probing.CompareAndSwap(false, true)
}

func (b *breaker) success() {
	b.failures.Store(0)
	if b.openUntil.Load() != 0 {
		b.openUntil.Store(0)
	}
	b.probing.Store(false)
}

func (b *breaker) failure(now time.Time) {
	n := b.failures.Add(1)
	if n >= b.threshold {
		b.openUntil.Store(now.UnixNano() + b.cooldown)
	}
	b.probing.Store(false)
}

// open reports whether the breaker is open (for the gauge and readiness).
func (b *breaker) open() bool { return b.openUntil.Load() != 0 }
