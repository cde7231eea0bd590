package condition

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Tools are the ffmpeg and ffprobe executables.
type Tools struct {
	FFmpeg  string
	FFprobe string
	// Preset is the x264/x265 speed preset (default "veryfast"): conditioning is
	// throughput-bound, and ads are short.
	Preset string
}

// FindTools looks ffmpeg and ffprobe up on PATH.
func FindTools() (Tools, error) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		return Tools{}, errors.New("condition: ffmpeg not found on PATH (apt-get install ffmpeg)")
	}
	fp, err := exec.LookPath("ffprobe")
	if err != nil {
		return Tools{}, errors.New("condition: ffprobe not found on PATH (apt-get install ffmpeg)")
	}
	return Tools{FFmpeg: ff, FFprobe: fp, Preset: "veryfast"}, nil
}

// Probe is what ffprobe says about a source file.
type Probe struct {
	Duration   time.Duration
	Width      int
	Height     int
	HasVideo   bool
	HasAudio   bool
	VideoCodec string
}

// Probe reads a media file's streams and duration.
func (t Tools) Probe(ctx context.Context, path string) (Probe, error) {
	out, err := exec.CommandContext(ctx, t.FFprobe, "-v", "error", "-print_format", "json",
		"-show_entries", "format=duration:stream=codec_type,codec_name,width,height", path).Output()
	if err != nil {
		return Probe{}, fmt.Errorf("ffprobe %s: %w", filepath.Base(path), exitDetail(err))
	}
	var r struct {
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
		Streams []struct {
			Type   string `json:"codec_type"`
			Codec  string `json:"codec_name"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return Probe{}, fmt.Errorf("ffprobe %s: %w", filepath.Base(path), err)
	}
	var p Probe
	if f, err := strconv.ParseFloat(r.Format.Duration, 64); err == nil && f > 0 {
		p.Duration = time.Duration(f * float64(time.Second))
	}
	for _, s := range r.Streams {
		switch s.Type {
		case "video":
			if !p.HasVideo {
				p.HasVideo, p.Width, p.Height, p.VideoCodec = true, s.Width, s.Height, s.Codec
			}
		case "audio":
			p.HasAudio = true
		}
	}
	if !p.HasVideo {
		return p, fmt.Errorf("%s has no video stream", filepath.Base(path))
	}
	return p, nil
}

// Transcode conditions src into dir for the ladder: one ffmpeg run decodes the source once
// and encodes every rendition, each scaled and padded to its resolution (aspect ratio kept,
// black bars), at its frame rate, with key frames exactly at every segment boundary and no
// scene-cut key frames elsewhere, trimmed or padded (last frame held, silence) to exactly dur,
// with AAC audio in the rendition's layout — silence when the source has none, since every
// content rendition has audio. Each rendition is written as an HLS VOD media playlist
// dir/<name>/index.m3u8 with its segments. progress receives the share done, 0..1.
func (t Tools) Transcode(ctx context.Context, src, dir string, l *Ladder, dur time.Duration, hasAudio bool, progress func(float64)) error {
	args := t.args(src, dir, l, dur, hasAudio)
	dirs := make([]string, 0, len(l.Renditions)+1)
	for _, r := range l.Renditions {
		dirs = append(dirs, r.Name)
	}
	if l.Audio != nil {
		dirs = append(dirs, l.Audio.Name)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	cmd := exec.CommandContext(ctx, t.FFmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() { // -progress pipe:1: key=value lines
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "out_time_us="); ok && progress != nil && dur > 0 {
			if us, err := strconv.ParseInt(v, 10, 64); err == nil && us >= 0 {
				progress(min(1, float64(us)*1e3/float64(dur)))
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 600 {
			msg = msg[len(msg)-600:]
		}
		return fmt.Errorf("ffmpeg: %v: %s", err, msg)
	}
	return nil
}

// args builds the ffmpeg command line.
func (t Tools) args(src, dir string, l *Ladder, dur time.Duration, hasAudio bool) []string {
	n := len(l.Renditions)
	secs := strconv.FormatFloat(dur.Seconds(), 'f', 3, 64)
	seg := strconv.FormatFloat(l.SegmentSeconds, 'f', -1, 64)
	preset := t.Preset
	if preset == "" {
		preset = "veryfast"
	}
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", src}
	audioIn := "0:a:0"
	if !hasAudio {
		args = append(args, "-f", "lavfi", "-t", secs, "-i", "anullsrc=channel_layout=stereo:sample_rate=48000")
		audioIn = "1:a:0"
	}
	var fc strings.Builder
	fmt.Fprintf(&fc, "[0:v:0]split=%d", n)
	for i := range n {
		fmt.Fprintf(&fc, "[s%d]", i)
	}
	for i, r := range l.Renditions {
		fmt.Fprintf(&fc, ";[s%d]fps=%s,scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p,tpad=stop_mode=clone:stop_duration=%s,trim=duration=%s,setpts=PTS-STARTPTS[v%d]",
			i, r.rate(), r.Width, r.Height, r.Width, r.Height, secs, secs, i)
	}
	na := n // muxed: one audio copy per rendition; separate: one audio rendition
	if l.Audio != nil {
		na = 1
	}
	fmt.Fprintf(&fc, ";[%s]apad,atrim=duration=%s,asetpts=PTS-STARTPTS,asplit=%d", audioIn, secs, na)
	for i := range na {
		fmt.Fprintf(&fc, "[a%d]", i)
	}
	args = append(args, "-filter_complex", fc.String(), "-progress", "pipe:1", "-nostats")
	for i, r := range l.Renditions {
		gop := strconv.Itoa(max(1, int(r.FPS*l.SegmentSeconds+0.5)))
		out := filepath.Join(dir, r.Name)
		args = append(args, "-map", fmt.Sprintf("[v%d]", i))
		if l.Audio == nil {
			args = append(args, "-map", fmt.Sprintf("[a%d]", i))
		}
		switch r.Codec {
		case "hevc":
			args = append(args, "-c:v", "libx265", "-preset", preset, "-tag:v", "hvc1",
				"-x265-params", "log-level=error:scenecut=0:open-gop=0:keyint="+gop+":min-keyint="+gop,
				"-profile:v", r.Profile, "-level:v", r.Level)
		default:
			args = append(args, "-c:v", "libx264", "-preset", preset, "-profile:v", r.Profile, "-level:v", r.Level,
				"-x264-params", "scenecut=0:open_gop=0", "-g", gop, "-keyint_min", gop)
		}
		args = append(args,
			"-b:v", fmt.Sprintf("%dk", r.VideoKbps), "-maxrate", fmt.Sprintf("%dk", r.VideoKbps*11/10),
			"-bufsize", fmt.Sprintf("%dk", r.VideoKbps*2),
			"-force_key_frames", "expr:gte(t,n_forced*"+seg+")")
		if l.Audio == nil {
			args = append(args, "-c:a", "aac", "-b:a", fmt.Sprintf("%dk", r.AudioKbps), "-ac", strconv.Itoa(r.AudioChannels),
				"-ar", strconv.Itoa(r.AudioSampleRate))
		} else {
			args = append(args, "-an")
		}
		args = hlsOut(args, l, seg, out)
	}
	if a := l.Audio; a != nil {
		out := filepath.Join(dir, a.Name)
		args = append(args, "-map", "[a0]", "-vn", "-c:a", "aac", "-b:a", fmt.Sprintf("%dk", a.Kbps),
			"-ac", strconv.Itoa(a.Channels), "-ar", strconv.Itoa(a.SampleRate))
		args = hlsOut(args, l, seg, out)
	}
	return args
}

// hlsOut appends the HLS muxer options writing a VOD media playlist into out.
func hlsOut(args []string, l *Ladder, seg, out string) []string {
	args = append(args, "-f", "hls", "-hls_time", seg, "-hls_playlist_type", "vod", "-hls_flags", "independent_segments")
	if l.Container == "fmp4" {
		args = append(args, "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
			"-hls_segment_filename", filepath.Join(out, "seg_%05d.m4s"))
	} else {
		args = append(args, "-hls_segment_type", "mpegts", "-hls_segment_filename", filepath.Join(out, "seg_%05d.ts"))
	}
	return append(args, filepath.Join(out, "index.m3u8"))
}

// MasterPlaylist returns an HLS master playlist listing the renditions (each at
// <name>/index.m3u8) with their bandwidth, resolution, codecs and frame rate.
func MasterPlaylist(l *Ladder) []byte {
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	group := ""
	if a := l.Audio; a != nil {
		group = ",AUDIO=\"audio\""
		fmt.Fprintf(&b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"%s\",LANGUAGE=\"%s\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"%d\",URI=\"%s/index.m3u8\"\n",
			a.Label, a.Language, a.Channels, a.Name)
	}
	for i := range l.Renditions {
		r := &l.Renditions[i]
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,RESOLUTION=%dx%d,CODECS=\"%s\",FRAME-RATE=%.3f%s\n%s/index.m3u8\n",
			l.BandwidthBPS(r), r.Width, r.Height, r.Codecs(), r.FPS, group, r.Name)
	}
	return b.Bytes()
}

// PlaylistDuration sums the EXTINF durations of a VOD media playlist, and reports whether it
// is complete (ends with EXT-X-ENDLIST).
func PlaylistDuration(path string) (time.Duration, bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, false, err
	}
	var total float64
	complete := false
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
			v, _, _ = strings.Cut(v, ",")
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, false, fmt.Errorf("%s: bad EXTINF %q", path, line)
			}
			total += f
		}
		if line == "#EXT-X-ENDLIST" {
			complete = true
		}
	}
	return time.Duration(total * float64(time.Second)).Round(time.Millisecond), complete, nil
}

func exitDetail(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		msg := strings.TrimSpace(string(ee.Stderr))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return fmt.Errorf("%v: %s", err, msg)
	}
	return err
}
