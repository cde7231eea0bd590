package events

import "unsafe"

// Decoder decodes events exactly as Decode does (same checks, same errors) without
// allocating in the common case, for consumers that copy each event somewhere else at once
// (the sink appends it to column buffers). It pays for that with two rules:
//
//   - The event Decode returns, its slices included, belongs to the Decoder and is
//     overwritten by the next call: use it before decoding the next one, and copy the slices
//     (Formats, Bids, Creatives, Items) if they must outlive it.
//   - Its strings share data's memory instead of copying it (except strings with escapes or
//     non-ASCII bytes): data must not change while any of them is in use. The bytes of a
//     franz-go record's Value are never reused by the client unless it is configured with a
//     PoolDecompressBytes, so they may be held as long as the strings are.
//
// A Decoder is not safe for concurrent use. The zero value is ready.
type Decoder struct {
	r      reader
	bid    BidRequest
	notice Notice
	dec    AdDecision
	track  AdTracking
	qoe    QoE
	start  SessionStart
	served RecsServed
	action RecsAction
}

// Decode decodes one event of family f; see the type's documentation for how long the
// result is valid.
func (d *Decoder) Decode(f Family, data []byte) (Typed, error) {
	if len(data) > MaxSize {
		return nil, tooLarge(f, data)
	}
	d.r = reader{data: data}
	if len(data) > 0 {
		d.r.src = unsafe.String(unsafe.SliceData(data), len(data))
	}
	return decode(f, data, &d.r, d.scratch)
}

// scratch returns the Decoder's event for the family and type, reset to zero but keeping the
// backing arrays of its slices.
func (d *Decoder) scratch(f Family, typ string) (decodable, Reason) {
	switch k, reason := kindOf(f, typ); k {
	case kindBidRequest:
		d.bid = BidRequest{Formats: d.bid.Formats[:0], Bids: d.bid.Bids[:0]}
		return &d.bid, ""
	case kindNotice:
		d.notice = Notice{}
		return &d.notice, ""
	case kindAdDecision:
		d.dec = AdDecision{Creatives: d.dec.Creatives[:0]}
		return &d.dec, ""
	case kindAdTracking:
		d.track = AdTracking{}
		return &d.track, ""
	case kindQoE:
		d.qoe = QoE{}
		return &d.qoe, ""
	case kindSessionStart:
		d.start = SessionStart{}
		return &d.start, ""
	case kindRecsServed:
		d.served = RecsServed{Items: d.served.Items[:0]}
		return &d.served, ""
	case kindRecsAction:
		d.action = RecsAction{}
		return &d.action, ""
	default:
		return nil, reason
	}
}
