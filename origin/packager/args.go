package packager

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// job is one packaging run: what ffmpeg reads and writes.
type job struct {
	in       string
	dir      string // output directory (a staging directory, renamed when complete)
	ladder   Ladder
	duration time.Duration // packaged duration: a whole number of segments
	preset   string        // x264 preset
}

// segmentName and initName are the file names inside each rendition directory.
func (j job) segmentName() string {
	if j.ladder.Container == ContainerFMP4 {
		return "seg_%05d.m4s"
	}
	return "seg_%05d.ts"
}

const (
	playlistName = "index.m3u8"
	initName     = "init.mp4"
	masterName   = "master.m3u8"
	assetName    = "asset.json"
)

// audioFrames is how many AAC frames (1024 samples) fit in the packaged duration: the audio
// stops on a frame boundary at or before the video's end, so the audio playlist has exactly as
// many segments as the video ones (AAC priming would otherwise spill a ~21 ms sliver segment).
func (j job) audioFrames() int64 {
	return int64(j.duration) * int64(j.ladder.Audio.SampleRate) / int64(time.Second) / 1024
}

// args returns ffmpeg's arguments: decode once, split, scale and encode every rendition with
// keyframes forced on segment boundaries, and mux each rendition and the audio with the HLS
// muxer into its own directory. Progress goes to stdout (-progress pipe:1).
func (j job) args() []string {
	l := j.ladder
	seg := time.Duration(l.SegmentDuration)
	segSec := strconv.FormatFloat(seg.Seconds(), 'f', -1, 64)
	dur := strconv.FormatFloat(j.duration.Seconds(), 'f', -1, 64)

	var graph strings.Builder
	fmt.Fprintf(&graph, "[0:v]split=%d", len(l.Renditions))
	for i := range l.Renditions {
		fmt.Fprintf(&graph, "[s%d]", i)
	}
	for i, r := range l.Renditions {
		fmt.Fprintf(&graph, ";[s%d]fps=%d,scale=%d:%d:flags=bicubic,setsar=1,format=yuv420p[v%d]", i, r.FPS, r.Width, r.Height, i)
	}

	a := []string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error",
		"-progress", "pipe:1", "-nostats", "-stats_period", "0.5",
		"-i", j.in, "-filter_complex", graph.String()}
	for i, r := range l.Renditions {
		gop := strconv.Itoa(int(seg * time.Duration(r.FPS) / time.Second))
		a = append(a,
			"-map", fmt.Sprintf("[v%d]", i), "-an", "-sn", "-dn",
			"-c:v", "libx264", "-preset", j.preset,
			"-profile:v", r.Profile, "-level:v", r.Level,
			"-b:v", strconv.Itoa(r.Bitrate), "-maxrate", strconv.Itoa(r.maxRate()), "-bufsize", strconv.Itoa(r.bufSize()),
			// A keyframe exactly on every segment boundary and nowhere else: fixed GOP, no
			// scene-cut keyframes, closed GOPs, so every segment starts with an IDR frame.
			"-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-flags", "+cgop",
			"-force_key_frames", "expr:gte(t,n_forced*"+segSec+")",
			"-t", dur)
		a = append(a, j.hlsArgs(r.Name, segSec)...)
	}
	au := l.Audio
	a = append(a,
		"-map", "0:a:0", "-vn", "-sn", "-dn",
		"-c:a", "aac", "-b:a", strconv.Itoa(au.Bitrate), "-ar", strconv.Itoa(au.SampleRate), "-ac", strconv.Itoa(au.Channels),
		"-frames:a", strconv.FormatInt(j.audioFrames(), 10))
	return append(a, j.hlsArgs(au.Name, segSec)...)
}

func (j job) hlsArgs(name, segSec string) []string {
	dir := filepath.Join(j.dir, name)
	a := []string{"-f", "hls", "-hls_time", segSec, "-hls_playlist_type", "vod", "-hls_list_size", "0",
		"-hls_flags", "independent_segments",
		"-hls_segment_filename", filepath.Join(dir, j.segmentName())}
	if j.ladder.Container == ContainerFMP4 {
		a = append(a, "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", initName)
	} else {
		a = append(a, "-hls_segment_type", "mpegts")
	}
	return append(a, filepath.Join(dir, playlistName))
}
