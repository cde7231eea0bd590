// Package packagertest gives tests a media root holding one asset packaged by the real
// packager (ffmpeg): "demo", 6 s of generated content at 320x180 in two video renditions and a
// separate audio rendition, MPEG-TS. It is made once per test binary; call Main from TestMain
// to remove it at the end.
//
// Without ffmpeg the test fails when CI=true and is skipped elsewhere, naming what is missing.
package packagertest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/origin/packager"
)

var media struct {
	once sync.Once
	root string
	err  error
}

// Main runs the tests and removes the media root.
func Main(m *testing.M) {
	code := m.Run()
	if media.root != "" {
		os.RemoveAll(media.root)
	}
	os.Exit(code)
}

// MediaRoot returns the media root, packaging the demo asset on first use.
func MediaRoot(t testing.TB) string {
	t.Helper()
	if err := (packager.Tools{}).Check(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	media.once.Do(func() {
		if media.root, media.err = os.MkdirTemp("", "cuepoint-packagertest-"); media.err != nil {
			return
		}
		ctx := context.Background()
		mezz := filepath.Join(media.root, ".demo.mp4")
		if media.err = packager.GenerateDemo(ctx, mezz, packager.Demo{Duration: 6 * time.Second, Width: 320, Height: 180}, packager.Tools{}); media.err != nil {
			return
		}
		l := packager.DefaultLadder()
		l.Renditions = []packager.Rendition{
			{Name: "180p", Width: 320, Height: 180, Profile: "main", Level: "3.0", Bitrate: 300_000, FPS: 30},
			{Name: "144p", Width: 256, Height: 144, Profile: "main", Level: "3.0", Bitrate: 150_000, FPS: 30},
		}
		_, media.err = packager.Package(ctx, mezz, filepath.Join(media.root, "demo"), packager.Options{Ladder: l, Preset: "ultrafast"})
	})
	if media.err != nil {
		t.Fatal(media.err)
	}
	return media.root
}
