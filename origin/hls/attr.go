package hls

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
)

// AttrList is an HLS attribute list (RFC 8216 §4.2) kept as its original text:
// `NAME=VALUE,NAME="quoted",...`. Reading it allocates nothing; Set returns a new list with one
// attribute replaced or appended and every other attribute byte for byte as it was.
//
// Values are returned raw by Raw and All (quotes kept), and unquoted by Get.
type AttrList string

// All iterates over the attributes in order, yielding each name and raw value. It stops at the
// first malformed attribute (see Validate).
func (a AttrList) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		s := string(a)
		for len(s) > 0 {
			name, value, rest, ok := nextAttr(s)
			if !ok || !yield(name, value) {
				return
			}
			s = rest
		}
	}
}

// nextAttr splits the first attribute off s. Quoted values may contain commas; an unquoted value
// runs to the next comma (base64 SCTE-35 payloads contain '=', '/' and '+', never ',').
func nextAttr(s string) (name, value, rest string, ok bool) {
	for len(s) > 0 && (s[0] == ' ' || s[0] == ',') {
		s = s[1:]
	}
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return "", "", "", false
	}
	name, s = strings.TrimSpace(s[:eq]), s[eq+1:]
	if name == "" || strings.IndexByte(name, ',') >= 0 || strings.IndexByte(name, '"') >= 0 {
		return "", "", "", false
	}
	if len(s) > 0 && s[0] == '"' {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", "", "", false
		}
		value, s = s[:end+2], s[end+2:]
		s = strings.TrimLeft(s, " ")
		if len(s) > 0 && s[0] != ',' {
			return "", "", "", false
		}
	} else if c := strings.IndexByte(s, ','); c >= 0 {
		value, s = strings.TrimSpace(s[:c]), s[c:]
	} else {
		value, s = strings.TrimSpace(s), ""
	}
	return name, value, s, true
}

// Validate reports the first malformed attribute, if any.
func (a AttrList) Validate() error {
	s := string(a)
	for len(strings.Trim(s, " ,")) > 0 {
		_, _, rest, ok := nextAttr(s)
		if !ok {
			return fmt.Errorf("malformed attribute list at %q", s)
		}
		s = rest
	}
	return nil
}

// Raw returns the raw value of the attribute name (quotes kept) and whether it is present.
func (a AttrList) Raw(name string) (string, bool) {
	s := string(a)
	for len(s) > 0 {
		n, v, rest, ok := nextAttr(s)
		if !ok {
			break
		}
		if n == name {
			return v, true
		}
		s = rest
	}
	return "", false
}

// Get returns the value of the attribute name with surrounding quotes removed.
func (a AttrList) Get(name string) (string, bool) {
	v, ok := a.Raw(name)
	if !ok {
		return "", false
	}
	return Unquote(v), true
}

// Int returns the attribute as a non-negative decimal integer.
func (a AttrList) Int(name string) (int64, bool) {
	v, ok := a.Raw(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Float returns the attribute as a decimal floating-point number.
func (a AttrList) Float(name string) (float64, bool) {
	v, ok := a.Raw(name)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(Unquote(v), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// Resolution returns a decimal-resolution attribute (WIDTHxHEIGHT).
func (a AttrList) Resolution(name string) (w, h int, ok bool) {
	v, ok := a.Raw(name)
	if !ok {
		return 0, 0, false
	}
	ws, hs, found := strings.Cut(v, "x")
	if !found {
		return 0, 0, false
	}
	wi, err1 := strconv.Atoi(ws)
	hi, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || wi < 0 || hi < 0 {
		return 0, 0, false
	}
	return wi, hi, true
}

// Set returns the list with attribute name set to the raw value (quote strings with Quote),
// replacing it in place when present and appending it otherwise.
func (a AttrList) Set(name, raw string) AttrList {
	s := string(a)
	var b strings.Builder
	b.Grow(len(s) + len(name) + len(raw) + 2)
	found := false
	rest := s
	for len(strings.Trim(rest, " ,")) > 0 {
		n, v, r, ok := nextAttr(rest)
		if !ok {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteByte('=')
		if n == name && !found {
			b.WriteString(raw)
			found = true
		} else {
			b.WriteString(v)
		}
		rest = r
	}
	if !found {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(raw)
	}
	return AttrList(b.String())
}

// SetQuoted sets a quoted-string attribute.
func (a AttrList) SetQuoted(name, value string) AttrList { return a.Set(name, Quote(value)) }

// SetInt sets a decimal-integer attribute.
func (a AttrList) SetInt(name string, v int64) AttrList {
	return a.Set(name, strconv.FormatInt(v, 10))
}

// Quote returns s as an HLS quoted-string. HLS has no escapes: double quotes, CR and LF cannot
// be represented and are dropped.
func Quote(s string) string {
	if strings.ContainsAny(s, "\"\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == '"' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	return `"` + s + `"`
}

// Unquote removes the surrounding double quotes of a quoted-string value, if present.
func Unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}
