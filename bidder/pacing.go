package bidder

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Pacing spends each campaign's daily budget smoothly, in integer micros, never more than the
// budget: not under concurrency, not across instances, not across restarts.
//
//   - Smooth: by time t of the UTC day a campaign may have committed at most
//     budget × (elapsed + 1 h) / 24 h. Spend follows a straight line with an hour of slack, so a
//     budget lasts the day instead of burning out at 00:05.
//   - Committed = settled spend + reservations of bids not yet settled. A bid reserves its price
//     (the most it can cost: first price pays the bid, second price pays less) before it is sent;
//     the win or bill notice settles it at the clearing price, a loss notice releases it, and a
//     reservation no notice settles within ReservationWindow is released by time.
//   - No overspend across instances and restarts: an instance only commits budget it leased from
//     the SpendLedger, in chunks of LeaseFraction × budget; the ledger grants leases atomically and
//     never beyond the budget, and a restarted instance starts with no lease. A crash forfeits what the
//     instance had leased but not spent (at most two chunks per campaign: the current one and
//     the one fetched ahead): underspend, never overspend.
//
// Reservations live in the instance that bid, so notices must come back to it (each instance has
// its own --public-url): a settlement elsewhere is counted as unreserved ("late") spend there.
//
// Reserve is the hot path: one mutex per campaign, held for a few arithmetic operations.
type Pacer struct {
	ledger   SpendLedger
	window   time.Duration
	tick     int64 // seconds per reservation slot
	ticks    int64 // slots in the reservation window
	fraction float64
	log      *slog.Logger
	accounts sync.Map // campaign id → *account: read-mostly, lock-free on the bid path
}

// account is one campaign's day at this instance.
type account struct {
	mu        sync.Mutex
	day       int64 // Unix day
	budget    int64
	committed int64 // settled + outstanding reservations, this instance, this day
	leased    int64 // granted by the ledger to this instance, this day
	leasing   atomic.Bool
	// ring of reservations by the tick they were made in, released when they age out.
	ring     []slot
	swept    int64 // ticks up to this one have been released
	lateWins atomic.Int64
}

type slot struct {
	tick int64 // the tick (Unix time / tick length) the slot holds
	amt  int64
}

// NewPacer returns a pacer leasing from ledger.
func NewPacer(ledger SpendLedger, window time.Duration, leaseFraction float64, log *slog.Logger) *Pacer {
	tick := max(int64(window/time.Second)/32, 1)
	ticks := max(int64(window/time.Second)/tick, 1)
	return &Pacer{ledger: ledger, window: window, tick: tick, ticks: ticks, fraction: leaseFraction, log: log}
}

func (p *Pacer) account(id string) *account {
	if a, ok := p.accounts.Load(id); ok {
		return a.(*account)
	}
	a, _ := p.accounts.LoadOrStore(id, &account{ring: make([]slot, p.ticks+2)})
	return a.(*account)
}

func unixDay(t time.Time) int64 { return t.Unix() / 86400 }

func dayString(day int64) string { return time.Unix(day*86400, 0).UTC().Format("2006-01-02") }

// allowance is what may be committed by now under the pacing line.
func allowance(budget int64, now time.Time) int64 {
	elapsed := now.Unix()%86400 + 3600
	if elapsed >= 86400 {
		return budget
	}
	return int64(float64(budget) * float64(elapsed) / 86400)
}

// Reserve commits amt micros of campaign c's budget for a bid made at now. It fails when the
// budget, the pacing line or this instance's lease would be exceeded; it then asks the ledger
// for more in the background, so a later bid may succeed.
func (p *Pacer) Reserve(c *Campaign, amt int64, now time.Time) bool {
	a := p.account(c.ID)
	a.mu.Lock()
	a.roll(c.DailyBudgetMicros, now)
	t := now.Unix() / p.tick
	a.expire(t, p.ticks)
	need := a.committed + amt
	ok := amt > 0 && need <= a.budget && need <= allowance(a.budget, now) && need <= a.leased
	if ok {
		a.committed = need
		s := &a.ring[t%int64(len(a.ring))]
		if s.tick != t {
			s.tick, s.amt = t, 0 // an old tick, released by expire already
		}
		s.amt += amt
	}
	low := a.leased-a.committed < int64(float64(a.budget)*p.fraction)/2+amt && a.leased < a.budget
	day := a.day
	a.mu.Unlock()
	if low && a.leasing.CompareAndSwap(false, true) {
		go p.extend(c.ID, a, day)
	}
	return ok
}

// roll starts a new day when now is past the account's.
func (a *account) roll(budget int64, now time.Time) {
	a.budget = budget
	if d := unixDay(now); d != a.day {
		a.day, a.committed, a.leased, a.swept = d, 0, 0, 0
		clear(a.ring)
	}
}

// expire releases reservations made ticks or more ticks before tick t that no notice settled.
// Each tick's slot is released once, so the cost is constant per tick, not per reservation.
func (a *account) expire(t, ticks int64) {
	horizon := t - ticks
	if a.swept == 0 || horizon-a.swept > int64(len(a.ring)) {
		for i := range a.ring {
			if s := &a.ring[i]; s.amt != 0 && s.tick <= horizon {
				a.committed -= s.amt
				s.amt = 0
			}
		}
		a.swept = horizon
		return
	}
	for a.swept < horizon {
		a.swept++
		if s := &a.ring[a.swept%int64(len(a.ring))]; s.tick == a.swept && s.amt != 0 {
			a.committed -= s.amt
			s.amt = 0
		}
	}
}

// Settle records the clearing price of a bid that reserved reserved micros at bidTime: the
// reservation is replaced by the spend. A notice arriving after the reservation expired is
// counted as spend all the same (the exchange charges it) and reported as late.
func (p *Pacer) Settle(c *Campaign, reserved, price int64, bidTime, now time.Time) {
	a := p.account(c.ID)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.roll(c.DailyBudgetMicros, now)
	if unixDay(bidTime) != a.day {
		return // yesterday's bid: yesterday's books
	}
	if a.release(reserved, bidTime.Unix()/p.tick) {
		a.committed += price - reserved
	} else {
		a.committed += price
		a.lateWins.Add(1)
	}
}

// Release returns the reservation of a lost bid.
func (p *Pacer) Release(c *Campaign, reserved int64, bidTime, now time.Time) {
	a := p.account(c.ID)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.roll(c.DailyBudgetMicros, now)
	if unixDay(bidTime) == a.day && a.release(reserved, bidTime.Unix()/p.tick) {
		a.committed -= reserved
	}
}

// release removes amt from the slot of tick t if it still holds it.
func (a *account) release(amt, t int64) bool {
	s := &a.ring[t%int64(len(a.ring))]
	if s.tick != t || s.amt < amt {
		return false
	}
	s.amt -= amt
	return true
}

// extend leases another chunk from the ledger.
func (p *Pacer) extend(id string, a *account, day int64) {
	defer a.leasing.Store(false)
	a.mu.Lock()
	budget, want := a.budget, int64(float64(a.budget)*p.fraction)
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	got, err := p.ledger.Lease(ctx, id, dayString(day), max(want, 1), budget)
	if err != nil {
		p.log.Warn("budget lease failed", "campaign", id, "err", err)
		return
	}
	a.mu.Lock()
	if a.day == day {
		a.leased += got
	}
	a.mu.Unlock()
}

// Prime leases a first chunk today for each campaign that has none at this instance yet, so a
// fresh instance (or a new campaign) bids at once. It runs up to 16 leases at a time and
// returns when they are done or ctx ends.
func (p *Pacer) Prime(ctx context.Context, cs []*Campaign, now time.Time) {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, c := range cs {
		a := p.account(c.ID)
		a.mu.Lock()
		a.roll(c.DailyBudgetMicros, now)
		day, fresh := a.day, a.leased == 0
		a.mu.Unlock()
		if !fresh || !a.leasing.CompareAndSwap(false, true) {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			a.leasing.Store(false)
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			p.extend(c.ID, a, day)
		}()
	}
	wg.Wait()
}

// Committed returns campaign id's committed micros today at this instance (for tests and admin).
func (p *Pacer) Committed(id string) int64 {
	a := p.account(id)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.committed
}

// MemoryLedger is an in-process SpendLedger: exact within one process (dev, tests, a single
// instance whose restarts may forget spend). Production uses the Cassandra ledger.
type MemoryLedger struct {
	mu     sync.Mutex
	leased map[string]int64
}

// NewMemoryLedger returns an empty ledger.
func NewMemoryLedger() *MemoryLedger { return &MemoryLedger{leased: map[string]int64{}} }

// Lease grants up to want micros, never beyond budget in total for the campaign and day.
func (l *MemoryLedger) Lease(_ context.Context, id, day string, want, budget int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := id + "/" + day
	got := min(want, budget-l.leased[k])
	if got <= 0 {
		return 0, nil
	}
	l.leased[k] += got
	return got, nil
}

// Leased returns the total leased for the campaign and day.
func (l *MemoryLedger) Leased(_ context.Context, id, day string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leased[id+"/"+day], nil
}
