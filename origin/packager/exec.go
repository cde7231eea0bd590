package packager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Tools names the ffmpeg and ffprobe executables.
type Tools struct {
	FFmpeg  string // default "ffmpeg"
	FFprobe string // default "ffprobe"
}

func (t Tools) ffmpeg() string {
	if t.FFmpeg != "" {
		return t.FFmpeg
	}
	return "ffmpeg"
}

func (t Tools) ffprobe() string {
	if t.FFprobe != "" {
		return t.FFprobe
	}
	return "ffprobe"
}

// Check reports whether ffmpeg and ffprobe can be run, with the install hint when not.
func (t Tools) Check() error {
	for _, name := range []string{t.ffmpeg(), t.ffprobe()} {
		if _, err := exec.LookPath(name); err != nil {
			return fmt.Errorf("%s not found (apt-get install ffmpeg): %w", name, err)
		}
	}
	return nil
}

// run runs ffmpeg with args, feeding its -progress output to fn. On ctx cancellation ffmpeg
// gets SIGINT (it finishes cleanly) and SIGKILL 5 s later. Errors carry ffmpeg's last output.
func (t Tools) run(ctx context.Context, args []string, total time.Duration, fn func(Progress)) error {
	cmd := exec.CommandContext(ctx, t.ffmpeg(), args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 5 * time.Second
	cmd.SysProcAttr = childAttr()
	stderr := &tailBuffer{max: 8 << 10}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	// Start and wait on one locked thread: it is ffmpeg's parent for the kernel, and it lives
	// until ffmpeg exits (see childAttr).
	started, readDone, exited := make(chan error, 1), make(chan struct{}), make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		<-readDone // Wait closes stdout: read all of it first
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start %s: %w", t.ffmpeg(), err)
	}
	readProgress(stdout, total, fn)
	close(readDone)
	err = <-exited
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("%s failed: %w: %s", t.ffmpeg(), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// Media is what ffprobe says about a file.
type Media struct {
	Duration time.Duration
	Start    time.Duration // start_time: the first presentation timestamp
	Video    bool
	Audio    bool
	Width    int
	Height   int
}

// Probe reads the duration and streams of a media file with ffprobe.
func (t Tools) Probe(ctx context.Context, path string) (Media, error) {
	if _, err := os.Stat(path); err != nil {
		return Media{}, err
	}
	out, err := exec.CommandContext(ctx, t.ffprobe(), "-v", "error", "-of", "json",
		"-show_entries", "format=duration,start_time:stream=codec_type,width,height", path).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return Media{}, fmt.Errorf("ffprobe %s: %s", path, bytes.TrimSpace(ee.Stderr))
		}
		return Media{}, fmt.Errorf("ffprobe %s: %w", path, err)
	}
	var doc struct {
		Format struct {
			Duration  string `json:"duration"`
			StartTime string `json:"start_time"`
		} `json:"format"`
		Streams []struct {
			CodecType string `json:"codec_type"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return Media{}, fmt.Errorf("ffprobe %s: %w", path, err)
	}
	var m Media
	if secs, err := strconv.ParseFloat(doc.Format.Duration, 64); err == nil {
		m.Duration = time.Duration(secs * float64(time.Second))
	}
	if secs, err := strconv.ParseFloat(doc.Format.StartTime, 64); err == nil && secs >= 0 {
		m.Start = time.Duration(secs*1e6) * time.Microsecond
	}
	for _, s := range doc.Streams {
		switch s.CodecType {
		case "video":
			if !m.Video {
				m.Video, m.Width, m.Height = true, s.Width, s.Height
			}
		case "audio":
			m.Audio = true
		}
	}
	return m, nil
}

var _ io.Writer = (*tailBuffer)(nil)
