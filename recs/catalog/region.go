package catalog

import "fmt"

// Region is an ISO 3166-1 alpha-2 country code packed into two bytes ("US" is 'U'<<8|'S'),
// so rights checks compare integers. The zero Region means "unknown": a viewer whose country
// is unknown sees only titles licensed everywhere.
type Region uint16

// AnyRegion matches every title's license: for offline evaluation and tools, never for a
// viewer.
const AnyRegion Region = 0xffff

// ParseRegion reads a two-letter country code; lower case is accepted.
func ParseRegion(s string) (Region, error) {
	if len(s) != 2 {
		return 0, fmt.Errorf("region %q: want a two-letter ISO 3166-1 code", s)
	}
	a, b := upper(s[0]), upper(s[1])
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return 0, fmt.Errorf("region %q: want a two-letter ISO 3166-1 code", s)
	}
	return Region(uint16(a)<<8 | uint16(b)), nil
}

// MustRegion is ParseRegion for constants; it panics on a bad code.
func MustRegion(s string) Region {
	r, err := ParseRegion(s)
	if err != nil {
		panic(err)
	}
	return r
}

// String returns the two-letter code, or "" for the zero Region.
func (r Region) String() string {
	switch r {
	case 0:
		return ""
	case AnyRegion:
		return "*"
	}
	return string([]byte{byte(r >> 8), byte(r)})
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
