package collector

import (
	"strconv"
	"testing"
)

func TestDedupRemembersRecentIDsWithinItsBound(t *testing.T) {
	d := newDedup(dedupShards * 2 * 100) // 100 ids per generation per shard
	if !d.add("s", "a") || d.add("s", "a") {
		t.Fatal("second add of an id reported new")
	}
	if !d.add("other-sender", "a") {
		t.Fatal("an id is scoped to its sender: another sender's id is new")
	}
	d.remove("s", "a")
	if !d.add("s", "a") {
		t.Fatal("a removed id is new again")
	}
	// Fill well past capacity: memory stays bounded, the most recent ids are remembered.
	for i := range 100_000 {
		d.add("s", strconv.Itoa(i))
	}
	total := 0
	for i := range d.shards {
		total += len(d.shards[i].cur) + len(d.shards[i].prev)
	}
	if total > dedupShards*2*100 {
		t.Fatalf("holds %d ids, capacity %d", total, dedupShards*2*100)
	}
	for i := 100_000 - 1000; i < 100_000; i++ {
		if d.add("s", strconv.Itoa(i)) {
			t.Fatalf("recent id %d forgotten", i)
		}
	}
}
