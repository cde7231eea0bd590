package ssai

import (
	"testing"
	"time"
)

// TestSweep: sessions idle for longer than SessionIdle are forgotten, recent ones kept.
func TestSweep(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := mustNew(t, Config{Now: func() time.Time { return now }, SessionIdle: 5 * time.Minute})
	old, recent := &session{}, &session{}
	old.used.Store(now.Add(-6 * time.Minute).UnixNano())
	recent.used.Store(now.Add(-4 * time.Minute).UnixNano())
	s.sessions.Store("old", old)
	s.sessions.Store("recent", recent)
	s.sweep(now)
	if _, ok := s.sessions.Load("old"); ok {
		t.Error("idle session kept")
	}
	if _, ok := s.sessions.Load("recent"); !ok {
		t.Error("recent session forgotten")
	}
}
