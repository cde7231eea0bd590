package bidder

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// TestCassandraStoreAndLedger runs the campaign store and the budget ledger against a real
// Cassandra: documents round-trip, and instances leasing concurrently never exceed the budget.
func TestCassandraStoreAndLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Cassandra")
	}
	hosts := stacktest.Cassandra(t)
	s, err := db.OpenCassandra(hosts, db.CassandraOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ks := fmt.Sprintf("bidder_test_%d", os.Getpid())
	if _, err := Migrate(ctx, s, ks, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Query("DROP KEYSPACE IF EXISTS " + ks).Exec() })

	store := NewCassandraStore(s, ks)
	demo := DemoCampaigns("https://cdn.test")
	for _, c := range demo {
		if err := store.Put(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.List(ctx)
	if err != nil || len(got) != len(demo) {
		t.Fatalf("list: %d campaigns, %v", len(got), err)
	}
	c, err := store.Get(ctx, demo[0].ID)
	if err != nil || c.BaseCPMMicros != demo[0].BaseCPMMicros || len(c.Creatives) != len(demo[0].Creatives) {
		t.Fatalf("get: %+v, %v", c, err)
	}
	if err := store.Delete(ctx, demo[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, demo[0].ID); err != ErrNotFound {
		t.Fatalf("after delete: %v", err)
	}

	// Four "instances" lease concurrently from one budget.
	ledger := NewCassandraLedger(s, ks)
	const budget = 1_000
	var total atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 12; j++ {
				g, err := ledger.Lease(ctx, "camp", "2026-11-22", 30, budget)
				if err != nil {
					t.Error(err)
					return
				}
				total.Add(g)
			}
		}()
	}
	wg.Wait()
	leased, err := ledger.Leased(ctx, "camp", "2026-11-22")
	if err != nil || leased != total.Load() || leased > budget {
		t.Fatalf("granted %d, ledger says %d (%v), budget %d", total.Load(), leased, err, budget)
	}
	if g, _ := ledger.Lease(ctx, "camp", "2026-11-22", 10_000, budget); leased+g != budget {
		t.Fatalf("a final large lease got %d of the %d left", g, budget-leased)
	}
}
