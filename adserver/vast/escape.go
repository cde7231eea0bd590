package vast

import "unicode/utf8"

// AppendText appends s as XML character data: &, < and > escaped, characters XML 1.0 forbids
// (C0 controls other than tab, newline and carriage return; invalid UTF-8) dropped.
func AppendText(dst []byte, s string) []byte {
	return appendEscaped(dst, s, false)
}

// AppendAttr appends s for a double-quoted attribute value: as AppendText, and " escaped, and
// tab, newline and carriage return as character references (attribute normalization would
// turn them into spaces).
func AppendAttr(dst []byte, s string) []byte {
	return appendEscaped(dst, s, true)
}

func appendEscaped(dst []byte, s string, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
				dst = append(dst, s[start:i]...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		var esc string
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '"' && attr:
			esc = "&quot;"
		case c == '\t' && attr:
			esc = "&#9;"
		case c == '\n' && attr:
			esc = "&#10;"
		case c == '\r':
			esc = "&#13;"
		case c < 0x20 && c != '\t' && c != '\n':
			esc = "" // not allowed in XML 1.0: dropped
		default:
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, esc...)
		i++
		start = i
	}
	return append(dst, s[start:]...)
}

// appendCDATA appends the URI s (see appendURI) in a CDATA section.
func appendCDATA(dst []byte, s string) []byte {
	dst = append(dst, "<![CDATA["...)
	dst = appendURI(dst, s)
	return append(dst, "]]>"...)
}

// appendURI appends s as a valid RFC 3986 URI reference, which is what the XSD's xs:anyURI
// demands of every URL element: bytes a URI may not contain — spaces, controls, non-ASCII,
// "<>\"\\^`{|}", a "%" not starting an escape, and "[" or "]" outside an IPv6 host — are
// percent-encoded.
//
// VAST macros are therefore written in their encoded form, %5BERRORCODE%5D for [ERRORCODE]:
// the form Google Ad Manager writes and the players and SSAI stitchers that substitute macros
// recognise alongside the bracketed one. A document with literal brackets in a query does not
// validate against the IAB XSD.
func appendURI(dst []byte, s string) []byte {
	hostEnd := 0 // brackets before hostEnd belong to an IPv6 literal host
	if i := indexOf(s, "://"); i > 0 {
		j := i + 3
		for j < len(s) && s[j] != '/' && s[j] != '?' && s[j] != '#' {
			j++
		}
		hostEnd = j
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			dst = append(dst, c)
		case (c == '[' || c == ']') && i < hostEnd:
			dst = append(dst, c)
		case c > ' ' && c < 0x7f && !uriExcluded[c]:
			dst = append(dst, c)
		case c < ' ' || c == 0x7f:
			// controls are dropped, as in text
		default:
			dst = append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return dst
}

const hexUpper = "0123456789ABCDEF"

var uriExcluded = [128]bool{'<': true, '>': true, '"': true, '\\': true, '^': true, '`': true, '{': true, '|': true, '}': true, '[': true, ']': true, '%': true}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// EncodeURI returns s as the writer writes URLs (see AppendDocument): a valid RFC 3986 URI,
// with macros such as [ERRORCODE] percent-encoded.
func EncodeURI(s string) string { return string(appendURI(nil, s)) }
