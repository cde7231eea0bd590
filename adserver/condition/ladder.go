package condition

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
)

// Ladder is the conditioning target: the renditions of the content that ads are stitched
// into. An ad conditioned to the ladder has, for every content rendition, a rendition with the
// same codec, profile and level, resolution, frame rate, audio layout and sample rate, and
// segment duration and container, so the stitcher can splice it into every variant playlist at
// the same point. `cuepoint dev` passes the origin's ladder; production configures it with
// --ladder (a JSON file or inline JSON of this type).
type Ladder struct {
	Name string `json:"name"`
	// Container is the segment format: "ts" (MPEG-2 TS) or "fmp4" (CMAF fragments with an
	// EXT-X-MAP init segment).
	Container string `json:"container"`
	// SegmentSeconds is the target segment duration; every rendition cuts (and places a key
	// frame) at the same multiples of it.
	SegmentSeconds float64     `json:"segment_seconds"`
	Renditions     []Rendition `json:"renditions"`
	// Audio, when set, is one audio rendition shared by every video rendition — an
	// EXT-X-MEDIA audio group, as the origin packages content — and the video renditions carry
	// no audio. When nil, each rendition muxes its own audio (its audio fields).
	Audio *AudioRendition `json:"audio,omitempty"`
}

// AudioRendition is a separate (demuxed) AAC-LC audio rendition.
type AudioRendition struct {
	Name       string `json:"name"`     // directory, e.g. "audio"
	Language   string `json:"language"` // BCP 47
	Label      string `json:"label"`    // NAME in the master playlist
	Kbps       int    `json:"kbps"`
	Channels   int    `json:"channels"`
	SampleRate int    `json:"sample_rate"`
}

// Rendition is one variant of the ladder.
type Rendition struct {
	Name    string `json:"name"`    // directory and id, e.g. "720p"
	Codec   string `json:"codec"`   // "h264" or "hevc"
	Profile string `json:"profile"` // h264: baseline, main, high; hevc: main
	Level   string `json:"level"`   // e.g. "4.0", "3.1"
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	// FPS is the frame rate; 29.97, 59.94 and 23.976 are the NTSC rates 30000/1001 etc.
	FPS       float64 `json:"fps"`
	VideoKbps int     `json:"video_kbps"`
	// Muxed audio (when the ladder has no separate Audio rendition).
	AudioCodec      string `json:"audio_codec,omitempty"` // "aac" (AAC-LC)
	AudioKbps       int    `json:"audio_kbps,omitempty"`
	AudioChannels   int    `json:"audio_channels,omitempty"`
	AudioSampleRate int    `json:"audio_sample_rate,omitempty"`
}

// DefaultLadder is a common CTV ladder: H.264 at 30 fps, AAC stereo at 48 kHz, 6 s MPEG-TS
// segments.
func DefaultLadder() Ladder {
	r := func(name string, w, h, kbps int, profile, level string) Rendition {
		return Rendition{Name: name, Codec: "h264", Profile: profile, Level: level, Width: w, Height: h, FPS: 30,
			VideoKbps: kbps, AudioCodec: "aac", AudioKbps: 128, AudioChannels: 2, AudioSampleRate: 48000}
	}
	return Ladder{Name: "default", Container: "ts", SegmentSeconds: 6, Renditions: []Rendition{
		r("1080p", 1920, 1080, 5000, "high", "4.0"),
		r("720p", 1280, 720, 3000, "high", "3.1"),
		r("480p", 854, 480, 1400, "main", "3.0"),
		r("360p", 640, 360, 800, "main", "3.0"),
	}}
}

// LoadLadder reads a ladder from inline JSON (starting with "{") or a JSON file, and
// validates it.
func LoadLadder(spec string) (Ladder, error) {
	raw := []byte(spec)
	if !strings.HasPrefix(strings.TrimSpace(spec), "{") {
		b, err := os.ReadFile(spec)
		if err != nil {
			return Ladder{}, err
		}
		raw = b
	}
	var l Ladder
	if err := json.Unmarshal(raw, &l); err != nil {
		return Ladder{}, fmt.Errorf("ladder: %w", err)
	}
	return l, l.Validate()
}

// Validate reports the first thing the transcoder cannot produce.
func (l *Ladder) Validate() error {
	if l.Container != "ts" && l.Container != "fmp4" {
		return fmt.Errorf("ladder: container %q: want ts or fmp4", l.Container)
	}
	if !(l.SegmentSeconds >= 1 && l.SegmentSeconds <= 30) {
		return fmt.Errorf("ladder: segment_seconds %g: want 1..30", l.SegmentSeconds)
	}
	if len(l.Renditions) == 0 || len(l.Renditions) > 12 {
		return errors.New("ladder: want 1..12 renditions")
	}
	seen := map[string]bool{}
	for i := range l.Renditions {
		r := &l.Renditions[i]
		switch {
		case r.Name == "" || strings.ContainsAny(r.Name, `/\. `) || seen[r.Name]:
			return fmt.Errorf("ladder: rendition %d: name %q must be unique, without / \\ . or spaces", i, r.Name)
		case r.Codec != "h264" && r.Codec != "hevc":
			return fmt.Errorf("ladder: %s: codec %q: want h264 or hevc", r.Name, r.Codec)
		case r.Codec == "h264" && r.Profile != "baseline" && r.Profile != "main" && r.Profile != "high":
			return fmt.Errorf("ladder: %s: h264 profile %q: want baseline, main or high", r.Name, r.Profile)
		case r.Codec == "hevc" && r.Profile != "main":
			return fmt.Errorf("ladder: %s: hevc profile %q: want main", r.Name, r.Profile)
		case levelIDC(r.Level) == 0:
			return fmt.Errorf("ladder: %s: level %q: want e.g. 3.1 or 4.0", r.Name, r.Level)
		case r.Width < 16 || r.Height < 16 || r.Width > 7680 || r.Height > 4320 || r.Width%2 != 0 || r.Height%2 != 0:
			return fmt.Errorf("ladder: %s: %dx%d: want even dimensions from 16x16 to 7680x4320", r.Name, r.Width, r.Height)
		case !(r.FPS >= 10 && r.FPS <= 120):
			return fmt.Errorf("ladder: %s: fps %g: want 10..120", r.Name, r.FPS)
		case r.VideoKbps < 50 || r.VideoKbps > 100_000:
			return fmt.Errorf("ladder: %s: video_kbps %d out of range", r.Name, r.VideoKbps)
		case l.Audio == nil && r.AudioCodec != "aac":
			return fmt.Errorf("ladder: %s: audio_codec %q: want aac (or a separate audio rendition)", r.Name, r.AudioCodec)
		case l.Audio == nil && r.AudioChannels != 1 && r.AudioChannels != 2 && r.AudioChannels != 6:
			return fmt.Errorf("ladder: %s: audio_channels %d: want 1, 2 or 6", r.Name, r.AudioChannels)
		case l.Audio == nil && r.AudioSampleRate != 44100 && r.AudioSampleRate != 48000:
			return fmt.Errorf("ladder: %s: audio_sample_rate %d: want 44100 or 48000", r.Name, r.AudioSampleRate)
		case l.Audio == nil && (r.AudioKbps < 16 || r.AudioKbps > 640):
			return fmt.Errorf("ladder: %s: audio_kbps %d out of range", r.Name, r.AudioKbps)
		}
		seen[r.Name] = true
	}
	if a := l.Audio; a != nil {
		switch {
		case a.Name == "" || strings.ContainsAny(a.Name, `/\. `) || seen[a.Name]:
			return fmt.Errorf("ladder: audio name %q must be unique, without / \\ . or spaces", a.Name)
		case a.Channels != 1 && a.Channels != 2 && a.Channels != 6:
			return fmt.Errorf("ladder: audio channels %d: want 1, 2 or 6", a.Channels)
		case a.SampleRate != 44100 && a.SampleRate != 48000:
			return fmt.Errorf("ladder: audio sample_rate %d: want 44100 or 48000", a.SampleRate)
		case a.Kbps < 16 || a.Kbps > 640:
			return fmt.Errorf("ladder: audio kbps %d out of range", a.Kbps)
		}
	}
	return nil
}

// Fingerprint identifies the ladder's output: renditions conditioned for one fingerprint are
// reused for it, and a changed ladder conditions again into a new directory.
func (l *Ladder) Fingerprint() string {
	b, _ := json.Marshal(struct {
		C string
		S float64
		R []Rendition
		A *AudioRendition
	}{l.Container, l.SegmentSeconds, l.Renditions, l.Audio})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:4])
}

// Codecs is the rendition's RFC 6381 codecs string for CODECS attributes and VAST MediaFile
// codec: e.g. "avc1.640028,mp4a.40.2".
func (r *Rendition) Codecs() string {
	var v string
	switch r.Codec {
	case "hevc":
		v = fmt.Sprintf("hvc1.1.6.L%d.90", levelIDC(r.Level)*3)
	default:
		prof, constraint := "64", "00"
		switch r.Profile {
		case "baseline":
			prof, constraint = "42", "E0" // constrained baseline
		case "main":
			prof, constraint = "4D", "40"
		}
		v = fmt.Sprintf("avc1.%s%s%02X", prof, constraint, levelIDC(r.Level))
	}
	return v + ",mp4a.40.2"
}

// BandwidthBPS is the peak bit rate for the master playlist's BANDWIDTH: video and its audio
// (muxed, or the separate rendition's), with a tenth of headroom for the container.
func (l *Ladder) BandwidthBPS(r *Rendition) int {
	audio := r.AudioKbps
	if l.Audio != nil {
		audio = l.Audio.Kbps
	}
	return (r.VideoKbps + audio) * 1100
}

// rate is the frame rate as ffmpeg reads it (NTSC rates as fractions).
func (r *Rendition) rate() string {
	for _, ntsc := range []float64{23.976, 29.97, 59.94} {
		if math.Abs(r.FPS-ntsc) < 0.01 {
			return fmt.Sprintf("%d/1001", int(math.Round(ntsc*1.001))*1000)
		}
	}
	return fmt.Sprintf("%g", r.FPS)
}

// levelIDC is the level as its IDC number: "3.1" → 31, "4" → 40; 0 when malformed.
func levelIDC(level string) int {
	var maj, min int
	n, _ := fmt.Sscanf(level, "%d.%d", &maj, &min)
	if n == 0 || maj < 1 || maj > 6 || min < 0 || min > 9 {
		return 0
	}
	return maj*10 + min
}
