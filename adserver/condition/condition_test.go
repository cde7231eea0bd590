package condition_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/condition"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
)

func tools(t *testing.T) condition.Tools {
	t.Helper()
	tl, err := condition.FindTools()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return tl
}

// tinyLadder is a fast ladder for tests: two small renditions of different shape, 1 s
// segments.
func tinyLadder(container string) condition.Ladder {
	return condition.Ladder{Name: "test", Container: container, SegmentSeconds: 1, Renditions: []condition.Rendition{
		{Name: "90p", Codec: "h264", Profile: "baseline", Level: "3.0", Width: 160, Height: 90, FPS: 15, VideoKbps: 150, AudioCodec: "aac", AudioKbps: 64, AudioChannels: 1, AudioSampleRate: 44100},
		{Name: "180p", Codec: "h264", Profile: "main", Level: "3.1", Width: 320, Height: 180, FPS: 25, VideoKbps: 300, AudioCodec: "aac", AudioKbps: 96, AudioChannels: 2, AudioSampleRate: 48000},
	}}
}

// serveDir serves files of dir over HTTP on loopback.
func serveDir(t *testing.T, dir string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SendFile(filepath.Join(dir, filepath.Base(string(ctx.Path()))))
	}}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Shutdown() })
	return "http://" + ln.Addr().String()
}

type stream struct {
	Type       string `json:"codec_type"`
	Codec      string `json:"codec_name"`
	Profile    string `json:"profile"`
	Level      int    `json:"level"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	RFrameRate string `json:"r_frame_rate"`
	Channels   int    `json:"channels"`
	SampleRate string `json:"sample_rate"`
}

func probeStreams(t *testing.T, path string) []stream {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct{ Streams []stream }
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	return r.Streams
}

// keyFrameTimes lists the presentation times of the key frames of a rendition.
func keyFrameTimes(t *testing.T, playlist string) []float64 {
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey", "-show_entries", "frame=pts_time", "-of", "csv=p=0", playlist).Output()
	if err != nil {
		t.Fatalf("ffprobe key frames: %v", err)
	}
	var ts []float64
	for _, l := range strings.Fields(string(out)) {
		if f, err := strconv.ParseFloat(strings.TrimSuffix(l, ","), 64); err == nil {
			ts = append(ts, f)
		}
	}
	return ts
}

// TestConditionRealCreative makes a creative with ffmpeg (a 4:3 slate with a tone), serves it
// over HTTP, conditions it to a two-rendition ladder, and checks each rendition against the
// ladder: codec, profile, resolution, frame rate, audio layout, segment length, key frames at
// segment boundaries, total length. A second creative with the same bytes reuses the output.
func TestConditionRealCreative(t *testing.T) {
	tl := tools(t)
	ctx := context.Background()
	src := t.TempDir()
	if err := tl.MakeSlate(ctx, filepath.Join(src, "ad1.mp4"), "AD 1", condition.SlateColors[0], 3*time.Second, 320, 240); err != nil {
		t.Fatal(err)
	}
	base := serveDir(t, src)
	root := t.TempDir()
	type result struct {
		job condition.Job
		out condition.Output
		err error
	}
	done := make(chan result, 4)
	lad := tinyLadder("ts")
	c, err := condition.New(condition.Options{
		Root: root, Ladder: lad, Tools: tl,
		Fetch:  safehttp.NewClient(safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.0/8")), safehttp.Options{}),
		OnDone: func(j condition.Job, o condition.Output, err error) { done <- result{j, o, err} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })

	if !c.Submit(condition.Job{Key: "cr-1", URL: base + "/ad1.mp4", Duration: 3 * time.Second}) ||
		!c.Submit(condition.Job{Key: "cr-1", URL: base + "/ad1.mp4", Duration: 3 * time.Second}) {
		t.Fatal("submit refused")
	}
	if jobs := c.Jobs(); len(jobs) != 1 { // the duplicate was folded into the first
		t.Fatalf("jobs %+v", jobs)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	out := r.out
	if out.Duration != 3*time.Second || len(out.Renditions) != 2 || out.Width != 320 || out.Height != 240 || len(out.MediaHash) != 64 {
		t.Fatalf("output %+v", out)
	}
	for i, rf := range out.Renditions {
		want := lad.Renditions[i]
		pl := filepath.Join(root, rf.Playlist)
		got, complete, err := condition.PlaylistDuration(pl)
		if err != nil || !complete || got < 2900*time.Millisecond || got > 3100*time.Millisecond {
			t.Errorf("%s: %v long, complete %v, %v", rf.Name, got, complete, err)
		}
		raw, _ := os.ReadFile(pl)
		if !strings.Contains(string(raw), "#EXT-X-TARGETDURATION:1\n") || strings.Count(string(raw), "#EXTINF:") != 3 {
			t.Errorf("%s: playlist\n%s", rf.Name, raw)
		}
		var v, a *stream
		for _, s := range probeStreams(t, filepath.Join(filepath.Dir(pl), "seg_00000.ts")) {
			switch s.Type {
			case "video":
				v = &s
			case "audio":
				a = &s
			}
		}
		if v == nil || a == nil {
			t.Fatalf("%s: streams video %v audio %v", rf.Name, v, a)
		}
		wantProfile := map[string]string{"baseline": "Constrained Baseline", "main": "Main"}[want.Profile]
		wantRate := strconv.Itoa(int(want.FPS)) + "/1"
		if v.Codec != "h264" || v.Profile != wantProfile || v.Width != want.Width || v.Height != want.Height || v.RFrameRate != wantRate {
			t.Errorf("%s: video %+v, want %s %dx%d@%s", rf.Name, *v, wantProfile, want.Width, want.Height, wantRate)
		}
		if a.Codec != "aac" || a.Channels != want.AudioChannels || a.SampleRate != strconv.Itoa(want.AudioSampleRate) {
			t.Errorf("%s: audio %+v", rf.Name, *a)
		}
		keys := keyFrameTimes(t, pl) // MPEG-TS starts at an offset: measure from the first frame
		for _, k := range keys {
			k -= keys[0]
			if frac := k - float64(int(k+0.01)); frac > 0.02 && frac < 0.98 { // whole seconds only
				t.Errorf("%s: key frame at %.3f s, not on a segment boundary", rf.Name, k)
			}
		}
		if len(keys) < 3 {
			t.Errorf("%s: key frames %v, want one per segment", rf.Name, keys)
		}
	}
	if m, err := os.ReadFile(filepath.Join(root, out.Master)); err != nil || !strings.Contains(string(m), `RESOLUTION=320x180,CODECS="avc1.4D401F,mp4a.40.2"`) {
		t.Errorf("master playlist %s (%v)", m, err)
	}

	// Same bytes under another creative: reused, not transcoded again.
	c.Submit(condition.Job{Key: "cr-2", URL: base + "/ad1.mp4", Duration: 3 * time.Second})
	r = <-done
	if r.err != nil || !r.out.Reused || r.out.MediaHash != out.MediaHash || r.out.Master != out.Master || r.out.Key != "cr-2" {
		t.Fatalf("second creative: %+v, %v", r.out, r.err)
	}
}

// TestConditionAddsSilenceAndPads: a video-only mezzanine shorter than the ad gets a silent
// audio track and its last frame held, in fMP4 segments.
func TestConditionAddsSilenceAndPads(t *testing.T) {
	tl := tools(t)
	src := t.TempDir()
	cmd := exec.Command(tl.FFmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=s=320x180:r=25:d=1.5",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", filepath.Join(src, "mute.mp4"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	base := serveDir(t, src)
	root := t.TempDir()
	done := make(chan error, 1)
	var got condition.Output
	lad := tinyLadder("fmp4")
	lad.Renditions = lad.Renditions[:1]
	c, err := condition.New(condition.Options{Root: root, Ladder: lad, Tools: tl,
		Fetch:  safehttp.NewClient(safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.0/8")), safehttp.Options{}),
		OnDone: func(_ condition.Job, o condition.Output, err error) { got = o; done <- err }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	c.Submit(condition.Job{Key: "mute", URL: base + "/mute.mp4", Duration: 2 * time.Second})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, filepath.Dir(got.Renditions[0].Playlist))
	if _, err := os.Stat(filepath.Join(dir, "init.mp4")); err != nil {
		t.Fatalf("no fMP4 init segment: %v", err)
	}
	d, complete, _ := condition.PlaylistDuration(filepath.Join(root, got.Renditions[0].Playlist))
	if !complete || d < 1900*time.Millisecond || d > 2100*time.Millisecond {
		t.Fatalf("padded length %v", d)
	}
	hasAudio := false
	for _, s := range probeStreams(t, filepath.Join(root, got.Renditions[0].Playlist)) {
		hasAudio = hasAudio || s.Type == "audio"
	}
	if !hasAudio {
		t.Fatal("no audio track added")
	}
}

// TestConditionSeparateAudio: with the origin's layout — video-only renditions and one shared
// audio rendition in an audio group — the ad is conditioned the same way.
func TestConditionSeparateAudio(t *testing.T) {
	tl := tools(t)
	src := t.TempDir()
	if err := tl.MakeSlate(context.Background(), filepath.Join(src, "ad.mp4"), "AD 2", condition.SlateColors[2], 2*time.Second, 320, 180); err != nil {
		t.Fatal(err)
	}
	base := serveDir(t, src)
	root := t.TempDir()
	lad := tinyLadder("ts")
	lad.Audio = &condition.AudioRendition{Name: "audio", Language: "en", Label: "English", Kbps: 96, Channels: 2, SampleRate: 48000}
	for i := range lad.Renditions {
		lad.Renditions[i].AudioCodec, lad.Renditions[i].AudioKbps, lad.Renditions[i].AudioChannels, lad.Renditions[i].AudioSampleRate = "", 0, 0, 0
	}
	done := make(chan error, 1)
	var got condition.Output
	c, err := condition.New(condition.Options{Root: root, Ladder: lad, Tools: tl,
		Fetch:  safehttp.NewClient(safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.0/8")), safehttp.Options{}),
		OnDone: func(_ condition.Job, o condition.Output, err error) { got = o; done <- err }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	c.Submit(condition.Job{Key: "sep", URL: base + "/ad.mp4", Duration: 2 * time.Second})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got.Audio == nil {
		t.Fatal("no audio rendition")
	}
	for _, s := range probeStreams(t, filepath.Join(root, got.Renditions[0].Playlist)) {
		if s.Type == "audio" {
			t.Fatal("a video rendition carries audio")
		}
	}
	as := probeStreams(t, filepath.Join(root, got.Audio.Playlist))
	if len(as) != 1 || as[0].Type != "audio" || as[0].Channels != 2 || as[0].SampleRate != "48000" {
		t.Fatalf("audio rendition streams %+v", as)
	}
	m, _ := os.ReadFile(filepath.Join(root, got.Master))
	if !strings.Contains(string(m), `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio"`) || !strings.Contains(string(m), `AUDIO="audio"`) {
		t.Fatalf("master:\n%s", m)
	}
}

func TestLadder(t *testing.T) {
	l := condition.DefaultLadder()
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := l.Renditions[0].Codecs(); got != "avc1.640028,mp4a.40.2" {
		t.Errorf("codecs %s", got)
	}
	fp := l.Fingerprint()
	l.SegmentSeconds = 4
	if l.Fingerprint() == fp {
		t.Error("fingerprint ignores the segment length")
	}
	for _, bad := range []string{`{"container":"mkv","segment_seconds":6,"renditions":[]}`, `{"container":"ts","segment_seconds":6,"renditions":[{"name":"a/b"}]}`, `not json`} {
		if _, err := condition.LoadLadder(bad); err == nil {
			t.Errorf("LoadLadder(%s) accepted", bad)
		}
	}
	raw, _ := json.Marshal(condition.DefaultLadder())
	def := condition.DefaultLadder()
	if l2, err := condition.LoadLadder(string(raw)); err != nil || l2.Fingerprint() != def.Fingerprint() {
		t.Errorf("round trip: %v", err)
	}
}
