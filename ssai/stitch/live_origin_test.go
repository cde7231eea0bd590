package stitch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/live"
	"github.com/cuepoint/cuepoint/origin/packager"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

// testAsset is a packaged asset (6 s, two 2 s-segment video renditions and audio, MPEG-TS at
// 320x180 and below), made once per test binary.
var testAsset struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testAsset.dir != "" {
		os.RemoveAll(filepath.Dir(testAsset.dir))
	}
	os.Exit(code)
}

func asset(t *testing.T) string {
	t.Helper()
	if err := (packager.Tools{}).Check(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	testAsset.once.Do(func() {
		root, err := os.MkdirTemp("", "cuepoint-ssai-test-")
		if err != nil {
			testAsset.err = err
			return
		}
		ctx := context.Background()
		mezz := filepath.Join(root, ".demo.mp4")
		if testAsset.err = packager.GenerateDemo(ctx, mezz, packager.Demo{Duration: 6 * time.Second, Width: 320, Height: 180}, packager.Tools{}); testAsset.err != nil {
			return
		}
		l := packager.DefaultLadder()
		l.Renditions = []packager.Rendition{
			{Name: "180p", Width: 320, Height: 180, Profile: "main", Level: "3.0", Bitrate: 300_000, FPS: 30},
			{Name: "144p", Width: 256, Height: 144, Profile: "main", Level: "3.0", Bitrate: 150_000, FPS: 30},
		}
		testAsset.dir = filepath.Join(root, "demo")
		_, testAsset.err = packager.Package(ctx, mezz, testAsset.dir, packager.Options{Ladder: l, Preset: "ultrafast"})
	})
	if testAsset.err != nil {
		t.Fatal(testAsset.err)
	}
	return testAsset.dir
}

// TestStitchOriginLive follows a live channel of the origin in each cue format over many
// refreshes (its ManualClock stepped a second at a time, across loop boundaries and breaks):
// spans read from the reference rendition become a plan shared by every rendition, and every
// stitched playlist passes the validator, refresh after refresh, renditions in step, and is
// read back by Eyevinn/hls-m3u8.
func TestStitchOriginLive(t *testing.T) {
	dir := asset(t)
	a := newAdSetIn(t, false) // the asset is MPEG-TS
	for _, f := range scte35.Formats {
		t.Run(f.String(), func(t *testing.T) {
			clock := live.NewManualClock(live.DefaultEpoch.Add(10 * time.Second))
			ch, err := live.New(live.Config{
				Name: "ch", Asset: dir, Format: f, Window: 6,
				Breaks: live.Schedule{Offset: 20 * time.Second, Every: 40 * time.Second, Duration: 10 * time.Second, Lead: 4 * time.Second},
			}, clock)
			if err != nil {
				t.Fatal(err)
			}
			rends := ch.Renditions()
			stitchedBreaks := 0
			pl := Planner{Keep: 8, Decide: func(dst []Piece, sp Span) []Piece {
				stitchedBreaks++
				fill, err := Fill(dst, time.Duration(sp.Count)*2*time.Second, [][]time.Duration{durations(a.video[0]), durations(a.video[1])}, slateIndex, durations(a.video[slateIndex]))
				if err != nil {
					t.Fatal(err)
				}
				return fill
			}}
			v := Validator{IsAd: isAd}
			for step := 0; step < 200; step++ {
				clock.Advance(time.Second)
				srcs := make([]*hls.MediaPlaylist, len(rends))
				for i, r := range rends {
					pl, err := ch.Playlist(r)
					if err != nil {
						t.Fatal(err)
					}
					if srcs[i], err = hls.ParseMedia(pl.Body); err != nil {
						t.Fatal(err)
					}
				}
				pl.Update(srcs[0])
				plan := &pl.Plan
				if err := plan.Validate(); err != nil {
					t.Fatal(err)
				}
				if len(plan.Breaks) > 3 {
					t.Fatalf("step %d: %d breaks kept, want them folded", step, len(plan.Breaks))
				}
				var outs []*hls.MediaPlaylist
				for i, r := range rends {
					ads := a.video
					if strings.Contains(r, "audio") || strings.Contains(r, "aac") {
						ads = a.audio
					}
					b, err := Append(nil, srcs[i], plan, ads)
					if err != nil {
						t.Fatal(err)
					}
					p, err := v.Check(r, b)
					if err != nil {
						t.Fatalf("step %d: %v\n%s", step, err, b)
					}
					outs = append(outs, p)
					if len(p.Trailer) == 0 { // hls-m3u8 refuses a playlist ending in an SCTE-35 DATERANGE
						oracle(t, b, len(p.Segments))
					}
				}
				if err := Group(audioDrift, outs...); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
			}
			if stitchedBreaks < 4 {
				t.Errorf("%d breaks stitched, want at least 4", stitchedBreaks)
			}
		})
	}
}
