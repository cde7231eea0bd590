package scte35

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// MarkerKind says what an ad-marker tag tells about its segment.
type MarkerKind uint8

// Marker kinds.
const (
	MarkerOut  MarkerKind = iota + 1 // the break starts at this segment (or at Start, for DATERANGE)
	MarkerCont                       // the segment is inside a break
	MarkerIn                         // the break ends: this segment is content again
)

func (k MarkerKind) String() string {
	switch k {
	case MarkerOut:
		return "out"
	case MarkerCont:
		return "cont"
	case MarkerIn:
		return "in"
	}
	return "none"
}

// Marker is one ad-marker tag read from a playlist, in any format.
type Marker struct {
	Kind   MarkerKind
	Format Format
	// Duration is the break's planned or actual duration when the tag says it (CUE-OUT value,
	// CUE-OUT-CONT Duration, DATERANGE PLANNED-DURATION or DURATION).
	Duration time.Duration
	// Elapsed is CUE-OUT-CONT's ElapsedTime.
	Elapsed time.Duration
	// ID and Start are the DATERANGE's ID and START-DATE.
	ID    string
	Start time.Time
	// Payload is the SCTE-35 splice_info_section as written in the tag (base64 or 0x hex), ""
	// when the tag carries none; decode it with Decode.
	Payload string
}

// Cue decodes the marker's payload.
func (m Marker) Cue() (Cue, error) {
	if m.Payload == "" {
		return Cue{}, errors.New("scte35: the marker carries no SCTE-35 payload")
	}
	return Decode(m.Payload)
}

// ParseMarker reads an ad-marker tag. ok is false for tags that are not ad markers (including
// DATERANGE tags without SCTE35 attributes). EXT-OATCLS-SCTE35 and EXT-SCTE35 are decoded to
// learn whether they open or close a break.
func ParseMarker(t hls.Tag) (m Marker, ok bool, err error) {
	switch t.Kind {
	case hls.TagCueOut:
		m = Marker{Kind: MarkerOut, Format: FormatCueOut}
		v := t.Value()
		if v == "" {
			return m, true, nil
		}
		if !strings.Contains(v, "=") { // EXT-X-CUE-OUT:30.000
			m.Duration, err = parseSeconds(v)
			return m, true, wrap(t, err)
		}
		a := hls.AttrList(v) // EXT-X-CUE-OUT:DURATION=30,SCTE35=...
		if d, found := a.Get("DURATION"); found {
			m.Duration, err = parseSeconds(d)
		}
		m.Payload, _ = a.Get("SCTE35")
		return m, true, wrap(t, err)
	case hls.TagCueOutCont:
		m = Marker{Kind: MarkerCont, Format: FormatCueOut}
		v := t.Value()
		if el, total, found := strings.Cut(v, "/"); found && !strings.Contains(v, "=") { // 10/30
			var err2 error
			m.Elapsed, err = parseSeconds(el)
			m.Duration, err2 = parseSeconds(total)
			return m, true, wrap(t, errors.Join(err, err2))
		}
		a := hls.AttrList(v)
		var errs []error
		if el, found := a.Get("ElapsedTime"); found {
			m.Elapsed, err = parseSeconds(el)
			errs = append(errs, err)
		}
		if d, found := a.Get("Duration"); found {
			m.Duration, err = parseSeconds(d)
			errs = append(errs, err)
		}
		m.Payload, _ = a.Get("SCTE35")
		return m, true, wrap(t, errors.Join(errs...))
	case hls.TagCueIn:
		return Marker{Kind: MarkerIn, Format: FormatCueOut}, true, nil
	case hls.TagOATCLS:
		return fromPayload(t, FormatOATCLS, t.Value())
	case hls.TagSCTE35:
		cue, _ := t.Attrs().Get("CUE")
		return fromPayload(t, FormatSCTE67, cue)
	case hls.TagDateRange:
		return parseDateRange(t)
	}
	return Marker{}, false, nil
}

func fromPayload(t hls.Tag, f Format, payload string) (Marker, bool, error) {
	m := Marker{Format: f, Payload: payload}
	c, err := Decode(payload)
	if err != nil {
		return m, true, wrap(t, err)
	}
	m.Kind, m.Duration = MarkerIn, c.Duration
	if c.Out {
		m.Kind = MarkerOut
	}
	return m, true, nil
}

func parseDateRange(t hls.Tag) (Marker, bool, error) {
	a := t.Attrs()
	m := Marker{Format: FormatDateRange}
	if p, found := a.Raw("SCTE35-OUT"); found {
		m.Kind, m.Payload = MarkerOut, p
	} else if p, found := a.Raw("SCTE35-IN"); found {
		m.Kind, m.Payload = MarkerIn, p
	} else if p, found := a.Raw("SCTE35-CMD"); found {
		m.Payload = p
		c, err := Decode(p)
		if err != nil {
			return m, true, wrap(t, err)
		}
		m.Kind = MarkerIn
		if c.Out {
			m.Kind = MarkerOut
		}
	} else {
		return Marker{}, false, nil
	}
	var errs []error
	m.ID, _ = a.Get("ID")
	if m.ID == "" {
		errs = append(errs, errors.New("DATERANGE without ID"))
	}
	if s, found := a.Get("START-DATE"); found {
		var err error
		m.Start, err = hls.ParseDateTime(s)
		errs = append(errs, err)
	}
	for _, name := range []string{"DURATION", "PLANNED-DURATION"} {
		if d, found := a.Get(name); found {
			v, err := parseSeconds(d)
			errs = append(errs, err)
			if m.Duration == 0 {
				m.Duration = v
			}
		}
	}
	return m, true, wrap(t, errors.Join(errs...))
}

func parseSeconds(s string) (time.Duration, error) {
	return hls.ParseSeconds(strings.TrimSpace(s))
}

func wrap(t hls.Tag, err error) error {
	if err == nil {
		return nil
	}
	line := t.Line
	if len(line) > 80 {
		line = line[:77] + "..."
	}
	return fmt.Errorf("scte35: %q: %w", line, err)
}
