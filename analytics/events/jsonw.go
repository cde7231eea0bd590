package events

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// jsonw appends one event's JSON object to a byte slice without reflection or allocation.
// Field order is fixed: "v", "type", the header, then the event's own fields in struct order.
// Optional fields (omitempty in the struct tags) are left out when zero, as encoding/json
// would; the tests hold the writers and the struct tags to the same set of keys.
type jsonw struct{ b []byte }

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

func (w *jsonw) begin(typ string, h *Header) {
	w.b = append(w.b, `{"v":`...)
	w.b = strconv.AppendInt(w.b, Version, 10)
	w.b = append(w.b, `,"type":`...)
	w.quote(typ)
	w.str("id", h.ID)
	w.key("time")
	w.b = appendTime(w.b, h.Time)
	w.str("service", h.Service)
	w.strOpt("request_id", h.RequestID)
	if !h.Received.IsZero() {
		w.key("received")
		w.b = appendTime(w.b, h.Received)
	}
}

func (w *jsonw) end() []byte { return append(w.b, '}') }

func (w *jsonw) key(k string) {
	w.b = append(w.b, ',', '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonw) str(k, v string) {
	w.key(k)
	w.quote(v)
}

func (w *jsonw) strOpt(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *jsonw) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *jsonw) intOpt(k string, v int64) {
	if v != 0 {
		w.int(k, v)
	}
}

func (w *jsonw) boolOpt(k string, v bool) {
	if v {
		w.key(k)
		w.b = append(w.b, "true"...)
	}
}

func (w *jsonw) strsOpt(k string, vs []string) {
	if len(vs) > 0 {
		w.strs(k, vs)
	}
}

func (w *jsonw) strs(k string, vs []string) {
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.quote(v)
	}
	w.b = append(w.b, ']')
}

// quote appends s as a JSON string. It escapes quotes, backslashes and control characters,
// and writes invalid UTF-8 as U+FFFD, so the output is always valid JSON that decodes back to
// the same string whenever s is valid UTF-8. It does not HTML-escape.
func (w *jsonw) quote(s string) {
	w.b = append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' && b < utf8.RuneSelf {
			i++
			continue
		}
		if b >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				w.b = append(w.b, s[start:i]...)
				w.b = append(w.b, "\ufffd"...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		w.b = append(w.b, s[start:i]...)
		switch b {
		case '"', '\\':
			w.b = append(w.b, '\\', b)
		case '\n':
			w.b = append(w.b, '\\', 'n')
		case '\r':
			w.b = append(w.b, '\\', 'r')
		case '\t':
			w.b = append(w.b, '\\', 't')
		default:
			w.b = append(w.b, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
		}
		i++
		start = i
	}
	w.b = append(w.b, s[start:]...)
	w.b = append(w.b, '"')
}
