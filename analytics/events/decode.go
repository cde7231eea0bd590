package events

import (
	"errors"
	"fmt"
)

// MaxSize is the largest encoded event Decode accepts.
const MaxSize = 64 << 10

// Reason classifies why Decode rejected an input. The set is small and fixed, so it can label
// metrics and dead-letter headers.
type Reason string

// The reasons Decode fails.
const (
	ReasonTooLarge      Reason = "too_large"      // more than MaxSize bytes
	ReasonSyntax        Reason = "syntax"         // not a JSON object of the expected field types
	ReasonVersion       Reason = "version"        // "v" missing or not a version this build reads
	ReasonUnknownFamily Reason = "unknown_family" // the family is not one of Families
	ReasonUnknownType   Reason = "unknown_type"   // "type" is not a type of the family
	ReasonInvalid       Reason = "invalid"        // decoded, but Validate failed
)

// Reasons lists every Reason.
var Reasons = []Reason{ReasonTooLarge, ReasonSyntax, ReasonVersion, ReasonUnknownFamily, ReasonUnknownType, ReasonInvalid}

// DecodeError is the error Decode returns.
type DecodeError struct {
	Family Family
	Type   string // empty when not known
	Reason Reason
	Err    error
}

func (e *DecodeError) Error() string {
	t := ""
	if e.Type != "" {
		t = " " + e.Type
	}
	return fmt.Sprintf("decode %s%s event: %s: %v", e.Family, t, e.Reason, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ReasonOf returns the Reason of a Decode error ("" when err is not one).
func ReasonOf(err error) Reason {
	var de *DecodeError
	if errors.As(err, &de) {
		return de.Reason
	}
	return ""
}

// Decode parses one encoded event of family f, as written by Append or sent by an outside
// client, and validates it. The returned Event is one of this package's types (so also a
// Typed); its Time is in UTC. Unknown fields are ignored, so a writer may add optional fields
// without breaking readers; a known field given twice is an error. Any failure is a
// *DecodeError. Decode never panics, whatever the input.
func Decode(f Family, data []byte) (Event, error) {
	if len(data) > MaxSize {
		return nil, tooLarge(f, data)
	}
	ev, err := decode(f, data, newReader(data), newEvent)
	if err != nil {
		return nil, err
	}
	return ev, nil
}

func tooLarge(f Family, data []byte) error {
	return &DecodeError{Family: f, Reason: ReasonTooLarge, Err: fmt.Errorf("%d bytes, limit %d", len(data), MaxSize)}
}

// decode parses data with r into the event pick returns for the family and type, and
// validates it.
func decode(f Family, data []byte, r *reader, pick func(Family, string) (decodable, Reason)) (Typed, error) {
	fail := func(typ string, reason Reason, err error) (Typed, error) {
		return nil, &DecodeError{Family: f, Type: typ, Reason: reason, Err: err}
	}
	v, typ := r.head()
	if r.err != nil {
		return fail("", ReasonSyntax, r.err)
	}
	if v != Version {
		return fail(typ, ReasonVersion, fmt.Errorf("version %d, this build reads %d", v, Version))
	}
	ev, reason := pick(f, typ)
	if ev == nil {
		return fail(typ, reason, fmt.Errorf("type %q of family %q", typ, f))
	}
	r.pos = 0
	r.object(ev)
	r.end()
	if r.err != nil {
		return fail(typ, ReasonSyntax, r.err)
	}
	h := ev.EventHeader()
	h.Time = h.Time.UTC()
	if !h.Received.IsZero() {
		h.Received = h.Received.UTC()
	}
	if err := ev.Validate(); err != nil {
		return fail(typ, ReasonInvalid, err)
	}
	return ev, nil
}

// decodable is what Decode needs of a new event.
type decodable interface {
	Typed
	fields
}

// newEvent returns a new zero event for the family's wire type, or the reason there is none.
func newEvent(f Family, typ string) (decodable, Reason) {
	switch k, reason := kindOf(f, typ); k {
	case kindBidRequest:
		return new(BidRequest), ""
	case kindNotice:
		return new(Notice), ""
	case kindAdDecision:
		return new(AdDecision), ""
	case kindAdTracking:
		return new(AdTracking), ""
	case kindQoE:
		return new(QoE), ""
	case kindSessionStart:
		return new(SessionStart), ""
	case kindRecsServed:
		return new(RecsServed), ""
	case kindRecsAction:
		return new(RecsAction), ""
	default:
		return nil, reason
	}
}

// eventKind names the Go type of a wire type.
type eventKind uint8

const (
	kindNone eventKind = iota
	kindBidRequest
	kindNotice
	kindAdDecision
	kindAdTracking
	kindQoE
	kindSessionStart
	kindRecsServed
	kindRecsAction
)

// kindOf returns the Go type of the family's wire type, or the reason there is none.
func kindOf(f Family, typ string) (eventKind, Reason) {
	switch f {
	case FamilyBids:
		if typ == TypeBidRequest {
			return kindBidRequest, ""
		}
	case FamilyWins:
		switch NoticeKind(typ) {
		case NoticeWin, NoticeBilling, NoticeLoss:
			return kindNotice, ""
		}
	case FamilyAds:
		if typ == TypeAdDecision {
			return kindAdDecision, ""
		}
		if TrackingKind(typ).valid() {
			return kindAdTracking, ""
		}
	case FamilyPlayback:
		switch typ {
		case TypeQoE:
			return kindQoE, ""
		case TypeSessionStart:
			return kindSessionStart, ""
		}
	case FamilyRecs:
		switch typ {
		case TypeRecsServed:
			return kindRecsServed, ""
		case string(ActionClick), string(ActionPlay):
			return kindRecsAction, ""
		}
	default:
		return kindNone, ReasonUnknownFamily
	}
	return kindNone, ReasonUnknownType
}

// head reads the top-level "v" and "type" members, stopping once it has both; Append writes
// them first, so for the sink's input this reads a dozen bytes. The full decode that follows
// checks the rest of the syntax, and rejects a second "v" or "type".
func (r *reader) head() (v int64, typ string) {
	if !r.expect('{') {
		return 0, ""
	}
	var sawV, sawType bool
	for r.err == nil && !(sawV && sawType) {
		if r.peek() == '}' {
			break
		}
		key := r.key(nil) // allocates only for a key with escapes
		if !r.expect(':') {
			break
		}
		switch string(key) {
		case "v":
			v, sawV = r.int(), true
		case "type":
			typ, sawType = r.str(), true
		default:
			r.skip()
		}
		if sawV && sawType {
			break
		}
		if r.peek() == ',' {
			r.pos++
		} else if r.peek() != '}' {
			r.fail("want ',' or '}' after an object member")
		}
	}
	return v, typ
}
