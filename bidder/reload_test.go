package bidder

import (
	"context"
	"sync/atomic"
	"testing"
)

// countingStore counts full reads of a MemoryStore (whose Generation it inherits).
type countingStore struct {
	*MemoryStore
	lists atomic.Int64
}

func (s *countingStore) List(ctx context.Context) ([]*Campaign, error) {
	s.lists.Add(1)
	return s.MemoryStore.List(ctx)
}

// A periodic reload with nothing put or deleted since the last one reads no campaign; a Put or
// a Delete is picked up by the next reload.
func TestReloadSkipsUnchangedStore(t *testing.T) {
	st := &countingStore{MemoryStore: NewMemoryStore()}
	b := newTestBidder(t, testConfig(), Deps{Store: st}, videoCampaign("a", 10_000_000, 15, 30))
	ctx := context.Background()
	base := st.lists.Load()
	for range 3 {
		if err := b.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.lists.Load() - base; n != 0 {
		t.Fatalf("unchanged store listed %d times by 3 reloads, want 0", n)
	}
	if err := st.Put(ctx, videoCampaign("b", 20_000_000, 30)); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Index().Campaign("b"); !ok || b.Index().Len() != 2 {
		t.Fatalf("after Put: index has %d campaigns, b present %v; want 2 with b", b.Index().Len(), ok)
	}
	if err := st.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Index().Campaign("a"); ok || b.Index().Len() != 1 {
		t.Fatalf("after Delete: index has %d campaigns, a present %v; want 1 without a", b.Index().Len(), ok)
	}
	if n := st.lists.Load() - base; n != 2 {
		t.Fatalf("store listed %d times for 2 changes, want 2", n)
	}
}

// plainStore hides MemoryStore's Generation: a store read in full on every reload.
type plainStore struct{ CampaignStore }

// BenchmarkReload10k is one periodic reload of 10k unchanged campaigns: read in full (a store
// without a generation, as before) against a generation check.
func BenchmarkReload10k(b *testing.B) {
	for _, tc := range []struct {
		name  string
		plain bool
	}{{"full", true}, {"generation", false}} {
		b.Run(tc.name, func(b *testing.B) {
			ms := NewMemoryStore()
			var st CampaignStore = ms
			if tc.plain {
				st = plainStore{ms}
			}
			bd := newTestBidder(b, testConfig(), Deps{Store: st}, benchCampaigns(10000, 1)...)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := bd.Reload(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
