package packager

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Container is the segment format.
type Container string

// Containers.
const (
	ContainerTS   Container = "ts"   // MPEG-2 transport stream segments (.ts): every HLS player
	ContainerFMP4 Container = "fmp4" // fragmented MP4 / CMAF (init.mp4 + .m4s), EXT-X-MAP
)

// Ladder is an adaptive bitrate ladder: the video renditions, the audio rendition they share,
// the segment duration and the container. The adserver conditions ads to the same ladder so a
// stitched break switches renditions like the content around it.
type Ladder struct {
	Renditions      []Rendition `json:"renditions"`
	Audio           Audio       `json:"audio"`
	SegmentDuration Duration    `json:"segment_duration"`
	Container       Container   `json:"container"`
}

// Rendition is one H.264 video rendition.
type Rendition struct {
	Name    string `json:"name"` // directory and label: "360p"
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Profile string `json:"profile"` // baseline, main or high
	Level   string `json:"level"`   // "3.0", "3.1", "4.0", ...
	Bitrate int    `json:"bitrate"` // target average, bits per second
	// MaxRate and BufSize bound the bitrate (x264 VBV); 0 means 110% and 150% of Bitrate.
	MaxRate int `json:"max_rate,omitempty"`
	BufSize int `json:"buf_size,omitempty"`
	FPS     int `json:"fps"`
}

// Audio is the AAC-LC audio rendition, packaged separately (an EXT-X-MEDIA TYPE=AUDIO group) so
// that every variant shares it and a stitcher must handle audio playlists too.
type Audio struct {
	Name       string `json:"name"`     // directory: "audio"
	Language   string `json:"language"` // BCP 47: "en"
	Label      string `json:"label"`    // NAME shown by players: "English"
	Bitrate    int    `json:"bitrate"`  // bits per second
	SampleRate int    `json:"sample_rate"`
	Channels   int    `json:"channels"`
}

// DefaultLadder is Cuepoint's content ladder: 360p, 540p and 720p at 30 fps, AAC-LC stereo at
// 48 kHz, 2 s segments in MPEG-TS.
func DefaultLadder() Ladder {
	return Ladder{
		Renditions: []Rendition{
			{Name: "360p", Width: 640, Height: 360, Profile: "main", Level: "3.0", Bitrate: 800_000, FPS: 30},
			{Name: "540p", Width: 960, Height: 540, Profile: "main", Level: "3.1", Bitrate: 1_800_000, FPS: 30},
			{Name: "720p", Width: 1280, Height: 720, Profile: "high", Level: "3.1", Bitrate: 3_000_000, FPS: 30},
		},
		Audio:           Audio{Name: "audio", Language: "en", Label: "English", Bitrate: 128_000, SampleRate: 48_000, Channels: 2},
		SegmentDuration: Duration(2 * time.Second),
		Container:       ContainerTS,
	}
}

// Select returns the ladder with only the named renditions, in the ladder's order.
func (l Ladder) Select(names ...string) (Ladder, error) {
	if len(names) == 0 {
		return l, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := l
	out.Renditions = nil
	for _, r := range l.Renditions {
		if want[r.Name] {
			out.Renditions = append(out.Renditions, r)
			delete(want, r.Name)
		}
	}
	for n := range want {
		return Ladder{}, fmt.Errorf("ladder has no rendition %q", n)
	}
	return out, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Validate checks the ladder: names usable as directories and unique, even dimensions, a known
// profile, a level that admits the resolution, frame rate and bitrate, a segment duration that
// is a whole number of frames, and sane audio.
func (l Ladder) Validate() error {
	var errs []error
	if len(l.Renditions) == 0 {
		errs = append(errs, errors.New("no video rendition"))
	}
	seg := time.Duration(l.SegmentDuration)
	if seg < 500*time.Millisecond || seg > 20*time.Second {
		errs = append(errs, fmt.Errorf("segment duration %s: want 0.5 s to 20 s", seg))
	}
	if l.Container != ContainerTS && l.Container != ContainerFMP4 {
		errs = append(errs, fmt.Errorf("container %q: want ts or fmp4", l.Container))
	}
	seen := map[string]bool{l.Audio.Name: true}
	for _, r := range l.Renditions {
		if !nameRE.MatchString(r.Name) || seen[r.Name] {
			errs = append(errs, fmt.Errorf("rendition name %q: want a unique lower-case name of letters, digits, - and _", r.Name))
		}
		seen[r.Name] = true
		if err := r.validate(seg); err != nil {
			errs = append(errs, fmt.Errorf("rendition %s: %w", r.Name, err))
		}
	}
	a := l.Audio
	if !nameRE.MatchString(a.Name) {
		errs = append(errs, fmt.Errorf("audio name %q: want a lower-case name", a.Name))
	}
	if a.Bitrate < 16_000 || a.Bitrate > 512_000 {
		errs = append(errs, fmt.Errorf("audio bitrate %d: want 16 kb/s to 512 kb/s", a.Bitrate))
	}
	if a.SampleRate != 44_100 && a.SampleRate != 48_000 {
		errs = append(errs, fmt.Errorf("audio sample rate %d: want 44100 or 48000", a.SampleRate))
	}
	if a.Channels != 1 && a.Channels != 2 {
		errs = append(errs, fmt.Errorf("audio channels %d: want 1 or 2", a.Channels))
	}
	if a.Language == "" || a.Label == "" {
		errs = append(errs, errors.New("audio language and label are required"))
	}
	return errors.Join(errs...)
}

func (r Rendition) validate(seg time.Duration) error {
	if r.Width < 16 || r.Height < 16 || r.Width%2 != 0 || r.Height%2 != 0 || r.Width > 4096 || r.Height > 2304 {
		return fmt.Errorf("size %dx%d: want even dimensions from 16x16 to 4096x2304", r.Width, r.Height)
	}
	if r.FPS < 1 || r.FPS > 60 {
		return fmt.Errorf("fps %d: want 1 to 60", r.FPS)
	}
	if frames := seg * time.Duration(r.FPS); frames%time.Second != 0 {
		return fmt.Errorf("segment duration %s is not a whole number of frames at %d fps", seg, r.FPS)
	}
	if _, ok := profileIDC[r.Profile]; !ok {
		return fmt.Errorf("profile %q: want baseline, main or high", r.Profile)
	}
	if r.Bitrate < 50_000 || r.Bitrate > 50_000_000 {
		return fmt.Errorf("bitrate %d: want 50 kb/s to 50 Mb/s", r.Bitrate)
	}
	if r.MaxRate != 0 && r.MaxRate < r.Bitrate {
		return fmt.Errorf("max rate %d is below the bitrate %d", r.MaxRate, r.Bitrate)
	}
	lv, ok := levels[r.Level]
	if !ok {
		return fmt.Errorf("level %q: want one of 3.0, 3.1, 3.2, 4.0, 4.1, 4.2, 5.0, 5.1", r.Level)
	}
	mbs := ((r.Width + 15) / 16) * ((r.Height + 15) / 16)
	if mbs > lv.maxFS || mbs*r.FPS > lv.maxMBPS {
		return fmt.Errorf("%dx%d at %d fps exceeds level %s", r.Width, r.Height, r.FPS, r.Level)
	}
	maxBR := lv.maxBR
	if r.Profile == "high" {
		maxBR = maxBR * 5 / 4
	}
	if r.maxRate() > maxBR*1000 {
		return fmt.Errorf("max rate %d b/s exceeds level %s (%d kb/s)", r.maxRate(), r.Level, maxBR)
	}
	return nil
}

func (r Rendition) maxRate() int {
	if r.MaxRate > 0 {
		return r.MaxRate
	}
	return r.Bitrate * 11 / 10
}

func (r Rendition) bufSize() int {
	if r.BufSize > 0 {
		return r.BufSize
	}
	return r.Bitrate * 3 / 2
}

// H.264 profile_idc values, and the limits of the levels (ITU-T H.264 Table A-1: macroblocks per
// second, macroblocks per frame, kb/s for Baseline/Main).
var profileIDC = map[string]byte{"baseline": 66, "main": 77, "high": 100}

type level struct {
	idc                   byte
	maxMBPS, maxFS, maxBR int
}

var levels = map[string]level{
	"3.0": {30, 40_500, 1_620, 10_000},
	"3.1": {31, 108_000, 3_600, 14_000},
	"3.2": {32, 216_000, 5_120, 20_000},
	"4.0": {40, 245_760, 8_192, 20_000},
	"4.1": {41, 245_760, 8_192, 50_000},
	"4.2": {42, 522_240, 8_704, 50_000},
	"5.0": {50, 589_824, 22_080, 135_000},
	"5.1": {51, 983_040, 36_864, 240_000},
}

// Duration is a time.Duration written in JSON as a Go duration string ("2s").
type Duration time.Duration

// MarshalJSON writes "2s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "2s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("duration: want \"2s\" or seconds, got %s", b)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}
