package live

import (
	"fmt"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/origin/scte35"
)

// BenchmarkPlaylistCached is the request path once a window position has been generated: the
// clock read, the window arithmetic and a cache hit.
func BenchmarkPlaylistCached(b *testing.B) {
	c, clock := newBenchChannel(b, scte35.FormatDateRange, 10)
	clock.Set(DefaultEpoch.Add(100*24*time.Hour + 65*time.Second))
	if _, err := c.Playlist("360p"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Playlist("360p"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaylistBuild generates a new window every iteration (the clock moves one segment),
// in a break so that every segment carries cue tags.
func BenchmarkPlaylistBuild(b *testing.B) {
	for _, f := range scte35.Formats {
		for _, window := range []int{10, 600} {
			b.Run(fmt.Sprintf("%s/window=%d", f, window), func(b *testing.B) {
				c, clock := newBenchChannel(b, f, window)
				clock.Set(DefaultEpoch.Add(100*24*time.Hour + 65*time.Second))
				b.ReportAllocs()
				for b.Loop() {
					clock.Advance(2 * time.Second)
					if _, err := c.Playlist("360p"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func newBenchChannel(b *testing.B, f scte35.Format, window int) (*Channel, *ManualClock) {
	clock := NewManualClock(DefaultEpoch)
	c, err := New(Config{Name: "bench", Asset: fakeAsset(b, 30, false), Format: f, Window: window,
		Breaks: Schedule{Offset: time.Minute, Every: 2 * time.Minute, Duration: 30 * time.Second, Lead: 8 * time.Second}}, clock)
	if err != nil {
		b.Fatal(err)
	}
	return c, clock
}
