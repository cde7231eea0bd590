package vast

import (
	"errors"
	"time"
)

var errDuration = errors.New("vast: duration is not HH:MM:SS[.mmm]")

// maxDuration bounds durations read from documents: no linear ad is a day long.
const maxDuration = 24 * time.Hour

// ParseDuration reads a VAST time, "HH:MM:SS" or "HH:MM:SS.mmm" (any number of fraction
// digits; precision beyond milliseconds is dropped). Surrounding whitespace is ignored.
func ParseDuration(s string) (time.Duration, error) {
	s = trimSpace(s)
	var parts [3]int64
	i, p := 0, 0
	for ; i < len(s) && s[i] != '.'; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			parts[p] = parts[p]*10 + int64(c-'0')
			if parts[p] > 1_000_000 {
				return 0, errDuration
			}
		case c == ':' && p < 2 && i > 0 && s[i-1] != ':':
			p++
		default:
			return 0, errDuration
		}
	}
	if p != 2 || i == 0 || s[i-1] == ':' || parts[1] > 59 || parts[2] > 59 {
		return 0, errDuration
	}
	d := time.Duration(parts[0])*time.Hour + time.Duration(parts[1])*time.Minute + time.Duration(parts[2])*time.Second
	if i < len(s) { // fraction
		i++
		if i == len(s) {
			return 0, errDuration
		}
		scale := 100 * time.Millisecond
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, errDuration
			}
			d += time.Duration(c-'0') * scale
			scale /= 10
			if scale < time.Millisecond {
				scale = 0
			}
		}
	}
	if d > maxDuration {
		return 0, errDuration
	}
	return d, nil
}

// AppendDuration appends d as "HH:MM:SS" when it is whole seconds, "HH:MM:SS.mmm" otherwise
// (rounded to milliseconds). Negative durations are written as zero.
func AppendDuration(dst []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	ms := int64((d + time.Millisecond/2) / time.Millisecond)
	sec := ms / 1000
	dst = append2(dst, sec/3600)
	dst = append(dst, ':')
	dst = append2(dst, sec/60%60)
	dst = append(dst, ':')
	dst = append2(dst, sec%60)
	if f := ms % 1000; f != 0 {
		dst = append(dst, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
	}
	return dst
}

func append2(dst []byte, v int64) []byte {
	if v >= 100 { // hours beyond 99 do not occur (maxDuration), keep the digits honest anyway
		dst = append2(dst, v/100)
		v %= 100
	}
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
