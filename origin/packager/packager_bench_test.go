package packager

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkPackage packages 20 s of 1280x720 demo content with a ladder and reports the wall
// time per media second and the speed (media seconds per wall second). Run with -benchtime 1x:
// each iteration is a full ffmpeg run.
func BenchmarkPackage(b *testing.B) {
	requireFFmpeg(b)
	dir := b.TempDir()
	mezz := filepath.Join(dir, "demo.mp4")
	const media = 20 * time.Second
	if err := GenerateDemo(context.Background(), mezz, Demo{Duration: media}, Tools{}); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		ladder Ladder
		preset string
	}{
		{"default-ladder/veryfast", DefaultLadder(), "veryfast"},
		{"default-ladder/ultrafast", DefaultLadder(), "ultrafast"},
		{"360p-only/veryfast", must(DefaultLadder().Select("360p")), "veryfast"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var total time.Duration
			for i := 0; b.Loop(); i++ {
				out := filepath.Join(dir, tc.name, string(rune('a'+i)))
				start := time.Now()
				if _, err := Package(context.Background(), mezz, out, Options{Ladder: tc.ladder, Preset: tc.preset}); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				os.RemoveAll(out)
			}
			perIter := total / time.Duration(b.N)
			b.ReportMetric(float64(perIter.Milliseconds())/media.Seconds(), "ms/media-s")
			b.ReportMetric(media.Seconds()/perIter.Seconds(), "x-realtime")
		})
	}
}

func must(l Ladder, err error) Ladder {
	if err != nil {
		panic(err)
	}
	return l
}
