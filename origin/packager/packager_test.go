package packager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Eyevinn/hls-m3u8/m3u8"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// testLadder is small enough to package a few seconds in about a second on two cores.
func testLadder(c Container) Ladder {
	l := DefaultLadder()
	l.Renditions = []Rendition{
		{Name: "180p", Width: 320, Height: 180, Profile: "main", Level: "3.0", Bitrate: 300_000, FPS: 30},
		{Name: "144p", Width: 256, Height: 144, Profile: "baseline", Level: "3.0", Bitrate: 150_000, FPS: 30},
	}
	l.Audio.Bitrate = 64_000
	l.Container = c
	return l
}

var media struct {
	once sync.Once
	root string
	mezz string
	err  error
	ts   packaged
	fmp4 packaged
}

type packaged struct {
	once  sync.Once
	dir   string
	asset Asset
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if media.root != "" {
		os.RemoveAll(media.root)
	}
	os.Exit(code)
}

func requireFFmpeg(t testing.TB) {
	t.Helper()
	if err := (Tools{}).Check(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// mezzanine generates 6 s of 320x180 demo content once per test binary.
func mezzanine(t testing.TB) string {
	t.Helper()
	requireFFmpeg(t)
	media.once.Do(func() {
		media.root, media.err = os.MkdirTemp("", "cuepoint-packager-test-")
		if media.err != nil {
			return
		}
		media.mezz = filepath.Join(media.root, "demo.mp4")
		media.err = GenerateDemo(context.Background(), media.mezz, Demo{Duration: 6 * time.Second, Width: 320, Height: 180}, Tools{})
	})
	if media.err != nil {
		t.Fatal(media.err)
	}
	return media.mezz
}

// packagedAsset packages the mezzanine once per container per test binary.
func packagedAsset(t testing.TB, c Container) (string, Asset) {
	t.Helper()
	mezz := mezzanine(t)
	p := &media.ts
	var opts Options
	if c == ContainerFMP4 {
		p = &media.fmp4
		opts.MaxDuration = 5 * time.Second // and check the tail is cut to whole segments
	}
	p.once.Do(func() {
		p.dir = filepath.Join(media.root, string(c))
		opts.Ladder = testLadder(c)
		p.asset, p.err = Package(context.Background(), mezz, p.dir, opts)
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.dir, p.asset
}

func TestDefaultLadderIsValid(t *testing.T) {
	if err := DefaultLadder().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Container{ContainerTS, ContainerFMP4} {
		if err := testLadder(c).Validate(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLadderValidateRefuses(t *testing.T) {
	for name, mutate := range map[string]func(*Ladder){
		"level too low":          func(l *Ladder) { l.Renditions[2].Level = "3.0" },
		"odd size":               func(l *Ladder) { l.Renditions[0].Width = 641 },
		"duplicate name":         func(l *Ladder) { l.Renditions[1].Name = "360p" },
		"name clash audio":       func(l *Ladder) { l.Renditions[1].Name = "audio" },
		"partial frames":         func(l *Ladder) { l.SegmentDuration = Duration(2010 * time.Millisecond) },
		"container":              func(l *Ladder) { l.Container = "mkv" },
		"profile":                func(l *Ladder) { l.Renditions[0].Profile = "high10" },
		"bitrate above level":    func(l *Ladder) { l.Renditions[0].Bitrate = 20_000_000 },
		"max rate below":         func(l *Ladder) { l.Renditions[0].MaxRate = 1000 },
		"audio rate":             func(l *Ladder) { l.Audio.SampleRate = 32_000 },
		"no renditions":          func(l *Ladder) { l.Renditions = nil },
		"path in name":           func(l *Ladder) { l.Renditions[0].Name = "../x" },
		"segment too long":       func(l *Ladder) { l.SegmentDuration = Duration(time.Minute) },
		"audio without label":    func(l *Ladder) { l.Audio.Label = "" },
		"fps out of range":       func(l *Ladder) { l.Renditions[0].FPS = 120 },
		"above level frame rate": func(l *Ladder) { l.Renditions[1].FPS = 60 },
	} {
		l := DefaultLadder()
		mutate(&l)
		if err := l.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
}

func TestLadderSelectAndJSON(t *testing.T) {
	l, err := DefaultLadder().Select("720p", "360p")
	if err != nil || len(l.Renditions) != 2 || l.Renditions[0].Name != "360p" {
		t.Fatalf("Select = %+v, %v", l.Renditions, err)
	}
	if _, err := DefaultLadder().Select("4k"); err == nil {
		t.Fatal("Select accepted an unknown rendition")
	}
	b, err := json.Marshal(DefaultLadder())
	if err != nil || !bytes.Contains(b, []byte(`"segment_duration":"2s"`)) {
		t.Fatalf("JSON = %s, %v", b, err)
	}
	var back Ladder
	if err := json.Unmarshal(b, &back); err != nil || back.SegmentDuration != DefaultLadder().SegmentDuration {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"segment_duration":4}`), &back); err != nil || time.Duration(back.SegmentDuration) != 4*time.Second {
		t.Fatalf("seconds: %v %v", back.SegmentDuration, err)
	}
}

func TestArgs(t *testing.T) {
	j := job{in: "in.mp4", dir: "/o", ladder: DefaultLadder(), duration: 60 * time.Second, preset: "veryfast"}
	a := strings.Join(j.args(), " ")
	for _, want := range []string{
		"-force_key_frames expr:gte(t,n_forced*2)", "-sc_threshold 0", "-g 60 -keyint_min 60",
		"-profile:v high -level:v 3.1", "-maxrate 3300000 -bufsize 4500000",
		"-frames:a 2812", // 60 s of 48 kHz audio, in whole AAC frames
		"-hls_segment_filename /o/360p/seg_%05d.ts -hls_segment_type mpegts /o/360p/index.m3u8",
		"[0:v]split=3[s0][s1][s2];[s0]fps=30,scale=640:360",
	} {
		if !strings.Contains(a, want) {
			t.Errorf("args lack %q:\n%s", want, a)
		}
	}
	j.ladder.Container = ContainerFMP4
	if a := strings.Join(j.args(), " "); !strings.Contains(a, "-hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4") ||
		!strings.Contains(a, "seg_%05d.m4s") {
		t.Errorf("fmp4 args: %s", a)
	}
}

func TestReadProgress(t *testing.T) {
	in := "frame=30\nout_time_us=1000000\nspeed=2.5x\nprogress=continue\nframe=60\nout_time_us=2000000\nspeed= 2.4x\nprogress=end\n"
	var got []Progress
	readProgress(strings.NewReader(in), 4*time.Second, func(p Progress) { got = append(got, p) })
	if len(got) != 2 || got[0].Done != time.Second || got[0].Speed != 2.5 || got[0].Fraction() != 0.25 ||
		!got[1].End || got[1].Fraction() != 1 || got[1].Frame != 60 {
		t.Fatalf("progress = %+v", got)
	}
	var buf bytes.Buffer
	bar := NewBar(&buf, false, "package")
	for _, p := range got {
		bar.Update(p)
	}
	if buf.String() != "package  25% 0:01/0:04 2.5x\npackage 100% 0:04/0:04 2.4x\n" {
		t.Fatalf("bar = %q", buf.String())
	}
	buf.Reset()
	NewBar(&buf, true, "p").Update(got[0])
	if !strings.HasPrefix(buf.String(), "\rp [#######.......................]  25% 0:01/0:04 2.5x ETA 0:01") {
		t.Fatalf("tty bar = %q", buf.String())
	}
}

// End to end: ffmpeg packages, ffprobe and two playlist parsers read the result.
func TestPackageTS(t *testing.T) {
	dir, a := packagedAsset(t, ContainerTS)
	// MPEG-TS starts at 1.4 s (ffmpeg's default mux delay), plus the B-frame reorder delay.
	if a.Segments != 3 || time.Duration(a.Duration) != 6*time.Second || len(a.Renditions) != 2 ||
		a.StartPTS < 126_000 || a.StartPTS > 140_000 {
		t.Fatalf("asset = %+v", a)
	}
	back, err := ReadAsset(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Segments != a.Segments || back.Renditions[0] != a.Renditions[0] {
		t.Fatalf("asset.json = %+v", back)
	}
	if a.Renditions[0].Codecs != "avc1.4d401e" || a.Renditions[1].Codecs[:7] != "avc1.42" {
		t.Fatalf("codecs = %s, %s", a.Renditions[0].Codecs, a.Renditions[1].Codecs)
	}
	checkMaster(t, dir, a)
	for _, r := range []string{"180p", "144p", "audio"} {
		checkMediaPlaylist(t, filepath.Join(dir, r, playlistName), 3, false)
	}
	checkVideoSegments(t, filepath.Join(dir, "180p"), 320, 180, "Main")
	checkVideoSegments(t, filepath.Join(dir, "144p"), 256, 144, "Constrained Baseline")
	checkProbeMaster(t, dir, 6*time.Second)
}

func TestPackageFMP4(t *testing.T) {
	dir, a := packagedAsset(t, ContainerFMP4)
	if a.Segments != 2 || time.Duration(a.Duration) != 4*time.Second {
		t.Fatalf("5 s limit with 2 s segments must give 2 whole segments: %+v", a)
	}
	checkMaster(t, dir, a)
	for _, r := range []string{"180p", "144p", "audio"} {
		checkMediaPlaylist(t, filepath.Join(dir, r, playlistName), 2, true)
		if _, err := os.Stat(filepath.Join(dir, r, initName)); err != nil {
			t.Fatal(err)
		}
	}
	checkProbeMaster(t, dir, 4*time.Second)
}

func TestPackageRefusesExistingOutput(t *testing.T) {
	dir, _ := packagedAsset(t, ContainerTS)
	_, err := Package(context.Background(), mezzanine(t), dir, Options{Ladder: testLadder(ContainerTS)})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Package(context.Background(), filepath.Join(media.root, "missing.mp4"), filepath.Join(media.root, "x"), Options{}); err == nil {
		t.Fatal("packaged a missing file")
	}
	entries, _ := os.ReadDir(media.root)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".packaging-") {
			t.Fatalf("staging directory left behind: %s", e.Name())
		}
	}
}

func TestPackageCancelled(t *testing.T) {
	mezz := mezzanine(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := filepath.Join(media.root, "cancelled")
	_, err := Package(ctx, mezz, out, Options{Ladder: testLadder(ContainerTS), Preset: "ultrafast",
		Progress: func(Progress) { cancel() }})
	if err == nil {
		t.Skip("ffmpeg finished before it saw the cancellation")
	}
	if _, statErr := os.Stat(out); statErr == nil {
		t.Fatal("a cancelled run left an output directory")
	}
}

func checkMaster(t *testing.T, dir string, a Asset) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, masterName))
	if err != nil {
		t.Fatal(err)
	}
	m, err := hls.ParseMaster(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Renditions) != 1 || m.Renditions[0].Type() != "AUDIO" || m.Renditions[0].URI() != "audio/index.m3u8" {
		t.Fatalf("audio rendition: %+v", m.Renditions)
	}
	if len(m.Variants) != len(a.Renditions) {
		t.Fatalf("variants: %+v", m.Variants)
	}
	for i, v := range m.Variants {
		r := a.Renditions[i]
		w, h := v.Resolution()
		if v.URI != r.Playlist || v.Audio() != "aud" || w != r.Width || h != r.Height ||
			v.Codecs() != r.Codecs+",mp4a.40.2" || v.Bandwidth() < v.AverageBandwidth() || v.AverageBandwidth() <= a.Audio.AverageBandwidth {
			t.Fatalf("variant %d: %s", i, v.Attrs)
		}
	}
	pl, typ, err := m3u8.Decode(*bytes.NewBuffer(b), true)
	if err != nil || typ != m3u8.MASTER || len(pl.(*m3u8.MasterPlaylist).Variants) != len(a.Renditions) {
		t.Fatalf("Eyevinn: %v %v", typ, err)
	}
}

func checkMediaPlaylist(t *testing.T, path string, segments int, fmp4 bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hls.ParseMedia(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(p.Segments) != segments || !p.EndList || p.Type != hls.PlaylistVOD || p.TargetDuration != 2 {
		t.Fatalf("%s: %d segments, %+v", path, len(p.Segments), p)
	}
	for i, s := range p.Segments {
		if s.Duration < 1950*time.Millisecond || s.Duration > 2050*time.Millisecond {
			t.Errorf("%s segment %d lasts %s", path, i, s.Duration)
		}
	}
	hasMap := len(p.Segments[0].Tags) > 0 && p.Segments[0].Tags[0].Kind == hls.TagMap
	if hasMap != fmp4 {
		t.Fatalf("%s: EXT-X-MAP present=%v, want %v", path, hasMap, fmp4)
	}
}

// checkVideoSegments probes every segment: H.264 of the right size and profile, starting on a
// keyframe, with exactly one keyframe (GOPs aligned to segments).
func checkVideoSegments(t *testing.T, dir string, w, h int, profile string) {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg_*.ts"))
	if len(segs) == 0 {
		t.Fatalf("no segment in %s", dir)
	}
	for _, seg := range segs {
		out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-of", "json",
			"-show_entries", "stream=codec_name,width,height,profile:frame=key_frame,pict_type", "-show_frames", seg).Output()
		if err != nil {
			t.Fatalf("ffprobe %s: %v", seg, err)
		}
		var doc struct {
			Streams []struct {
				CodecName string `json:"codec_name"`
				Width     int    `json:"width"`
				Height    int    `json:"height"`
				Profile   string `json:"profile"`
			} `json:"streams"`
			Frames []struct {
				KeyFrame int    `json:"key_frame"`
				PictType string `json:"pict_type"`
			} `json:"frames"`
		}
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		s := doc.Streams[0]
		if s.CodecName != "h264" || s.Width != w || s.Height != h || s.Profile != profile {
			t.Fatalf("%s: %+v", seg, s)
		}
		keys := 0
		for _, f := range doc.Frames {
			keys += f.KeyFrame
		}
		if len(doc.Frames) != 60 || doc.Frames[0].KeyFrame != 1 || doc.Frames[0].PictType != "I" || keys != 1 {
			t.Fatalf("%s: %d frames, first %+v, %d keyframes; want 60 frames, one keyframe, first", seg, len(doc.Frames), doc.Frames[0], keys)
		}
	}
}

// checkProbeMaster opens the master playlist with ffprobe's HLS demuxer.
func checkProbeMaster(t *testing.T, dir string, d time.Duration) {
	t.Helper()
	m, err := (Tools{}).Probe(context.Background(), filepath.Join(dir, masterName))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Video || !m.Audio || m.Duration < d-100*time.Millisecond || m.Duration > d+200*time.Millisecond {
		t.Fatalf("ffprobe master: %+v", m)
	}
}

func ExampleDefaultLadder() {
	for _, r := range DefaultLadder().Renditions {
		fmt.Printf("%s %dx%d %s@%s %d kb/s\n", r.Name, r.Width, r.Height, r.Profile, r.Level, r.Bitrate/1000)
	}
	// Output:
	// 360p 640x360 main@3.0 800 kb/s
	// 540p 960x540 main@3.1 1800 kb/s
	// 720p 1280x720 high@3.1 3000 kb/s
}
