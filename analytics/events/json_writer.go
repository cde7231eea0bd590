package events

import (
	"time"

	"github.com/cuepoint/cuepoint/internal/jsonw"
)

// Events append their JSON with a jsonw.Writer, without reflection or allocation. Field order
// is fixed: "v", "type", the header, then the event's own fields in struct order. Optional
// fields (omitempty in the struct tags) are left out when zero, as encoding/json would; the
// tests hold the writers and the struct tags to the same set of keys.

// appendTime appends t as a JSON string in RFC 3339, UTC, with milliseconds
// ("2006-01-02T15:04:05.000Z"), the precision events carry. Years outside 0–9999, which
// Validate rejects anyway, fall back to time.Time's own formatting.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		return append(b, '"')
	}
	hour, min, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	return append(b, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+min/10), byte('0'+min%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
}

// begin starts an event's JSON object: "v", "type", then the header.
func begin(dst []byte, typ string, h *Header) jsonw.Writer {
	w := jsonw.Writer{B: dst}
	w.Open("")
	w.Int("v", Version)
	w.Str("type", typ)
	w.Str("id", h.ID)
	w.Key("time")
	w.B = appendTime(w.B, h.Time)
	w.Str("service", h.Service)
	w.StrOpt("request_id", h.RequestID)
	if !h.Received.IsZero() {
		w.Key("received")
		w.B = appendTime(w.B, h.Received)
	}
	return w
}

// end closes the event's object and returns the buffer.
func end(w *jsonw.Writer) []byte {
	w.Close()
	return w.B
}
