package packager

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Demo describes generated test content: a moving test pattern with the timecode burned in and
// a 1 kHz tone that beeps once a second, so that a viewer (or a test) can see where in the
// content a player is and hear A/V sync. Media is always generated, never committed.
type Demo struct {
	Duration time.Duration // default 60 s
	Width    int           // default 1280
	Height   int           // default 720
	FPS      int           // default 30
	Title    string        // drawn under the timecode; default "Cuepoint demo"
}

// DemoFont is the font drawtext uses (Debian package fonts-dejavu-core).
const DemoFont = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

func (d Demo) withDefaults() Demo {
	if d.Duration <= 0 {
		d.Duration = time.Minute
	}
	if d.Width <= 0 || d.Height <= 0 {
		d.Width, d.Height = 1280, 720
	}
	if d.FPS <= 0 {
		d.FPS = 30
	}
	if d.Title == "" {
		d.Title = "Cuepoint demo"
	}
	return d
}

// videoSource is the lavfi graph: testsrc2 with drawtext when the font and filter exist, else
// testsrc, whose pattern carries its own running timestamp.
func (d Demo) videoSource(drawtext bool) string {
	size := fmt.Sprintf("%dx%d", d.Width, d.Height)
	if !drawtext {
		return fmt.Sprintf("testsrc=size=%s:rate=%d", size, d.FPS)
	}
	fs := max(d.Height/12, 10)
	title := strings.NewReplacer(`\`, `\\`, `'`, `\'`, `:`, `\:`, `%`, `\%`).Replace(d.Title)
	return fmt.Sprintf("testsrc2=size=%s:rate=%d,"+
		"drawtext=fontfile=%s:timecode='00\\:00\\:00\\:00':rate=%d:fontsize=%d:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=%d:x=(w-tw)/2:y=h/2-th,"+
		"drawtext=fontfile=%s:text='%s':fontsize=%d:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=%d:x=(w-tw)/2:y=h/2+%d",
		size, d.FPS, DemoFont, d.FPS, fs, fs/5, DemoFont, title, fs*2/3, fs/5, fs/2)
}

// GenerateDemo writes demo content to path (an .mp4 mezzanine: H.264 + AAC-LC stereo 48 kHz).
func GenerateDemo(ctx context.Context, path string, d Demo, t Tools) error {
	d = d.withDefaults()
	if err := t.Check(); err != nil {
		return err
	}
	drawtext := hasDrawtext(ctx, t)
	args := []string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error",
		"-progress", "pipe:1", "-nostats",
		"-f", "lavfi", "-i", d.videoSource(drawtext),
		"-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:beep_factor=4",
		"-t", strconv.FormatFloat(d.Duration.Seconds(), 'f', -1, 64),
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "192k", "-ac", "2", "-ar", "48000",
		"-movflags", "+faststart", path}
	return t.run(ctx, args, d.Duration, nil)
}

// hasDrawtext reports whether ffmpeg has the drawtext filter and the demo font is installed.
func hasDrawtext(ctx context.Context, t Tools) bool {
	if _, err := os.Stat(DemoFont); err != nil {
		return false
	}
	out, err := exec.CommandContext(ctx, t.ffmpeg(), "-hide_banner", "-filters").Output()
	return err == nil && strings.Contains(string(out), " drawtext ")
}
