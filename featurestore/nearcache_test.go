package featurestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"
)

// testNearCache returns a near-cache of the Default registry's types, totalMB in all, and the
// index of the user type.
func testNearCache(t *testing.T, totalMB int) (*nearCache, int) {
	t.Helper()
	c, err := newNearCache(Default, totalMB, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return c, Default.byName[EntityUser].index
}

func TestNearCacheSetGetDelete(t *testing.T) {
	c, u := testNearCache(t, 8)
	d := Default.byName[EntityDevice].index
	if _, ok := c.get(u, "a"); ok {
		t.Fatal("empty cache answered")
	}
	c.set(u, "a", []byte("one"))
	c.set(u, "b", []byte("two"))
	c.set(u, "a", []byte("three")) // replaces
	c.set(d, "a", []byte("device a"))
	got, ok := c.appendEntry(u, "a", []byte("prefix:"))
	if !ok || string(got) != "prefix:three" {
		t.Fatalf("a = %q %v", got, ok)
	}
	if got, _ := c.get(u, "b"); string(got) != "two" {
		t.Fatalf("b = %q", got)
	}
	if got, _ := c.get(d, "a"); string(got) != "device a" {
		t.Fatalf("device a = %q: the types share keys", got)
	}
	c.del(u, "a")
	if _, ok := c.get(u, "a"); ok {
		t.Fatal("deleted key answered")
	}
	if got, _ := c.get(d, "a"); string(got) != "device a" {
		t.Fatalf("device a = %q after deleting user a", got)
	}
	if n := c.len(); n != 2 {
		t.Fatalf("len %d, want 2", n)
	}
	// A copy handed out is the caller's: writing to it changes nothing in the cache.
	e, _ := c.get(u, "b")
	e[0] = 'X'
	if got, _ := c.get(u, "b"); string(got) != "two" {
		t.Fatalf("b = %q after the caller wrote to its copy", got)
	}
	c.set(u, "huge", make([]byte, 64<<10)) // larger than a shard of the type's 1 MiB: not kept
	if _, ok := c.get(u, "huge"); ok {
		t.Fatal("an entry larger than a shard was kept")
	}
}

// TestNearCacheEviction writes far more than a type's share holds: the cache stays bounded,
// the newest entries are there, and every entry answered is the one last written for its key.
func TestNearCacheEviction(t *testing.T) {
	c, u := testNearCache(t, 5) // 1 MiB per type
	val := func(i, gen int) []byte {
		return []byte(fmt.Sprintf("value-%d-%d-%s", i, gen, bytes.Repeat([]byte{'x'}, i%200)))
	}
	const keys = 20000
	for gen := range 3 {
		for i := range keys {
			c.set(u, fmt.Sprintf("k%d", i), val(i, gen))
		}
	}
	if n := c.len(); n == 0 || n >= keys {
		t.Fatalf("%d entries of %d written: want eviction", n, keys)
	}
	if capacity := c.byType[u].Capacity(); capacity > 1<<20 {
		t.Fatalf("the type's cache grew to %d bytes, limit 1 MiB", capacity)
	}
	present := 0
	for i := range keys {
		got, ok := c.get(u, fmt.Sprintf("k%d", i))
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
	if _, ok := c.get(u, fmt.Sprintf("k%d", keys-1)); !ok {
		t.Fatal("the newest entry was evicted")
	}
}

func TestNearCacheConcurrent(t *testing.T) {
	c, u := testNearCache(t, 8)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var l lookup
			ids := make([]string, 100)
			for i := range 5000 {
				k := fmt.Sprintf("k%d", (i*7+w)%3000)
				switch w % 2 {
				case 0:
					c.set(u, k, []byte(k))
				default:
					for j := range ids {
						ids[j] = fmt.Sprintf("k%d", (i+j)%3000)
					}
					if i%50 != 0 {
						if got, ok := c.get(u, k); ok && string(got) != k {
							t.Errorf("%s = %q", k, got)
							return
						}
						continue
					}
					c.appendEntries(u, ids, &l)
					for j, id := range ids {
						if got, ok := l.entry(j); ok && string(got) != id {
							t.Errorf("%s = %q", id, got)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestBatchGetIntoMatchesBatchGet: same answers, in order, with an Answer reused across
// batches of different sizes; once warm, the near-cache path allocates only bigcache's copies.
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
	// bigcache's Get allocates (it copies the entry out); nothing else may, per entity or per batch.
	t0 := s.reg.byName[EntityUser].index
	perGet := testing.AllocsPerRun(50, func() {
		if _, ok := s.cache.get(t0, ids[0]); !ok {
			t.Fatal("miss")
		}
	})
	if perGet == 0 || allocs != 200*perGet {
		t.Fatalf("%.1f allocations per near-cache batch of 200, want 200 × bigcache's %.1f per Get", allocs, perGet)
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

// TestNearCacheAppendEntries: the batch look-up finds what single look-ups find, in request
// order, repeated and absent keys included, also with a reused lookup.
func TestNearCacheAppendEntries(t *testing.T) {
	c, u := testNearCache(t, 64)
	var ids []string
	for i := range 700 {
		k := fmt.Sprintf("k%d", i)
		if i%3 != 0 {
			c.set(u, k, []byte(fmt.Sprintf("entry of %s %s", k, bytes.Repeat([]byte{'.'}, i%50))))
		}
		ids = append(ids, k)
	}
	ids = append(ids, "k1", "k1", "absent")
	var l lookup
	for _, batch := range [][]string{ids, ids[:10], ids[690:]} {
		c.appendEntries(u, batch, &l)
		if len(l.entries) != len(batch) {
			t.Fatalf("%d entries for %d ids", len(l.entries), len(batch))
		}
		for i, id := range batch {
			want, wantOK := c.get(u, id)
			got, ok := l.entry(i)
			if ok != wantOK || !bytes.Equal(got, want) {
				t.Fatalf("%s = %q %v, want %q %v", id, got, ok, want, wantOK)
			}
		}
	}
	l.release()
	for i := range l.entries {
		if l.entries[i] != nil {
			t.Fatal("a released lookup still holds entries")
		}
	}
}
