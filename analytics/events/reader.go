package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// reader is a strict JSON reader for the event shapes of this package: objects of known
// fields with string, integer, boolean, string-list and object-list values. It parses without
// reflection and allocates only the strings it returns, and it is the only code that touches
// outside bytes, so it is fuzzed against encoding/json (see fuzz_test.go).
//
// It accepts what encoding/json accepts for the same Go types, with three deliberate
// differences that close parser-differential holes on outside input: a known key given twice,
// and a key that matches a field name only case-insensitively, are errors (encoding/json takes
// the last value, and matches keys case-insensitively); integers with a fraction or exponent
// are errors (as in encoding/json for integer fields).
type reader struct {
	data  []byte
	src   string // a copy of data: strings without escapes are slices of it, one allocation for all
	pos   int
	depth int
	err   error
}

func newReader(data []byte) *reader { return &reader{data: data, src: string(data)} }

// maxDepth matches encoding/json's nesting limit.
const maxDepth = 10000

// fail records the first error; every read is a no-op once it is set.
func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: %s", r.pos, fmt.Sprintf(format, args...))
	}
}

func (r *reader) ws() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it, 0 at the end.
func (r *reader) peek() byte {
	r.ws()
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

func (r *reader) expect(c byte) bool {
	if r.peek() != c {
		if r.pos >= len(r.data) {
			r.fail("unexpected end of input, want %q", c)
		} else {
			r.fail("unexpected %q, want %q", r.data[r.pos], c)
		}
		return false
	}
	r.pos++
	return true
}

// end checks that nothing but white space follows the value.
func (r *reader) end() {
	if r.err == nil && r.peek() != 0 {
		r.fail("unexpected %q after the value", r.data[r.pos])
	}
}

// null consumes a JSON null if one is next. A null leaves a field at its zero value, as in
// encoding/json.
func (r *reader) null() bool {
	if r.peek() == 'n' {
		r.literal("null")
		return true
	}
	return false
}

func (r *reader) literal(lit string) {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		r.fail("invalid literal, want %s", lit)
		return
	}
	r.pos += len(lit)
}

// fields is implemented by each decodable object: field decodes the value of a known key and
// returns the key's bit (distinct per field, for duplicate detection), or 0 when the key is not
// a field, leaving the value unread. names lists the keys, for the case-insensitive check.
type fields interface {
	field(r *reader, key []byte) uint64
	names() []string
}

// object reads a JSON object into f.
func (r *reader) object(f fields) {
	if r.null() {
		return
	}
	if !r.expect('{') {
		return
	}
	if r.depth++; r.depth > maxDepth {
		r.fail("nested deeper than %d", maxDepth)
		return
	}
	defer func() { r.depth-- }()
	if r.peek() == '}' {
		r.pos++
		return
	}
	var seen uint64
	for r.err == nil {
		key := r.key(nil) // allocates only for a key with escapes

		if !r.expect(':') {
			return
		}
		bit := f.field(r, key)
		switch {
		case bit == 0:
			for _, n := range f.names() {
				if bytes.EqualFold([]byte(n), key) {
					r.fail("key %q differs from field %q only in case", key, n)
					return
				}
			}
			r.skip()
		case seen&bit != 0:
			r.fail("duplicate key %q", key)
			return
		}
		seen |= bit
		switch r.peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return
		default:
			r.fail("want ',' or '}' after an object member")
		}
	}
}

// key reads an object key. Without escapes it returns the bytes in place; with escapes it
// decodes them into buf.
func (r *reader) key(buf []byte) []byte {
	raw, escaped := r.rawString()
	switch {
	case r.err != nil:
		return nil
	case escaped:
		return append(buf, r.unescape(raw)...)
	default:
		return raw[1 : len(raw)-1]
	}
}

// str reads a string value (or null, giving "").
func (r *reader) str() string {
	if r.null() {
		return ""
	}
	raw, escaped := r.rawString()
	if r.err != nil {
		return ""
	}
	if escaped {
		return r.unescape(raw)
	}
	return r.src[r.pos-len(raw)+1 : r.pos-1]
}

// rawString scans a string token and returns it with its quotes. escaped reports whether it
// holds escapes or non-ASCII bytes, which need the careful decoder.
func (r *reader) rawString() (raw []byte, escaped bool) {
	if r.peek() != '"' {
		r.fail("want a string")
		return nil, false
	}
	start := r.pos
	// Fast path: one pass up to the closing quote, for strings without a backslash (most:
	// keys, ids, names). Short strings are the common case, where a plain loop beats
	// bytes.IndexByte. A backslash hands over to the careful loop below, from the start.
	d := r.data
	for i := start + 1; i < len(d); i++ {
		c := d[i]
		if c == '"' {
			r.pos = i + 1
			return d[start:r.pos], escaped
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			r.pos = i
			r.fail("control character in string")
			return nil, false
		}
		if c >= utf8.RuneSelf {
			escaped = true
		}
	}
	escaped = false
	i := start + 1
	for i < len(r.data) {
		c := r.data[i]
		switch {
		case c == '"':
			r.pos = i + 1
			return r.data[start:r.pos], true
		case c == '\\':
			i += 2
		case c < 0x20:
			r.pos = i
			r.fail("control character in string")
			return nil, false
		default:
			i++
		}
	}
	r.pos = len(r.data)
	r.fail("unterminated string")
	return nil, false
}

// unescape decodes a quoted string with escapes or non-ASCII bytes exactly as encoding/json
// does (invalid UTF-8 and lone surrogates become U+FFFD). These are rare in events, so it
// delegates to encoding/json rather than repeat its rules.
func (r *reader) unescape(quoted []byte) string {
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		r.fail("invalid string: %v", err)
	}
	return s
}

// int reads an integer (or null, giving 0) that fits in an int64.
func (r *reader) int() int64 {
	if r.null() {
		return 0
	}
	neg := false
	if r.pos < len(r.data) && r.data[r.pos] == '-' {
		neg = true
		r.pos++
	}
	start := r.pos
	const limit = uint64(1) << 63 // |math.MinInt64|; the maximum is limit-1
	var v uint64
	for r.pos < len(r.data) && r.data[r.pos] >= '0' && r.data[r.pos] <= '9' {
		if v > (limit+9)/10 {
			r.fail("integer out of range")
			return 0
		}
		v = v*10 + uint64(r.data[r.pos]-'0')
		r.pos++
	}
	switch n := r.pos - start; {
	case n == 0:
		r.fail("want an integer")
		return 0
	case n > 1 && r.data[start] == '0':
		r.fail("number with a leading zero")
		return 0
	case v > limit || (v == limit && !neg):
		r.fail("integer out of range")
		return 0
	}
	if r.pos < len(r.data) {
		if c := r.data[r.pos]; c == '.' || c == 'e' || c == 'E' {
			r.fail("want an integer, got a fraction or exponent")
			return 0
		}
	}
	if neg {
		return -int64(v)
	}
	return int64(v)
}

// bool reads true, false or null (false).
func (r *reader) bool() bool {
	switch r.peek() {
	case 't':
		r.literal("true")
		return true
	case 'f':
		r.literal("false")
	case 'n':
		r.literal("null")
	default:
		r.fail("want a boolean")
	}
	return false
}

// array reads a JSON array (or null), calling elem for each element.
func (r *reader) array(elem func()) {
	if r.null() {
		return
	}
	if !r.expect('[') {
		return
	}
	if r.peek() == ']' {
		r.pos++
		return
	}
	for r.err == nil {
		elem()
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return
		default:
			r.fail("want ',' or ']' after an array element")
		}
	}
}

// strs reads a list of strings (or null, giving dst[:0]: nil for a new event), appending to
// dst[:0] so that a Decoder reuses the array.
func (r *reader) strs(dst []string) []string {
	out := dst[:0]
	r.array(func() {
		if r.null() {
			out = append(out, "") // as encoding/json: a null element is the zero value
			return
		}
		out = append(out, r.str())
	})
	return out
}

// time reads an RFC 3339 time (or null, giving the zero time). The form Append writes is
// parsed directly; anything else goes through time.Time's own JSON decoding.
func (r *reader) time() time.Time {
	if r.null() {
		return time.Time{}
	}
	raw, _ := r.rawString()
	if r.err != nil {
		return time.Time{}
	}
	if t, ok := parseCanonicalTime(raw[1 : len(raw)-1]); ok {
		return t
	}
	var t time.Time
	if err := t.UnmarshalJSON(raw); err != nil {
		r.fail("invalid time: %v", err)
	}
	return t
}

// parseCanonicalTime parses "2006-01-02T15:04:05Z" with an optional fraction of 1–9 digits,
// the only forms it needs to be fast for. ok is false for anything else, including invalid
// dates, which the general parser then rejects with its own message.
func parseCanonicalTime(s []byte) (t time.Time, ok bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return t, false
	}
	num := func(a, b int) int {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, min, sec := num(11, 13), num(14, 16), num(17, 19)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59 {
		return t, false
	}
	if day > daysIn(time.Month(month), year) {
		return t, false
	}
	nsec := 0
	if len(s) > 20 {
		frac := s[19 : len(s)-1]
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return t, false
		}
		n := num(20, 19+len(frac))
		if n < 0 {
			return t, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			n *= 10
		}
		nsec = n
	} else if s[19] != 'Z' {
		return t, false
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC), true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// skip reads and discards any JSON value, checking its syntax.
func (r *reader) skip() {
	switch c := r.peek(); {
	case c == '{':
		r.object(skipFields{})
	case c == '[':
		if r.depth++; r.depth > maxDepth {
			r.fail("nested deeper than %d", maxDepth)
			return
		}
		r.array(r.skip)
		r.depth--
	case c == '"':
		if raw, escaped := r.rawString(); escaped && r.err == nil {
			r.unescape(raw) // checks the escapes
		}
	case c == 't':
		r.literal("true")
	case c == 'f':
		r.literal("false")
	case c == 'n':
		r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		r.number()
	case c == 0:
		r.fail("unexpected end of input")
	default:
		r.fail("unexpected %q", c)
	}
}

// number scans a JSON number of any form.
func (r *reader) number() {
	d := r.data
	i := r.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		r.pos = i
		r.fail("invalid number")
		return
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			r.pos = i
			r.fail("invalid number")
			return
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			r.pos = i
			r.fail("invalid number")
			return
		}
	}
	r.pos = i
}

// skipFields knows no field: every member is skipped.
type skipFields struct{}

func (skipFields) field(*reader, []byte) uint64 { return 0 }
func (skipFields) names() []string              { return nil }
