package scte35

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	lib "github.com/Comcast/scte35-go/pkg/scte35"
)

// Command is the splice_command_type of a cue.
type Command uint8

// Splice commands.
const (
	CommandOther        Command = iota // a command this package does not interpret
	CommandSpliceNull                  // splice_null (heartbeat)
	CommandSpliceInsert                // splice_insert
	CommandTimeSignal                  // time_signal, meaning carried by segmentation descriptors
)

func (c Command) String() string {
	switch c {
	case CommandSpliceNull:
		return "splice_null"
	case CommandSpliceInsert:
		return "splice_insert"
	case CommandTimeSignal:
		return "time_signal"
	}
	return "other"
}

// PTSWrap is where 33-bit presentation timestamps wrap (2^33 ticks of 90 kHz, ~26.5 hours).
const PTSWrap = 1 << 33

// Cue is what one SCTE-35 splice_info_section says about an ad break, reduced to what an origin
// and a stitcher act on. Decode fills it from splice_insert or from time_signal with
// segmentation descriptors; Encode writes a splice_insert.
type Cue struct {
	Command Command
	EventID uint32 // splice_event_id, or segmentation_event_id for time_signal
	// Out is true when the cue leaves the network feed (a break starts) and false when it
	// returns (the break ends).
	Out bool
	// Cancel is splice_event_cancel_indicator: an earlier cue with EventID is withdrawn.
	Cancel bool
	// Immediate is splice_immediate_flag: splice at the next opportunity, no PTS.
	Immediate bool
	// PTS is the splice time in 90 kHz ticks (33 bits), valid when HasPTS; PTSAdjustment is
	// already added.
	PTS    uint64
	HasPTS bool
	// Duration is break_duration (or the segmentation duration), 0 when not signalled.
	Duration   time.Duration
	AutoReturn bool
	// SegmentationType is the segmentation_type_id of the first segmentation descriptor
	// (0x34 provider placement opportunity start, ...), 0 when there is none.
	SegmentationType uint32
	ProgramID        uint32 // unique_program_id
	AvailNum         uint32
	AvailsExpected   uint32
}

// Errors.
var (
	ErrEncoding = errors.New("scte35: payload is neither base64 nor hexadecimal")
	ErrNotCue   = errors.New("scte35: not an ad break cue")
)

// Decode reads a payload as found in a playlist: base64 (EXT-OATCLS-SCTE35, CUE-OUT-CONT
// SCTE35=) or hexadecimal with a 0x prefix (DATERANGE SCTE35-OUT/IN/CMD). Surrounding quotes
// are ignored.
func Decode(payload string) (Cue, error) {
	raw, err := PayloadBytes(payload)
	if err != nil {
		return Cue{}, err
	}
	return DecodeBytes(raw)
}

// PayloadBytes returns the splice_info_section bytes of a base64 or 0x-hex payload.
func PayloadBytes(payload string) ([]byte, error) {
	p := strings.Trim(strings.TrimSpace(payload), `"`)
	if strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X") {
		b, err := hex.DecodeString(p[2:])
		if err != nil {
			return nil, ErrEncoding
		}
		return b, nil
	}
	b, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, ErrEncoding
	}
	return b, nil
}

// DecodeBytes decodes a binary splice_info_section (CRC checked).
func DecodeBytes(b []byte) (c Cue, err error) {
	defer func() {
		// The library indexes into the input as it reads; no input may crash the caller.
		if p := recover(); p != nil {
			c, err = Cue{}, fmt.Errorf("scte35: malformed splice_info_section: %v", p)
		}
	}()
	if len(b) == 0 || b[0] != lib.TableID {
		return Cue{}, errors.New("scte35: not a splice_info_section (table_id is not 0xFC)")
	}
	var sis lib.SpliceInfoSection
	if err := sis.Decode(b); err != nil {
		return Cue{}, fmt.Errorf("scte35: %w", err)
	}
	return fromSection(&sis), nil
}

func fromSection(sis *lib.SpliceInfoSection) Cue {
	var c Cue
	adjust := func(pts uint64) uint64 { return (pts + sis.PTSAdjustment) % PTSWrap }
	switch cmd := sis.SpliceCommand.(type) {
	case *lib.SpliceInsert:
		c.Command = CommandSpliceInsert
		c.EventID = cmd.SpliceEventID
		c.Cancel = cmd.SpliceEventCancelIndicator
		c.Out = cmd.OutOfNetworkIndicator
		c.Immediate = cmd.SpliceImmediateFlag
		if cmd.TimeSpecifiedFlag() {
			c.PTS, c.HasPTS = adjust(*cmd.Program.SpliceTime.PTSTime), true
		}
		if cmd.BreakDuration != nil {
			c.Duration = ticksToDuration(cmd.BreakDuration.Duration)
			c.AutoReturn = cmd.BreakDuration.AutoReturn
		}
		c.ProgramID, c.AvailNum, c.AvailsExpected = cmd.UniqueProgramID, cmd.AvailNum, cmd.AvailsExpected
	case *lib.TimeSignal:
		c.Command = CommandTimeSignal
		if cmd.SpliceTime.TimeSpecifiedFlag() {
			c.PTS, c.HasPTS = adjust(*cmd.SpliceTime.PTSTime), true
		}
	case *lib.SpliceNull:
		c.Command = CommandSpliceNull
	}
	for _, d := range sis.SpliceDescriptors {
		sd, ok := d.(*lib.SegmentationDescriptor)
		if !ok {
			continue
		}
		if c.SegmentationType == 0 {
			c.SegmentationType = sd.SegmentationTypeID
		}
		if c.Command == CommandTimeSignal && c.EventID == 0 {
			c.EventID = sd.SegmentationEventID
			c.Cancel = sd.SegmentationEventCancelIndicator
			c.Out = IsStartType(sd.SegmentationTypeID)
			if sd.SegmentationDuration != nil {
				c.Duration = ticksToDuration(*sd.SegmentationDuration)
			}
		}
	}
	return c
}

// IsStartType reports whether a segmentation_type_id opens an ad opportunity (break start,
// provider/distributor advertisement or placement opportunity start).
func IsStartType(t uint32) bool {
	switch t {
	case lib.SegmentationTypeBreakStart, lib.SegmentationTypeProviderAdStart,
		lib.SegmentationTypeDistributorAdStart, lib.SegmentationTypeProviderPOStart,
		lib.SegmentationTypeDistributorPOStart, lib.SegmentationTypeProviderOverlayPOStart:
		return true
	}
	return false
}

// IsBreak reports whether the cue starts or ends an ad break: a splice_insert, or a time_signal
// whose segmentation type is an ad or placement opportunity start or end.
func (c Cue) IsBreak() bool {
	switch c.Command {
	case CommandSpliceInsert:
		return true
	case CommandTimeSignal:
		return IsStartType(c.SegmentationType) || IsEndType(c.SegmentationType)
	}
	return false
}

// IsEndType reports whether a segmentation_type_id closes an ad opportunity.
func IsEndType(t uint32) bool {
	switch t {
	case lib.SegmentationTypeBreakEnd, lib.SegmentationTypeProviderAdEnd,
		lib.SegmentationTypeDistributorAdEnd, lib.SegmentationTypeProviderPOEnd,
		lib.SegmentationTypeDistributorPOEnd, lib.SegmentationTypeProviderOverlayPOEnd:
		return true
	}
	return false
}

// Encode returns the cue as a binary splice_info_section carrying a splice_insert (the command
// every HLS ad-marker format can carry). Tier is 0xFFF (all tiers), SAP type "not specified".
func (c Cue) Encode() ([]byte, error) {
	ins := &lib.SpliceInsert{
		SpliceEventID:              c.EventID,
		SpliceEventCancelIndicator: c.Cancel,
		OutOfNetworkIndicator:      c.Out,
		SpliceImmediateFlag:        c.Immediate,
		UniqueProgramID:            c.ProgramID,
		AvailNum:                   c.AvailNum,
		AvailsExpected:             c.AvailsExpected,
		Program:                    &lib.SpliceInsertProgram{},
	}
	if c.HasPTS && !c.Immediate {
		pts := c.PTS % PTSWrap
		ins.Program.SpliceTime.PTSTime = &pts
	}
	if c.Duration > 0 {
		ins.BreakDuration = &lib.BreakDuration{AutoReturn: c.AutoReturn, Duration: DurationToTicks(c.Duration)}
	}
	sis := &lib.SpliceInfoSection{
		EncryptedPacket: lib.EncryptedPacket{CWIndex: 0xFF}, // as encoders write it unencrypted
		SpliceCommand:   ins,
		SAPType:         lib.SAPTypeNotSpecified,
		Tier:            0xFFF,
	}
	return sis.Encode()
}

// Base64 returns the encoded cue in base64, the form EXT-OATCLS-SCTE35 and CUE-OUT-CONT carry.
func (c Cue) Base64() (string, error) {
	b, err := c.Encode()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Hex returns the encoded cue as 0x-prefixed upper-case hexadecimal, the form of DATERANGE
// SCTE35-OUT and SCTE35-IN.
func (c Cue) Hex() (string, error) {
	b, err := c.Encode()
	if err != nil {
		return "", err
	}
	return "0x" + strings.ToUpper(hex.EncodeToString(b)), nil
}

// Out returns the splice_insert that opens break id at pts (90 kHz) for d, returning to the
// network automatically.
func Out(id uint32, pts uint64, d time.Duration) Cue {
	return Cue{Command: CommandSpliceInsert, EventID: id, Out: true, PTS: pts % PTSWrap, HasPTS: true,
		Duration: d, AutoReturn: true, ProgramID: 1}
}

// In returns the splice_insert that ends break id at pts.
func In(id uint32, pts uint64) Cue {
	return Cue{Command: CommandSpliceInsert, EventID: id, PTS: pts % PTSWrap, HasPTS: true, ProgramID: 1}
}

// DurationToTicks converts d to 90 kHz ticks, rounding to the nearest tick.
func DurationToTicks(d time.Duration) uint64 {
	if d <= 0 {
		return 0
	}
	return uint64((d.Nanoseconds()*9 + 50_000) / 100_000)
}

func ticksToDuration(t uint64) time.Duration {
	t %= PTSWrap
	return time.Duration(t) * time.Second / 90_000
}
