package condition

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// SlateColors are the colours of the demo slates, one per ad, easy to tell apart on screen.
var SlateColors = []string{"0x1f77b4", "0xd62728", "0x2ca02c", "0x9467bd", "0xff7f0e", "0x17becf", "0x8c564b", "0xe377c2"}

// MakeSlate writes a demo ad to path with ffmpeg: a full-frame colour slate of w×h at 30 fps
// saying text (e.g. "AD 3") with a running clock, and a tone, dur long, as an H.264/AAC MP4 —
// a mezzanine like an advertiser would deliver. Nothing binary is committed: `cuepoint dev`
// makes its demo ads at start. An existing file is kept.
func (t Tools) MakeSlate(ctx context.Context, path, text, color string, dur time.Duration, w, h int) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	secs := strconv.FormatFloat(dur.Seconds(), 'f', 3, 64)
	size := fmt.Sprintf("%dx%d", w, h)
	draw := fmt.Sprintf("drawtext=text='%s':fontsize=h/5:fontcolor=white:x=(w-tw)/2:y=(h-th)/2-h/10,"+
		"drawtext=text='%%{pts\\:hms}':fontsize=h/12:fontcolor=white@0.8:x=(w-tw)/2:y=h*3/4", text)
	tmp := path + ".tmp.mp4"
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "color=c=" + color + ":s=" + size + ":r=30:d=" + secs,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + secs,
		"-vf", draw, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
		"-shortest", "-movflags", "+faststart", tmp}
	out, err := exec.CommandContext(ctx, t.FFmpeg, args...).CombinedOutput()
	if err != nil {
		_ = os.Remove(tmp)
		// Without a font, drawtext fails: make the slate without text rather than no ad.
		for i := range args {
			if args[i] == "-vf" {
				args[i+1] = "null"
			}
		}
		if out2, err2 := exec.CommandContext(ctx, t.FFmpeg, args...).CombinedOutput(); err2 != nil {
			return fmt.Errorf("ffmpeg slate: %v: %s / %s", err2, out, out2)
		}
	}
	return os.Rename(tmp, path)
}
