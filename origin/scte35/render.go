package scte35

import (
	"strconv"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// Break is one ad break as an origin signals it: where it starts on the presentation timeline
// and for how long.
type Break struct {
	EventID  uint32        // splice_event_id, unique per channel
	Start    time.Time     // program date-time of the out point (first ad segment)
	Duration time.Duration // out point to in point
	PTS      uint64        // out point in 90 kHz ticks; the in point is PTS + Duration
}

// OutCue returns the splice_insert that opens the break.
func (b Break) OutCue() Cue { return Out(b.EventID, b.PTS, b.Duration) }

// InCue returns the splice_insert that closes the break.
func (b Break) InCue() Cue { return In(b.EventID, b.PTS+DurationToTicks(b.Duration)) }

// DateRangeID returns the EXT-X-DATERANGE ID of the break ("splice-<event id>").
func (b Break) DateRangeID() string { return "splice-" + strconv.FormatUint(uint64(b.EventID), 10) }

// Signals are a break's tags in one format, encoded once and reused for every playlist that
// shows the break.
type Signals struct {
	Format Format
	Break  Break
	// Out precedes the first ad segment (for FormatDateRange it may also be placed earlier,
	// at the live edge, when the cue arrives ahead of its segment).
	Out []hls.Tag
	// In precedes the first content segment after the break.
	In        []hls.Tag
	outBase64 string
}

// Render encodes the break's cues and builds its tags in format f.
func Render(f Format, b Break) (*Signals, error) {
	s := &Signals{Format: f, Break: b}
	dur := string(hls.AppendSeconds(nil, b.Duration))
	switch f {
	case FormatDateRange:
		out, err := b.OutCue().Hex()
		if err != nil {
			return nil, err
		}
		in, err := b.InCue().Hex()
		if err != nil {
			return nil, err
		}
		common := `ID="` + b.DateRangeID() + `",START-DATE="` + string(hls.AppendDateTime(nil, b.Start)) + `"`
		s.Out = []hls.Tag{hls.NewTag("EXT-X-DATERANGE", common+",PLANNED-DURATION="+dur+",SCTE35-OUT="+out)}
		s.In = []hls.Tag{hls.NewTag("EXT-X-DATERANGE", common+",DURATION="+dur+",SCTE35-IN="+in)}
	case FormatCueOut, FormatOATCLS:
		out, err := b.OutCue().Base64()
		if err != nil {
			return nil, err
		}
		s.outBase64 = out
		if f == FormatOATCLS {
			s.Out = append(s.Out, hls.NewTag("EXT-OATCLS-SCTE35", out))
		}
		s.Out = append(s.Out, hls.NewTag("EXT-X-CUE-OUT", dur))
		s.In = []hls.Tag{hls.NewTag("EXT-X-CUE-IN", "")}
	default:
		return nil, ErrNotCue
	}
	return s, nil
}

// Cont returns the tags before a segment that starts elapsed into the break (after its first
// segment): EXT-X-CUE-OUT-CONT for the cue-out and OATCLS formats, nothing for DATERANGE.
func (s *Signals) Cont(elapsed time.Duration) []hls.Tag {
	if s.Format == FormatDateRange {
		return nil
	}
	b := make([]byte, 0, 64+len(s.outBase64))
	b = append(b, "ElapsedTime="...)
	b = hls.AppendSeconds(b, elapsed)
	b = append(b, ",Duration="...)
	b = hls.AppendSeconds(b, s.Break.Duration)
	b = append(b, ",SCTE35="...)
	b = append(b, s.outBase64...)
	return []hls.Tag{hls.NewTag("EXT-X-CUE-OUT-CONT", string(b))}
}
