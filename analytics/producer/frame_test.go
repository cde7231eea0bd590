package producer

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// testSegment returns a segment of n frames and the offset where each starts.
func testSegment(n int) (data []byte, starts []int) {
	for i := range n {
		starts = append(starts, len(data))
		fam := events.Families[i%len(events.Families)]
		key := []byte(fmt.Sprintf("key-%d", i%7))
		if i%5 == 0 {
			key = nil
		}
		val := []byte(fmt.Sprintf(`{"v":1,"type":"t","id":"%032d","n":%d}`, i, i))
		data = appendFrame(data, int64(1_700_000_000_000+i), fam, key, val)
	}
	return data, starts
}

func readAll(data []byte) (frames []frame, r segmentReader) {
	r = segmentReader{data: data}
	for f, ok := r.next(); ok; f, ok = r.next() {
		frames = append(frames, f)
	}
	return frames, r
}

func TestFrameRoundTrip(t *testing.T) {
	data, _ := testSegment(50)
	frames, r := readAll(data)
	if len(frames) != 50 || r.damaged != 0 || r.skipped != 0 {
		t.Fatalf("read %d frames, %d damaged regions, %d skipped bytes; want 50, 0, 0", len(frames), r.damaged, r.skipped)
	}
	for i, f := range frames {
		want := fmt.Sprintf(`"n":%d}`, i)
		if f.at != int64(1_700_000_000_000+i) || f.family != events.Families[i%len(events.Families)] || !bytes.HasSuffix(f.value, []byte(want)) {
			t.Fatalf("frame %d = %+v", i, f)
		}
		if (i%5 == 0) != (len(f.key) == 0) {
			t.Fatalf("frame %d key %q", i, f.key)
		}
	}
	if got := frameSize(frames[3].family, frames[3].key, frames[3].value); got != len(appendFrame(nil, 0, frames[3].family, frames[3].key, frames[3].value)) {
		t.Fatalf("frameSize = %d, encoding is longer or shorter", got)
	}
}

// Damage costs the records it touches and no more, and is always reported.
func TestReaderSkipsDamage(t *testing.T) {
	const n = 20
	clean, starts := testSegment(n)
	end := func(i int) int {
		if i+1 < len(starts) {
			return starts[i+1]
		}
		return len(clean)
	}
	cases := []struct {
		name    string
		damage  func(b []byte) []byte
		intact  int
		damaged int
	}{
		{"bit flipped in a value", func(b []byte) []byte { b[end(4)-2] ^= 1; return b }, n - 1, 1},
		{"bit flipped in a length", func(b []byte) []byte { b[starts[7]+3] ^= 0x10; return b }, n - 1, 1},
		{"bit flipped in a checksum", func(b []byte) []byte { b[starts[7]+8] ^= 0x80; return b }, n - 1, 1},
		{"magic overwritten", func(b []byte) []byte { b[starts[9]] = 0; return b }, n - 1, 1},
		{"two frames zeroed (lost page)", func(b []byte) []byte { clear(b[starts[3]:end(4)]); return b }, n - 2, 1},
		{"torn tail", func(b []byte) []byte { return b[:starts[n-1]+12] }, n - 1, 1},
		{"garbage before the first frame", func(b []byte) []byte { return append([]byte("\xc1\xfe\x00garbage"), b...) }, n, 1},
		{"two damaged places", func(b []byte) []byte { b[end(2)-1] ^= 4; b[end(12)-1] ^= 4; return b }, n - 2, 2},
		{"everything but the magic zeroed", func(b []byte) []byte {
			for i := range b {
				if b[i] != frameMagic0 {
					b[i] = 0
				}
			}
			return b
		}, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := c.damage(bytes.Clone(clean))
			frames, r := readAll(data)
			if len(frames) != c.intact || r.damaged != c.damaged {
				t.Fatalf("read %d intact frames in %d damaged regions, want %d in %d", len(frames), r.damaged, c.intact, c.damaged)
			}
		})
	}
}

// FuzzSegmentReader feeds arbitrary bytes to the spool's segment reader: it must never panic,
// must account for every byte (as an intact frame or as skipped damage), and every frame it
// returns must be exactly the bytes it was read from.
func FuzzSegmentReader(f *testing.F) {
	clean, starts := testSegment(6)
	f.Add(clean)
	f.Add(clean[:len(clean)-5])
	flipped := bytes.Clone(clean)
	flipped[starts[2]+4] ^= 0x40
	f.Add(flipped)
	f.Add([]byte{frameMagic0, frameMagic1, 0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := segmentReader{data: data}
		covered := 0
		for fr, ok := r.next(); ok; fr, ok = r.next() {
			raw := data[r.frameAt:r.off]
			covered += len(raw)
			if again := appendFrame(nil, fr.at, fr.family, fr.key, fr.value); !bytes.Equal(again, raw) {
				t.Fatalf("frame at %d does not re-encode to its bytes", r.frameAt)
			}
		}
		if covered+r.skipped != len(data) {
			t.Fatalf("%d bytes in frames + %d skipped != %d bytes of input", covered, r.skipped, len(data))
		}
		if (r.damaged == 0) != (r.skipped == 0) {
			t.Fatalf("%d damaged regions but %d skipped bytes", r.damaged, r.skipped)
		}
	})
}
