package loadtest

import (
	"bytes"
	"testing"
)

// FuzzPlaylistParsing feeds arbitrary playlists (outside input: whatever the SSAI service or a
// CDN returns) to the session player's line parser. It must never panic, and what it extracts
// must be a trimmed piece of one line of the input (a lone CR is not a line end in HLS).
func FuzzPlaylistParsing(f *testing.F) {
	f.Add([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nv/media.m3u8\n"))
	f.Add([]byte("#EXTM3U\r\n#EXT-X-MAP:URI=\"init.mp4\"\r\n#EXTINF:6,\r\nseg0.m4s\r\n"))
	f.Add([]byte("#EXT-X-MAP:URI=\"unterminated\n#EXT-X-STREAM-INF:\n\n"))
	f.Fuzz(func(t *testing.T, pl []byte) {
		if v, media := firstVariant(pl); v != nil {
			if media || len(v) == 0 || v[0] == '#' || bytes.IndexByte(v, '\n') >= 0 || !bytes.Equal(v, bytes.TrimSpace(v)) || !bytes.Contains(pl, v) {
				t.Fatalf("variant %q from %q", v, pl)
			}
		}
		for rest := pl; len(rest) > 0; {
			var line []byte
			line, rest = nextLine(rest)
			if bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("line %q spans lines", line)
			}
			if u := attrURI(line); u != nil && bytes.IndexByte(u, '"') >= 0 {
				t.Fatalf("URI %q holds a quote", u)
			}
		}
	})
}
