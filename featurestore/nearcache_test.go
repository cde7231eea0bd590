package featurestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"sync"
	"testing"
	"time"
)

func TestSegCacheSetGetDelete(t *testing.T) {
	c := newSegCache(1 << 20)
	if _, ok := c.appendEntry("a", nil); ok {
		t.Fatal("empty cache answered")
	}
	c.set("a", []byte("one"))
	c.set("b", []byte("two"))
	c.set("a", []byte("three")) // replaces
	got, ok := c.appendEntry("a", []byte("prefix:"))
	if !ok || string(got) != "prefix:three" {
		t.Fatalf("a = %q %v", got, ok)
	}
	if got, _ := c.appendEntry("b", nil); string(got) != "two" {
		t.Fatalf("b = %q", got)
	}
	c.del("a")
	if _, ok := c.appendEntry("a", nil); ok {
		t.Fatal("deleted key answered")
	}
	if c.len() != 1 {
		t.Fatalf("len %d, want 1", c.len())
	}
	c.set("", []byte{})
	if got, ok := c.appendEntry("", nil); !ok || len(got) != 0 {
		t.Fatalf("empty key/entry: %q %v", got, ok)
	}
	c.set("huge", make([]byte, c.segSize)) // larger than a segment: not kept
	if _, ok := c.appendEntry("huge", nil); ok {
		t.Fatal("an entry larger than a segment was kept")
	}
}

// TestSegCacheEviction writes far more than the cache holds: the memory stays bounded, the
// newest entries are there, and every entry answered is the one last written for its key.
func TestSegCacheEviction(t *testing.T) {
	c := newSegCache(1 << 20) // 4 shards × 4 segments of 64 KiB
	val := func(i, gen int) []byte {
		return []byte(fmt.Sprintf("value-%d-%d-%s", i, gen, bytes.Repeat([]byte{'x'}, i%200)))
	}
	const keys = 20000
	for gen := range 3 {
		for i := range keys {
			c.set(fmt.Sprintf("k%d", i), val(i, gen))
		}
	}
	if n := c.len(); n == 0 || n >= keys {
		t.Fatalf("%d entries of %d written: want eviction", n, keys)
	}
	present := 0
	for i := range keys {
		got, ok := c.appendEntry(fmt.Sprintf("k%d", i), nil)
		if !ok {
			continue
		}
		present++
		if want := val(i, 2); !bytes.Equal(got, want) {
			t.Fatalf("k%d = %q, want %q", i, got, want)
		}
	}
	if present != c.len() {
		t.Fatalf("%d keys answer, len says %d", present, c.len())
	}
	if _, ok := c.appendEntry(fmt.Sprintf("k%d", keys-1), nil); !ok {
		t.Fatal("the newest entry was evicted")
	}
	for i := range c.shards {
		for _, seg := range c.shards[i].segs {
			if cap(seg) > c.segSize {
				t.Fatalf("segment grew to %d bytes, limit %d", cap(seg), c.segSize)
			}
		}
	}
}

// TestSegCacheHashCollision: a key whose hash finds another key's record is a miss.
func TestSegCacheHashCollision(t *testing.T) {
	c := newSegCache(1 << 20)
	c.set("a", []byte("A"))
	ha, hb := maphash.String(c.seed, "a"), maphash.String(c.seed, "b")
	sh := &c.shards[hb&c.mask]
	// Point b's hash at a's record (as a collision would).
	ref := c.shards[ha&c.mask].index[ha]
	sh.index[hb] = ref
	sh.segs = c.shards[ha&c.mask].segs
	if got, ok := c.appendEntry("b", nil); ok {
		t.Fatalf("b answered with a's entry %q", got)
	}
}

func TestSegCacheConcurrent(t *testing.T) {
	c := newSegCache(1 << 20)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64)
			for i := range 5000 {
				k := fmt.Sprintf("k%d", (i*7+w)%3000)
				if w%2 == 0 {
					c.set(k, []byte(k))
				} else if got, ok := c.appendEntry(k, buf[:0]); ok && string(got) != k {
					t.Errorf("%s = %q", k, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestBatchGetIntoMatchesBatchGet: same answers, in order, with an Answer reused across
// batches of different sizes; the near-cache path allocates nothing once warm.
func TestBatchGetIntoMatchesBatchGet(t *testing.T) {
	s, _ := memStore(t, func(c *Config) { c.ReadTimeout = time.Minute }) // a loaded machine does not degrade it
	ctx := context.Background()
	ids := benchIDs("viewer", 300)
	putProfiles(t, s, ids[:200]) // the last 100 have no profile
	var a Answer
	for _, batch := range [][]string{ids, ids[150:160], ids[:1], ids} {
		want, err := s.BatchGet(ctx, EntityUser, batch, []string{ViewRecent, ViewProfile})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.BatchGetInto(ctx, &a, EntityUser, batch, []string{ViewRecent, ViewProfile}); err != nil {
			t.Fatal(err)
		}
		if len(a.Entities) != len(batch) {
			t.Fatalf("%d entities for %d ids", len(a.Entities), len(batch))
		}
		for i, e := range a.Entities {
			w := want[i]
			if e.ID != batch[i] || e.Status != w.Status || len(e.Views) != 2 {
				t.Fatalf("%d: %s %v %d views, want %s %v", i, e.ID, e.Status, len(e.Views), w.ID, w.Status)
			}
			for j := range e.Views {
				if fmt.Sprint(e.Views[j].Fields()) != fmt.Sprint(w.Views[j].Fields()) || e.Views[j].Present() != w.Views[j].Present() {
					t.Fatalf("%s view %d: %v, want %v", e.ID, j, e.Views[j].Fields(), w.Views[j].Fields())
				}
			}
		}
	}
	if err := s.BatchGetInto(ctx, &a, "nope", ids, nil); err == nil || len(a.Entities) != 0 {
		t.Fatalf("unknown type: %v, %d entities", err, len(a.Entities))
	}
	views := []string{ViewProfile}
	allocs := testing.AllocsPerRun(50, func() {
		if err := s.BatchGetInto(ctx, &a, EntityUser, ids[:200], views); err != nil || a.Entities[199].Status != StatusFound {
			t.Fatalf("%v %v", err, a.Entities[199].Status)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per near-cache batch, want 0", allocs)
	}
}

// TestNearCacheEntryOutlivesEviction: Values of a BatchGet stay intact after the cache
// rewrote the memory their entries were copied from.
func TestNearCacheEntryOutlivesEviction(t *testing.T) {
	s, _ := memStore(t, func(c *Config) { c.CacheMB = 1 })
	ctx := context.Background()
	ids := benchIDs("viewer", 50)
	putProfiles(t, s, ids)
	out, err := s.BatchGet(ctx, EntityUser, ids, []string{ViewProfile})
	if err != nil {
		t.Fatal(err)
	}
	t0 := s.reg.byName[EntityUser].index
	junk := make([]byte, 1000)
	for i := range 5000 { // several times the type's share of 1 MiB
		binary.LittleEndian.PutUint64(junk, uint64(i))
		s.cache.set(t0, fmt.Sprintf("junk-%d", i), junk)
	}
	for _, e := range out {
		if e.Views[0].Str("country") != "US" || e.Views[0].Int("tenure_days") != 400 {
			t.Fatalf("%s changed under the caller: %v", e.ID, e.Views[0].Fields())
		}
	}
}

// TestSegCacheAppendEntries: the batch look-up (grouped by shard) finds what single look-ups
// find, in request order, repeated and absent keys included.
func TestSegCacheAppendEntries(t *testing.T) {
	for _, size := range []int{1 << 20, 64 << 20} { // 4 and 64 shards
		c := newSegCache(size)
		var ids []string
		for i := range 700 {
			k := fmt.Sprintf("k%d", i)
			if i%3 != 0 {
				c.set(k, []byte(fmt.Sprintf("entry of %s %s", k, bytes.Repeat([]byte{'.'}, i%50))))
			}
			ids = append(ids, k)
		}
		ids = append(ids, "k1", "k1", "absent")
		var l lookup
		buf := c.appendEntries(ids, nil, &l)
		for i, id := range ids {
			want, wantOK := c.appendEntry(id, nil)
			from, to, ok := l.span(i)
			if ok != wantOK || (ok && !bytes.Equal(buf[from:to], want)) {
				t.Fatalf("%d shards: %s = %q %v, want %q %v", len(c.shards), id, buf[from:to], ok, want, wantOK)
			}
		}
		// Reused scratch and buffer give the same answer for a smaller batch.
		buf = c.appendEntries(ids[:10], buf[:0], &l)
		for i, id := range ids[:10] {
			want, wantOK := c.appendEntry(id, nil)
			from, to, ok := l.span(i)
			if ok != wantOK || (ok && !bytes.Equal(buf[from:to], want)) {
				t.Fatalf("reused: %s = %q %v, want %q %v", id, buf[from:to], ok, want, wantOK)
			}
		}
	}
}
