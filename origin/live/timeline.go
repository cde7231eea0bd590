package live

import (
	"sort"
	"time"
)

// timeline maps media sequence numbers to media time since the channel's epoch. Segment g is
// segment g mod n of loop g / n of the asset; the reference rendition's durations place it.
type timeline struct {
	n      int64
	loop   time.Duration   // one pass through the asset
	starts []time.Duration // starts[i]: start of segment i within a loop; starts[n] = loop
}

func newTimeline(r *rendition) timeline {
	return timeline{n: int64(len(r.durations)), loop: r.starts[len(r.durations)], starts: r.starts}
}

// start returns when segment g starts.
func (t timeline) start(g int64) time.Duration {
	return time.Duration(g/t.n)*t.loop + t.starts[g%t.n]
}

// completed returns how many segments have ended by media time e: the live edge.
func (t timeline) completed(e time.Duration) int64 {
	if e <= 0 {
		return 0
	}
	loops := int64(e / t.loop)
	rem := e - time.Duration(loops)*t.loop
	k := sort.Search(int(t.n), func(i int) bool { return t.starts[i+1] > rem })
	return loops*t.n + int64(k)
}

// atOrAfter returns the first segment that starts at or after media time e.
func (t timeline) atOrAfter(e time.Duration) int64 {
	if e <= 0 {
		return 0
	}
	loops := int64(e / t.loop)
	rem := e - time.Duration(loops)*t.loop
	i := sort.Search(int(t.n)+1, func(i int) bool { return t.starts[i] >= rem })
	return loops*t.n + int64(i) // i == n is the next loop's first segment
}

// discontinuitySequence returns the discontinuity sequence number of segment first: how many
// loop boundaries (an EXT-X-DISCONTINUITY on segments n, 2n, ...) lie before it. When the
// segment carrying one slides out of the window, the number goes up by one.
func (t timeline) discontinuitySequence(first int64) uint64 {
	if first <= 0 {
		return 0
	}
	return uint64((first - 1) / t.n)
}
