package player

import (
	"context"
	"testing"
	"time"
)

// TestABRFollowsBandwidthProfile plays a 180 s VOD of a three-rung ladder on a virtual clock
// while the simulated network goes 5 Mbit/s → 500 kbit/s → 5 Mbit/s: the player climbs to the
// top rung, falls to the bottom one when the bandwidth drops, climbs again, and plays every
// second of the media.
func TestABRFollowsBandwidthProfile(t *testing.T) {
	l := &ladderServer{bandwidths: []int64{400_000, 1_200_000, 3_000_000}, segments: 90, segDur: 2 * time.Second}
	base := l.start(t)
	var log segmentLog
	p := New(virtual(), WithSegmentHook(log.hook), WithBandwidthProfile(
		Step{At: 0, Bandwidth: 5_000_000}, Step{At: 30 * time.Second, Bandwidth: 500_000}, Step{At: 60 * time.Second, Bandwidth: 5_000_000}))
	defer p.Close()
	res, err := p.Play(context.Background(), base+"/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Ended || res.WatchTime != 180*time.Second {
		t.Fatalf("ended %v after %s of watch time, want the whole 180 s", res.Ended, res.WatchTime)
	}
	segs := log.track("video")
	if len(segs) != 90 {
		t.Fatalf("%d video segments, want 90", len(segs))
	}
	if segs[0].Variant != 0 {
		t.Errorf("first variant %d, want 0 (only 400 kbit/s fits 0.9 × the 1 Mbit/s start estimate)", segs[0].Variant)
	}
	// The variant sequence must reach the top, then the bottom, then the top again.
	var path []int
	for _, s := range segs {
		if len(path) == 0 || path[len(path)-1] != s.Variant {
			path = append(path, s.Variant)
		}
	}
	want := []int{2, 0, 2}
	k := 0
	for _, v := range path {
		if k < len(want) && v == want[k] {
			k++
		}
	}
	if k != len(want) {
		t.Errorf("variants played %v: want to see top, bottom, top in that order", path)
	}
	if res.Switches != len(path)-1 {
		t.Errorf("%d switches counted for the path %v", res.Switches, path)
	}
	if res.Errors != 0 {
		t.Errorf("%d errors: %s", res.Errors, res.LastError)
	}
	t.Logf("path %v, rebuffers %d (%s), startup %+v", path, res.Rebuffers, res.RebufferTime, res.Startup)
}

// TestABRDeterministic: the same session on a virtual clock twice gives the same result.
func TestABRDeterministic(t *testing.T) {
	l := &ladderServer{bandwidths: []int64{400_000, 1_200_000, 3_000_000}, segments: 30, segDur: 2 * time.Second}
	base := l.start(t)
	run := func() *Result {
		p := New(virtual(), WithBandwidthProfile(Step{Bandwidth: 2_000_000}, Step{At: 10 * time.Second, Bandwidth: 200_000}))
		defer p.Close()
		res, err := p.Play(context.Background(), base+"/master.m3u8")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(), run()
	a.Info, b.Info = SessionInfo{}, SessionInfo{}
	if a.Startup != b.Startup || a.WatchTime != b.WatchTime || a.Rebuffers != b.Rebuffers || a.RebufferTime != b.RebufferTime ||
		a.Switches != b.Switches || a.Segments != b.Segments || a.Bytes != b.Bytes || a.Duration != b.Duration {
		t.Fatalf("two runs differ:\n%+v\n%+v", a, b)
	}
	if a.Rebuffers == 0 {
		t.Errorf("a drop to 200 kbit/s under a 400 kbit/s bottom rung must stall: %+v", a)
	}
}

// TestHysteresis: an estimate between Up × and Safety × a rung's bandwidth keeps the current
// variant, whichever side it came from.
func TestHysteresis(t *testing.T) {
	l := ladder{order: []int{0, 1, 2}, bw: []int64{500_000, 1_000_000, 2_000_000}}
	e := newEstimator(DefaultABR, 1_000_000)
	e.sample(1_250_000/8, time.Second) // 1.25 Mbit/s: 1 Mbit/s is within 0.9× but not within 0.7×
	if got := e.choose(&l, 1, 10); got != 1 {
		t.Errorf("at 1.25 Mbit/s on rung 1: chose %d, want to stay", got)
	}
	if got := e.choose(&l, 0, 10); got != 0 {
		t.Errorf("at 1.25 Mbit/s on rung 0: chose %d, want to stay (rung 1 needs 1.43 Mbit/s to go up)", got)
	}
	e2 := newEstimator(DefaultABR, 1_000_000)
	e2.sample(1_500_000/8, time.Second)
	if got := e2.choose(&l, 0, 10); got != 1 {
		t.Errorf("at 1.5 Mbit/s on rung 0: chose %d, want 1", got)
	}
	if got := e2.choose(&l, 0, 1); got != 0 {
		t.Errorf("going up within Hold segments of a switch: chose %d, want 0", got)
	}
	e3 := newEstimator(DefaultABR, 1_000_000)
	e3.sample(1_000_000/8, time.Second)
	if got := e3.choose(&l, 2, 0); got != 0 {
		t.Errorf("at 1 Mbit/s on rung 2: chose %d, want 0 (1 Mbit/s > 0.9 × 1 Mbit/s)", got)
	}
}
