package bidder

import (
	"math"
	"sync/atomic"
)

// Shading: in a first-price auction (at=1) paying our full value leaves our whole surplus on
// the table, so the bid is value × s for a shading factor s in [ShadingFloor, 1]. The shader
// learns, per supply bucket (publisher × media type, hashed into a fixed table), the win rate
// W(s) at each of a few factor levels from what happens to its bids: every bid counts at its
// level, every win notice counts a win (a loss notice, or no notice, is a loss), and a loss
// notice that discloses ${AUCTION_MIN_TO_WIN} tells every level whether it would have won. It bids the
// level that maximizes the expected surplus (1 − s + winBonus) × W(s), with W made non-decreasing in s
// and started from the prior W(s) = s weighted as priorBids bids, and explores a neighbouring
// level on one bid in exploreEvery so that it keeps learning when the market moves. Counts
// decay by halving, so old evidence fades.
//
// All state is atomic counters in a fixed table: choosing a factor allocates nothing and takes
// no lock; concurrent updates may lose an increment now and then, which a statistic tolerates.
type Shader struct {
	floor   float64
	buckets []shadeBucket
}

const (
	shadeLevels  = 8
	shadeBuckets = 1024
	priorBids    = 20
	decayAt      = 2000 // halve a level's counts when its bids reach this
	exploreEvery = 16
	// winBonus values a win beyond its surplus (delivery is what campaigns are for): without
	// it, a market that only takes full value would leave every level at zero surplus.
	winBonus = 0.05
)

type shadeBucket struct {
	bids [shadeLevels]atomic.Uint32
	wins [shadeLevels]atomic.Uint32
	seq  atomic.Uint32
}

// NewShader returns a shader trying factors from floor to 1.
func NewShader(floor float64) *Shader {
	return &Shader{floor: floor, buckets: make([]shadeBucket, shadeBuckets)}
}

// factor is the shading factor of level l.
func (s *Shader) factor(l int) float64 {
	return s.floor + (1-s.floor)*float64(l)/float64(shadeLevels-1)
}

// Choose returns the bucket-level pair to bid at for the supply key, and its factor.
func (s *Shader) Choose(key uint64) (bucket uint16, level uint8, factor float64) {
	bucket = uint16(key % shadeBuckets)
	b := &s.buckets[bucket]
	best, bestV, w := 0, -1.0, 0.0
	for l := 0; l < shadeLevels; l++ {
		f := s.factor(l)
		bids, wins := float64(b.bids[l].Load()), float64(b.wins[l].Load())
		w = math.Max(w, (wins+priorBids*f)/(bids+priorBids)) // non-decreasing in the factor
		if v := (1 - f + winBonus) * w; v > bestV {
			best, bestV = l, v
		}
	}
	if n := b.seq.Add(1); n%exploreEvery == 0 {
		if n/exploreEvery%2 == 0 && best > 0 {
			best--
		} else if best < shadeLevels-1 {
			best++
		}
	}
	// A sure win (W=1) at a lower level is still found: the prior keeps W(s) ≤ 1.
	return bucket, uint8(best), s.factor(best)
}

// Bid records a bid made at the level.
func (s *Shader) Bid(bucket uint16, level uint8) {
	if int(bucket) >= len(s.buckets) || level >= shadeLevels {
		return
	}
	b := &s.buckets[bucket]
	if n := b.bids[level].Add(1); n >= decayAt {
		b.bids[level].Store(n / 2)
		b.wins[level].Store(b.wins[level].Load() / 2)
	}
}

// Win records a win notice for a bid made at the level.
func (s *Shader) Win(bucket uint16, level uint8) {
	if int(bucket) >= len(s.buckets) || level >= shadeLevels {
		return
	}
	b := &s.buckets[bucket]
	if b.wins[level].Load() < b.bids[level].Load() {
		b.wins[level].Add(1)
	}
}

// WinRate returns the observed win rate at the level (for tests and the admin API).
func (s *Shader) WinRate(bucket uint16, level uint8) float64 {
	b := &s.buckets[bucket]
	bids := b.bids[level].Load()
	if bids == 0 {
		return 0
	}
	return float64(b.wins[level].Load()) / float64(bids)
}

// Lost records a loss notice that disclosed the price that would have won
// (${AUCTION_MIN_TO_WIN}): that is full information about this auction, so every level learns
// from it — a level whose bid (its factor × our value) would have reached minToWin counts a win,
// the others a loss. Without the disclosure a loss teaches nothing beyond the bid already
// counted. bid is what we bid at level; both in the same currency.
func (s *Shader) Lost(bucket uint16, level uint8, bid, minToWin int64) {
	if int(bucket) >= len(s.buckets) || level >= shadeLevels || bid <= 0 || minToWin <= 0 {
		return
	}
	b := &s.buckets[bucket]
	value := float64(bid) / s.factor(int(level))
	for l := 0; l < shadeLevels; l++ {
		if l != int(level) {
			b.bids[l].Add(1) // the bid at level itself was counted when it was made
		}
		if s.factor(l)*value >= float64(minToWin) && b.wins[l].Load() < b.bids[l].Load() {
			b.wins[l].Add(1)
		}
	}
}
