package bidder

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/logging"
)

func TestPacingNoOverspendUnderConcurrency(t *testing.T) {
	c := &Campaign{ID: "p", DailyBudgetMicros: 1_000_000}
	ledger := NewMemoryLedger()
	noon := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC) // the pacing line allows the whole budget
	var spent atomic.Int64
	run := func(p *Pacer) {
		p.Prime(context.Background(), []*Campaign{c}, noon)
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 1_000_000; i++ {
					if p.Reserve(c, 37, noon) {
						// Every bid wins at its full price (the worst case for the budget).
						p.Settle(c, 37, 37, noon, noon)
						spent.Add(37)
						continue
					}
					leased, _ := ledger.Leased(context.Background(), c.ID, dayString(unixDay(noon)))
					if leased >= c.DailyBudgetMicros && !p.account(c.ID).leasing.Load() {
						return // the budget is all leased and this instance's share is spent
					}
					runtime.Gosched() // a lease extension is on its way
				}
			}()
		}
		wg.Wait()
		for p.account(c.ID).leasing.Load() {
			time.Sleep(time.Millisecond)
		}
	}
	run(NewPacer(ledger, time.Minute, 0.05, logging.Discard))
	// A restart: a new pacer over the same ledger must not find the budget fresh.
	run(NewPacer(ledger, time.Minute, 0.05, logging.Discard))
	run(NewPacer(ledger, time.Minute, 0.05, logging.Discard))
	if s := spent.Load(); s > c.DailyBudgetMicros {
		t.Fatalf("spent %d of a %d budget", s, c.DailyBudgetMicros)
	} else if lost := c.DailyBudgetMicros - s; lost > 2*2*c.DailyBudgetMicros/20 {
		// Each of the two restarts may forfeit what its predecessor leased but did not spend:
		// at most two chunks (the current one and the one fetched ahead).
		t.Errorf("spent only %d of %d: more than two chunks per restart were lost", s, c.DailyBudgetMicros)
	}
	leased, _ := ledger.Leased(context.Background(), c.ID, dayString(unixDay(noon)))
	if leased > c.DailyBudgetMicros {
		t.Fatalf("ledger leased %d beyond the budget %d", leased, c.DailyBudgetMicros)
	}
}

func TestPacingLineAndReservations(t *testing.T) {
	c := &Campaign{ID: "line", DailyBudgetMicros: 2_400_000}
	p := NewPacer(NewMemoryLedger(), time.Minute, 1, logging.Discard)
	// At 01:00 the line allows 2 of 24 hours: 200_000.
	at := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	p.Prime(context.Background(), []*Campaign{c}, at)
	n := 0
	for p.Reserve(c, 1000, at) {
		n++
	}
	if n != 200 {
		t.Fatalf("reserved %d × 1000 at 01:00, want 200 (the pacing line)", n)
	}
	// A loss releases its reservation; unsettled reservations expire after the window.
	p.Release(c, 1000, at, at)
	if !p.Reserve(c, 1000, at) {
		t.Fatal("a released reservation was not reusable")
	}
	later := at.Add(2 * time.Minute)
	if got := p.Committed(c.ID); got != 200_000 {
		t.Fatalf("committed %d", got)
	}
	if !p.Reserve(c, 1000, later) {
		t.Fatal("expired reservations still held the budget")
	}
	if got := p.Committed(c.ID); got != 1000 {
		t.Fatalf("after expiry committed %d, want 1000", got)
	}
	// A settlement after expiry is still counted (the exchange charges it).
	p.Settle(c, 1000, 900, at, later)
	if got := p.Committed(c.ID); got != 1900 {
		t.Fatalf("late settlement: committed %d, want 1900", got)
	}
	// A new day starts from zero, with a fresh lease fetched in the background.
	next := at.Add(24 * time.Hour)
	p.Reserve(c, 1, next)
	for p.account(c.ID).leasing.Load() {
		time.Sleep(time.Millisecond)
	}
	p.Release(c, 1, next, next)
	if !p.Reserve(c, 1000, next) || p.Committed(c.ID) != 1000 {
		t.Fatalf("new day: committed %d", p.Committed(c.ID))
	}
}

// TestPacingThroughBidsAndNotices spends a small budget through the handler: bids stop once
// reservations reach it, and win notices at the clearing price keep the total within budget.
func TestPacingThroughBidsAndNotices(t *testing.T) {
	c := bannerCampaign("tiny", 2_000_000) // 2 USD CPM: 2000 micros per impression
	c.DailyBudgetMicros = 20_000           // ten impressions
	cfg := testConfig()
	cfg.LeaseFraction = 1
	at := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
	b := newTestBidder(t, cfg, Deps{Now: func() time.Time { return at }}, c)
	var wg sync.WaitGroup
	var bids atomic.Int64
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if code, _, _ := call(t, b, `{"id":"r","at":2,"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`); code == 200 {
					bids.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bids.Load() != 10 {
		t.Errorf("%d bids on a budget of ten impressions", bids.Load())
	}
	if got := b.pacer.Committed(c.ID); got > c.DailyBudgetMicros {
		t.Errorf("committed %d > budget %d", got, c.DailyBudgetMicros)
	}
}

// TestPrimeLeasesOnce: reloading campaigns does not lease again what is already leased.
func TestPrimeLeasesOnce(t *testing.T) {
	c := &Campaign{ID: "once", DailyBudgetMicros: 1_000_000}
	ledger := NewMemoryLedger()
	p := NewPacer(ledger, time.Minute, 0.1, logging.Discard)
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for range 5 {
		p.Prime(context.Background(), []*Campaign{c}, at)
	}
	if got, _ := ledger.Leased(context.Background(), c.ID, dayString(unixDay(at))); got != 100_000 {
		t.Fatalf("five primes leased %d, want one chunk of 100000", got)
	}
}
