package live

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/cuepoint/cuepoint/origin/scte35"
)

// DefaultEpoch is when media sequence 0 of every channel started unless configured: a fixed
// instant, so every origin instance (and every restart) serves the same playlists for the same
// wall-clock time.
var DefaultEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Config describes a simulated live channel: an asset looped forever from Epoch, a sliding
// window, and ad breaks on a schedule signalled in one ad-marker format.
type Config struct {
	Name   string        // URL path segment: /live/<name>/master.m3u8
	Asset  string        // directory of the packaged asset (master.m3u8, renditions)
	Format scte35.Format // how breaks are marked
	Window int           // segments in each media playlist; default 10
	Epoch  time.Time     // media sequence 0 starts here; default DefaultEpoch
	Breaks Schedule
}

// Schedule places ad breaks on the channel's timeline: break k starts at the first segment
// boundary at or after Offset + k×Every (media time since Epoch) and lasts Duration, rounded
// up to whole segments.
type Schedule struct {
	Offset   time.Duration // first break; default 60 s
	Every    time.Duration // default 2 min
	Duration time.Duration // default 30 s
	// Lead is how long before a break an EXT-X-DATERANGE announces it at the live edge (the
	// cue arrives ahead of its first segment, as SCTE-35 pre-roll does); default 8 s. The
	// CUE-OUT formats mark segments and appear with the break's first segment.
	Lead time.Duration
}

// DefaultSchedule is a 30 s break every 2 minutes, the first one minute in, announced 8 s ahead.
func DefaultSchedule() Schedule {
	return Schedule{Offset: time.Minute, Every: 2 * time.Minute, Duration: 30 * time.Second, Lead: 8 * time.Second}
}

var channelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func (c Config) withDefaults() Config {
	if c.Window == 0 {
		c.Window = 10
	}
	if c.Epoch.IsZero() {
		c.Epoch = DefaultEpoch
	}
	if c.Breaks == (Schedule{}) {
		c.Breaks = DefaultSchedule()
	}
	return c
}

// validate checks what does not depend on the asset.
func (c Config) validate() error {
	var errs []error
	if !channelName.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("channel name %q: want lower-case letters, digits, - and _", c.Name))
	}
	if c.Asset == "" {
		errs = append(errs, errors.New("no asset"))
	}
	if _, err := scte35.ParseFormat(c.Format.String()); err != nil {
		errs = append(errs, err)
	}
	if c.Window < 3 || c.Window > 10_000 {
		errs = append(errs, fmt.Errorf("window of %d segments: want 3 to 10000", c.Window))
	}
	s := c.Breaks
	if s.Offset < 0 || s.Lead < 0 || s.Duration <= 0 || s.Every <= 0 {
		errs = append(errs, fmt.Errorf("break schedule %+v: offset and lead must not be negative, duration and period must be positive", s))
	}
	return errors.Join(errs...)
}
