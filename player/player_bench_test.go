package player

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/loadtest"
)

// cpuNow is the process's user+system CPU time.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStartup measures one session start against the origin in process (client and server
// CPU together): the headless player with WithStartupOnly (master, video and audio media
// playlists, first video segment) against the load generator's bare SessionPlayer doing master,
// one media playlist and one segment, the baseline, in the same run. cpu-µs/op is the figure
// to compare on a shared machine; ns/op is wall time.
func BenchmarkStartup(b *testing.B) {
	base := startOrigin(b, nil)
	master := base + "/vod/demo/master.m3u8"
	b.Run("player", func(b *testing.B) {
		p := New(WithStartupOnly())
		defer p.Close()
		ctx := context.Background()
		b.ReportAllocs()
		c0 := cpuNow()
		b.ResetTimer()
		for b.Loop() {
			if _, err := p.Play(ctx, master); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuNow()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
	})
	b.Run("sessionplayer", func(b *testing.B) {
		p := loadtest.NewSessionPlayer(4, 1)
		b.ReportAllocs()
		c0 := cpuNow()
		b.ResetTimer()
		for b.Loop() {
			if err := p.Play(master, time.Now().Add(5*time.Second)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuNow()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
	})
}
