package hls

import "strings"

// Scanner reads a playlist one classified line at a time, without allocating: the lowest layer,
// on which ParseMedia and ParseMaster are built. A streaming rewriter can use it directly to copy
// lines it does not touch.
//
//	sc := hls.NewScanner(text)
//	for sc.Scan() {
//		t := sc.Tag() // t.Kind, t.Line
//	}
//
// Blank lines are skipped; line terminators (LF or CRLF) and trailing spaces and tabs are
// removed; a UTF-8 byte order mark at the start is ignored.
type Scanner struct {
	rest string
	tag  Tag
	line int
}

// NewScanner returns a Scanner over s.
func NewScanner(s string) Scanner {
	s = strings.TrimPrefix(s, "\ufeff")
	return Scanner{rest: s}
}

// Scan advances to the next non-blank line and reports whether there is one.
func (sc *Scanner) Scan() bool {
	for len(sc.rest) > 0 {
		var line string
		if i := strings.IndexByte(sc.rest, '\n'); i >= 0 {
			line, sc.rest = sc.rest[:i], sc.rest[i+1:]
		} else {
			line, sc.rest = sc.rest, ""
		}
		sc.line++
		line = trimSpace(line)
		if line == "" {
			continue
		}
		sc.tag = lineTag(line)
		return true
	}
	return false
}

// Tag returns the current line.
func (sc *Scanner) Tag() Tag { return sc.tag }

// Line returns the 1-based number of the current line in the input (blank lines counted).
func (sc *Scanner) Line() int { return sc.line }

// trimSpace removes a trailing CR and spaces and tabs around a line.
func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 {
		switch s[len(s)-1] {
		case '\r', ' ', '\t':
			s = s[:len(s)-1]
			continue
		}
		break
	}
	return s
}
