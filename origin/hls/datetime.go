package hls

import (
	"errors"
	"time"
)

var errDateTime = errors.New("not an ISO 8601 date-time with time zone (2006-01-02T15:04:05.000Z)")

// ParseDateTime parses an EXT-X-PROGRAM-DATE-TIME or DATERANGE date: an ISO 8601 date-time
// with a time zone ("2025-01-01T00:00:02.000Z", "...+01:00", "...+0100"), with any number of
// fractional second digits (nanoseconds kept), in years 1900 to 9999 (so that the zero
// time.Time keeps meaning "absent"). It returns UTC and does not allocate.
func ParseDateTime(s string) (time.Time, error) {
	// YYYY-MM-DDTHH:MM:SS is 19 bytes.
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, errDateTime
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || year < 1 || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, errDateTime
	}
	rest := s[19:]
	nsec := 0
	if rest != "" && rest[0] == '.' {
		i := 1
		scale := 100_000_000
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return time.Time{}, errDateTime
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "Z" || rest == "z":
	case len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-'):
		hh, okH := digits(rest[1:3])
		mm, okM := 0, true
		switch len(rest) {
		case 3:
		case 5:
			mm, okM = digits(rest[3:5])
		case 6:
			if rest[3] != ':' {
				return time.Time{}, errDateTime
			}
			mm, okM = digits(rest[4:6])
		default:
			return time.Time{}, errDateTime
		}
		if !okH || !okM || hh > 23 || mm > 59 {
			return time.Time{}, errDateTime
		}
		offset = hh*3600 + mm*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, errDateTime
	}
	unix := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec) - int64(offset)
	if unix < minUnix || unix > maxUnix { // outside years 1900 to 9999 (after the offset)
		return time.Time{}, errDateTime
	}
	return time.Unix(unix, int64(nsec)).UTC(), nil
}

// AppendDateTime appends t in UTC as 2006-01-02T15:04:05.000Z, with microseconds when t is not
// a whole millisecond.
func AppendDateTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	hour, minute, sec := t.Clock()
	b = appendPadded(b, int64(year), 4)
	b = append(b, '-')
	b = appendPadded(b, int64(month), 2)
	b = append(b, '-')
	b = appendPadded(b, int64(day), 2)
	b = append(b, 'T')
	b = appendPadded(b, int64(hour), 2)
	b = append(b, ':')
	b = appendPadded(b, int64(minute), 2)
	b = append(b, ':')
	b = appendPadded(b, int64(sec), 2)
	b = append(b, '.')
	us := int64(t.Nanosecond()) / 1000
	if us%1000 == 0 {
		b = appendPadded(b, us/1000, 3)
	} else {
		b = appendPadded(b, us, 6)
	}
	return append(b, 'Z')
}

var (
	minUnix = daysFromCivil(1900, 1, 1) * 86400
	maxUnix = daysFromCivil(9999, 12, 31)*86400 + 86399
)

func digits(s string) (int, bool) {
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date
// (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
