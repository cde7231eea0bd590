package scte35

import "fmt"

// Format is how ad breaks are marked in a media playlist. An origin channel uses one; a
// stitcher must read all of them.
type Format uint8

// The three common HLS ad-marker formats, and SCTE 67's EXT-SCTE35 (read only).
const (
	// FormatCueOut: EXT-X-CUE-OUT:<duration> before the first ad segment,
	// EXT-X-CUE-OUT-CONT:ElapsedTime=,Duration=,SCTE35=<base64> before each later one,
	// EXT-X-CUE-IN before the first content segment after the break (Elemental style).
	FormatCueOut Format = iota + 1
	// FormatDateRange: EXT-X-DATERANGE with SCTE35-OUT=0x... and PLANNED-DURATION at the out
	// point, and with the same ID, SCTE35-IN=0x... and DURATION at the in point (RFC 8216
	// §4.3.2.7.1). Needs EXT-X-PROGRAM-DATE-TIME.
	FormatDateRange
	// FormatOATCLS: EXT-OATCLS-SCTE35:<base64 splice_info_section> with EXT-X-CUE-OUT at the out
	// point, then CUE-OUT-CONT and CUE-IN as in FormatCueOut.
	FormatOATCLS
	// FormatSCTE67: EXT-SCTE35:CUE="<base64>" (SCTE 67). Read, never written.
	FormatSCTE67
)

// Formats lists the formats an origin channel can be configured with.
var Formats = []Format{FormatCueOut, FormatDateRange, FormatOATCLS}

func (f Format) String() string {
	switch f {
	case FormatCueOut:
		return "cue-out"
	case FormatDateRange:
		return "daterange"
	case FormatOATCLS:
		return "oatcls"
	case FormatSCTE67:
		return "scte67"
	}
	return "none"
}

// ParseFormat reads a configured format name: cue-out, daterange or oatcls.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if s == f.String() {
			return f, nil
		}
	}
	return 0, fmt.Errorf("ad-marker format %q: want cue-out, daterange or oatcls", s)
}

// MarshalText implements encoding.TextMarshaler (JSON shows the name).
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }
