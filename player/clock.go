package player

import (
	"context"
	"sync"
	"time"
)

// Clock is the player's sense of time: when segments arrive, how far the playhead has moved, when
// to reload a live playlist. The wall clock (WallClock) plays in real time; a VirtualClock makes
// every wait instant, so a test plays minutes of media in milliseconds, deterministically.
type Clock interface {
	Now() time.Time
	// Sleep waits d (or until ctx is done, returning its error).
	Sleep(ctx context.Context, d time.Duration) error
}

// WallClock is the real clock.
type WallClock struct{}

// Now implements Clock.
func (WallClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (WallClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// VirtualClock is a clock that only moves when the player sleeps: Sleep advances it by d and
// returns at once. Downloads take no virtual time of their own, so with a virtual clock the
// simulated bandwidth (WithBandwidth, WithBandwidthProfile) is the only thing that makes a
// segment "take" time. Use one VirtualClock per session.
type VirtualClock struct {
	mu sync.Mutex
	t  time.Time
	// OnAdvance, when set, is called with the new time after each Sleep: a test drives a live
	// origin's clock from it, so the origin publishes segments as the player's time passes.
	OnAdvance func(time.Time)
}

// NewVirtualClock returns a virtual clock reading start.
func NewVirtualClock(start time.Time) *VirtualClock { return &VirtualClock{t: start} }

// Now implements Clock.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep implements Clock: it advances the clock by d.
func (c *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	t, hook := c.t, c.OnAdvance
	c.mu.Unlock()
	if hook != nil {
		hook(t)
	}
	return nil
}
