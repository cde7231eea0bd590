package ssai

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/allegro/bigcache/v3"

	"github.com/cuepoint/cuepoint/internal/metrics"
)

// adInfo is what a session needs of an ad besides its media: who it is, where it leads, and
// its beacons. It is most of an ad decision's bytes (the adserver's signed tracking URLs), and
// is read only when a beacon fires or a player reads the tracking data, so it lives in the
// decision cache, off the Go heap, not in the session.
type adInfo struct {
	servingID, adID, creative, title, clickThrough string
	beacons                                        [numEvents][]string
	errors                                         []string // VAST <Error> URLs
}

// decisionCache keeps the ads' adInfo in bigcache (no pointers: the garbage collector never
// scans it), keyed by session id and the ad's position among the session's ads. Entries live as
// long as a session may (a day of viewing); a full cache evicts the oldest, whose beacons are then
// not fired (counted).
type decisionCache struct {
	c *bigcache.BigCache
}

var (
	decisionsMissing = metrics.Counter(`cuepoint_ssai_decision_cache_misses_total`)
	errShortEntry    = errors.New("ssai: truncated decision cache entry")
)

func newDecisionCache(maxMB int) (*decisionCache, error) {
	cfg := bigcache.DefaultConfig(maxSessionAge)
	cfg.CleanWindow = time.Minute
	cfg.HardMaxCacheSize = maxMB
	// bigcache allocates Shards × MaxEntriesInWindow/Shards × MaxEntrySize up front, then grows
	// to HardMaxCacheSize: start at 4 MB.
	cfg.Shards = 64
	cfg.MaxEntriesInWindow = 64 * 32
	cfg.MaxEntrySize = 2 << 10
	cfg.Verbose = false
	c, err := bigcache.New(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	return &decisionCache{c: c}, nil
}

var encPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func (d *decisionCache) put(key string, a *adInfo) {
	bp := encPool.Get().(*[]byte)
	b := (*bp)[:0]
	for _, s := range []string{a.servingID, a.adID, a.creative, a.title, a.clickThrough} {
		b = appendString(b, s)
	}
	prev := "" // an ad's tracking URLs differ from each other in a few characters (event, signature)
	for _, urls := range append(a.beacons[:], a.errors) {
		b = binary.AppendUvarint(b, uint64(len(urls)))
		for _, u := range urls {
			b = appendDelta(b, prev, u)
			prev = u
		}
	}
	_ = d.c.Set(key, b) // an entry too large for the cache: counted as a miss when read
	*bp = b
	encPool.Put(bp)
}

func (d *decisionCache) get(key string) (*adInfo, bool) {
	b, err := d.c.Get(key)
	if err != nil {
		decisionsMissing.Inc()
		return nil, false
	}
	a := &adInfo{}
	r := reader{b: b}
	for _, s := range []*string{&a.servingID, &a.adID, &a.creative, &a.title, &a.clickThrough} {
		*s = r.str()
	}
	prev := ""
	for i := 0; i <= numEvents; i++ {
		n := r.uvarint()
		if n > uint64(len(b)) {
			r.err = errShortEntry
			break
		}
		urls := make([]string, 0, n)
		for range n {
			prev = r.delta(prev)
			urls = append(urls, prev)
		}
		if i < numEvents {
			a.beacons[i] = urls
		} else {
			a.errors = urls
		}
	}
	if r.err != nil {
		decisionsMissing.Inc()
		return nil, false
	}
	return a, true
}

func (d *decisionCache) close() { _ = d.c.Close() }

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendDelta writes s as the length of the prefix and of the suffix it shares with prev, and
// what lies between.
func appendDelta(b []byte, prev, s string) []byte {
	p := 0
	for p < len(prev) && p < len(s) && prev[p] == s[p] {
		p++
	}
	q := 0
	for q < len(prev)-p && q < len(s)-p && prev[len(prev)-1-q] == s[len(s)-1-q] {
		q++
	}
	b = binary.AppendUvarint(b, uint64(p))
	b = binary.AppendUvarint(b, uint64(q))
	return appendString(b, s[p:len(s)-q])
}

// delta reads what appendDelta wrote against prev.
func (r *reader) delta(prev string) string {
	p, q := r.uvarint(), r.uvarint()
	mid := r.str()
	if r.err != nil || p+q > uint64(len(prev)) {
		r.err = errShortEntry
		return ""
	}
	return prev[:p] + mid + prev[uint64(len(prev))-q:]
}

// reader decodes what appendString and binary.AppendUvarint wrote; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShortEntry
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errShortEntry
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// mediaSets interns the per-rendition media URLs of ads: every session that plays a creative
// shares one slice. An adserver whose media URLs differ per impression would grow it without
// bound, so it stops interning at maxMediaSets.
type mediaSets struct {
	m sync.Map
	n atomic.Int64
}

const maxMediaSets = 100_000

func (ms *mediaSets) intern(media []string) []string {
	key := strings.Join(media, "\n")
	if v, ok := ms.m.Load(key); ok {
		return v.([]string)
	}
	if ms.n.Load() >= maxMediaSets {
		return media
	}
	v, loaded := ms.m.LoadOrStore(key, media)
	if !loaded {
		ms.n.Add(1)
	}
	return v.([]string)
}
