package origin

import (
	"strings"
	"testing"
)

// FuzzParseRange: no header panics; an accepted range lies inside the file.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-499", "bytes=500-", "bytes=-500", "bytes=0-1,5-9", "bytes=9-1", "bytes=-0", "pages=1-2", "bytes= 1 - 2 "} {
		f.Add(s, int64(1000))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			return
		}
		r, err := parseRange(h, size)
		if err != nil {
			return
		}
		if r.start < 0 || r.length <= 0 || r.start+r.length > size {
			t.Fatalf("parseRange(%q, %d) = %+v", h, size, r)
		}
	})
}

// FuzzCleanPath: an accepted path has no element that could climb out of a root or reach a
// hidden file.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"demo/master.m3u8", "../etc/passwd", "a/./b", "a//b", ".hidden", "a\\..\\b", "/abs", "a/b/.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c, ok := cleanPath(p)
		if !ok {
			return
		}
		if strings.HasPrefix(c, "/") || strings.ContainsAny(c, "\\\x00") {
			t.Fatalf("cleanPath(%q) = %q", p, c)
		}
		for _, el := range strings.Split(c, "/") {
			if el == "" || el == "." || el == ".." || strings.HasPrefix(el, ".") {
				t.Fatalf("cleanPath(%q) = %q has element %q", p, c, el)
			}
		}
	})
}
