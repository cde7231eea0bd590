package hls

import (
	"errors"
	"strconv"
	"time"
)

var errDecimal = errors.New("not a non-negative decimal number of seconds")

// ParseSeconds parses an HLS decimal-floating-point number of seconds ("2.002", "6", "10.")
// into an exact Duration: no float rounding, so durations sum without drift. Digits beyond
// nanoseconds are truncated; values of 10^9 seconds or more, signs and exponents are refused.
func ParseSeconds(s string) (time.Duration, error) {
	if s == "" {
		return 0, errDecimal
	}
	var sec int64
	i := 0
	for ; i < len(s) && s[i] != '.'; i++ {
		c := s[i]
		if c < '0' || c > '9' || i >= 9 {
			return 0, errDecimal
		}
		sec = sec*10 + int64(c-'0')
	}
	d := time.Duration(sec) * time.Second
	if i == len(s) {
		return d, nil
	}
	if i == 0 && len(s) == 1 { // "."
		return 0, errDecimal
	}
	scale := time.Duration(100_000_000)
	for _, c := range []byte(s[i+1:]) {
		if c < '0' || c > '9' {
			return 0, errDecimal
		}
		d += time.Duration(c-'0') * scale
		scale /= 10
	}
	return d, nil
}

// AppendSeconds appends d as decimal seconds with 3 to 6 fractional digits: milliseconds when
// that is exact ("2.000", "1.967"), microseconds otherwise ("2.005333"); nanoseconds are rounded
// to the nearest microsecond. Negative durations are written as 0.
func AppendSeconds(b []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	us := (int64(d) + 500) / 1000
	b = strconv.AppendInt(b, us/1_000_000, 10)
	frac := us % 1_000_000
	b = append(b, '.')
	if frac%1000 == 0 {
		return appendPadded(b, frac/1000, 3)
	}
	return appendPadded(b, frac, 6)
}

// appendPadded appends v (< 10^width) left-padded with zeros to width digits.
func appendPadded(b []byte, v int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for ; width > 0; width-- {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[i:]...)
}

// parseUint parses a decimal-integer (RFC 8216: 0 to 2^64-1).
func parseUint(s string) (uint64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
