package player

import (
	"context"
	"testing"
	"time"
)

// TestThrottledServer plays in real time from a server that really throttles its segments: fast
// for the first four, then slower than the variant the player is on. The player must stall
// (counted, with its duration), switch down, and still play to the end. What is asserted is
// behaviour (a stall happened, the player went down the ladder and finished), not durations.
func TestThrottledServer(t *testing.T) {
	l := &ladderServer{
		bandwidths: []int64{150_000, 800_000}, segments: 10, segDur: 500 * time.Millisecond,
		segRate: func(served int) int64 {
			if served < 4 {
				return 2_000_000
			}
			return 200_000
		},
	}
	base := l.start(t)
	var log segmentLog
	p := New(WithSegmentHook(log.hook), WithResumeBuffer(500*time.Millisecond))
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := p.Play(ctx, base+"/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	segs := log.track("video")
	if len(segs) != 10 || !res.Ended {
		t.Fatalf("%d segments, ended %v", len(segs), res.Ended)
	}
	if segs[0].Variant != 1 {
		t.Errorf("started on variant %d, want 1 (800 kbit/s under 0.9 × the 1 Mbit/s start estimate)", segs[0].Variant)
	}
	if last := segs[len(segs)-1].Variant; last != 0 || res.Switches == 0 {
		t.Errorf("ended on variant %d after %d switches; want the bottom rung once the server slowed to 200 kbit/s", last, res.Switches)
	}
	if res.Rebuffers == 0 || res.RebufferTime <= 0 {
		t.Errorf("no stall counted (%d, %s) although an 800 kbit/s segment took longer than the buffer held", res.Rebuffers, res.RebufferTime)
	}
	if res.WatchTime != 5*time.Second {
		t.Errorf("watched %s of 5 s", res.WatchTime)
	}
	t.Logf("switches %d, rebuffers %d (%s), startup %+v", res.Switches, res.Rebuffers, res.RebufferTime, res.Startup)
}
