package stitch

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// TestStitchVODFFprobe stitches a pre-roll and a mid-roll (filled with slate) into a packaged
// VOD rendition and has ffmpeg read the result end to end: no errors, the expected duration.
func TestStitchVODFFprobe(t *testing.T) {
	dir := asset(t)
	master, err := os.ReadFile(filepath.Join(dir, "master.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	mp, err := hls.ParseMaster(master)
	if err != nil {
		t.Fatal(err)
	}
	contentPath := filepath.Join(dir, mp.Variants[0].URI)
	tmp := t.TempDir()
	adsDir := filepath.Join(tmp, "ads") // the same media under another name plays the ad
	if err := os.Symlink(filepath.Dir(contentPath), adsDir); err != nil {
		t.Fatal(err)
	}
	load := func(base string) *hls.MediaPlaylist {
		t.Helper()
		b, err := os.ReadFile(contentPath)
		if err != nil {
			t.Fatal(err)
		}
		p, err := hls.ParseMedia(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range p.Segments {
			p.Segments[i].URI = filepath.Join(base, p.Segments[i].URI)
		}
		return p
	}
	src := load(filepath.Dir(contentPath))
	ad := load(adsDir)
	slate := load(adsDir)
	slate.Segments = slate.Segments[:1]
	ads := []*hls.MediaPlaylist{ad, slate}

	pre, err := Fill(nil, ad.Duration(), [][]time.Duration{durations(ad)}, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	mid, err := Fill(nil, src.Segments[1].Duration, [][]time.Duration{durations(ad)}, 1, durations(slate))
	if err != nil {
		t.Fatal(err)
	}
	plan := &Plan{Breaks: []Break{{First: 0, Fill: pre}, {First: 1, Count: 1, Fill: mid}}}
	out, err := Append(nil, src, plan, ads)
	if err != nil {
		t.Fatal(err)
	}
	v := Validator{IsAd: func(uri string) bool { return strings.HasPrefix(uri, adsDir) }}
	p, err := v.Check("vod", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := ad.Duration() + src.Duration()
	if p.Duration() != want {
		t.Fatalf("stitched duration %v, want %v", p.Duration(), want)
	}
	path := filepath.Join(tmp, "stitched.m3u8")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}

	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg reading the stitched playlist: %v\n%s\n%s", err, stderr.String(), out)
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(string(probe)), 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q: %v", probe, err)
	}
	if got := time.Duration(secs * float64(time.Second)); got < want-200*time.Millisecond || got > want+200*time.Millisecond {
		t.Errorf("ffprobe duration %v, want %v", got, want)
	}
}
