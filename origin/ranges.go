package origin

import (
	"errors"
	"strconv"
	"strings"
)

// byteRange is a satisfiable byte range of a file: bytes start to start+length-1.
type byteRange struct {
	start, length int64
}

var (
	// errUnsatisfiable: a syntactically valid range that lies beyond the end of the file (416).
	errUnsatisfiable = errors.New("range not satisfiable")
	// errIgnoreRange: a Range header to ignore (malformed, another unit, several ranges): the
	// whole file is sent with 200, as RFC 9110 §14.2 allows.
	errIgnoreRange = errors.New("range ignored")
)

// parseRange reads a Range header against a file of size bytes (RFC 9110 §14.1.2). It serves
// one range ("bytes=0-499", "bytes=500-", "bytes=-500"); a request for several ranges gets the
// whole file, which players never ask for and multipart bodies would only complicate.
func parseRange(h string, size int64) (byteRange, error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return byteRange{}, errIgnoreRange
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return byteRange{}, errIgnoreRange
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" { // suffix: the last N bytes
		n, err := parseOffset(last)
		if err != nil {
			return byteRange{}, errIgnoreRange
		}
		if n == 0 || size == 0 {
			return byteRange{}, errUnsatisfiable
		}
		n = min(n, size)
		return byteRange{start: size - n, length: n}, nil
	}
	start, err := parseOffset(first)
	if err != nil {
		return byteRange{}, errIgnoreRange
	}
	end := size - 1
	if last != "" {
		e, err := parseOffset(last)
		if err != nil || e < start {
			return byteRange{}, errIgnoreRange
		}
		end = min(e, size-1)
	}
	if start >= size {
		return byteRange{}, errUnsatisfiable
	}
	return byteRange{start: start, length: end - start + 1}, nil
}

func parseOffset(s string) (int64, error) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, errIgnoreRange
	}
	return strconv.ParseInt(s, 10, 64)
}
