package hls

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func addTestdataSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.m3u8"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzParseMedia: no input panics; whatever parses is written to text that parses to the same
// playlist, and writing is a fixed point after one round.
func FuzzParseMedia(f *testing.F) {
	addTestdataSeeds(f)
	f.Add("#EXTM3U\n#EXTINF:2,\na.ts\n#EXT-X-DISCONTINUITY\n")
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParseMediaString(in)
		if err != nil {
			return
		}
		_ = p.Validate()
		out := p.String()
		q, err := ParseMediaString(out)
		if err != nil {
			t.Fatalf("our output does not parse: %v\n%s", err, out)
		}
		if len(q.Segments) != len(p.Segments) || q.MediaSequence != p.MediaSequence ||
			q.DiscontinuitySequence != p.DiscontinuitySequence || q.TargetDuration != p.TargetDuration ||
			q.EndList != p.EndList || len(q.Trailer) != len(p.Trailer) || len(q.Header) != len(p.Header) {
			t.Fatalf("re-parse differs:\n%s", out)
		}
		for i := range p.Segments {
			a, b := &p.Segments[i], &q.Segments[i]
			if a.URI != b.URI || a.Duration != b.Duration || a.Discontinuity != b.Discontinuity ||
				!a.ProgramDateTime.Equal(b.ProgramDateTime) || len(a.Tags) != len(b.Tags) {
				t.Fatalf("segment %d differs: %+v vs %+v", i, a, b)
			}
		}
		if again := q.String(); again != out {
			t.Fatalf("writing is not a fixed point:\n%s\nthen\n%s", out, again)
		}
	})
}

// FuzzParseMaster: no input panics; output re-parses to the same variants and renditions.
func FuzzParseMaster(f *testing.F) {
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParseMasterString(in)
		if err != nil {
			return
		}
		out := p.String()
		q, err := ParseMasterString(out)
		if err != nil {
			t.Fatalf("our output does not parse: %v\n%s", err, out)
		}
		if len(q.Variants) != len(p.Variants) || len(q.Renditions) != len(p.Renditions) {
			t.Fatalf("re-parse differs:\n%s", out)
		}
		for i, v := range p.Variants {
			if q.Variants[i].URI != v.URI || q.Variants[i].Attrs != v.Attrs {
				t.Fatalf("variant %d differs", i)
			}
			_, _ = v.Resolution()
			_ = v.Bandwidth()
		}
		if q.String() != out {
			t.Fatal("writing is not a fixed point")
		}
	})
}

// FuzzAttrList: reading never panics, and Set makes the value readable.
func FuzzAttrList(f *testing.F) {
	f.Add(`ID="a,b",START-DATE="2025-01-01T00:00:00Z",SCTE35-OUT=0xFC30`, "ID", `"x"`)
	f.Add(`ElapsedTime=2.0,Duration=30,SCTE35=/DAl+==`, "SCTE35", "AA==")
	f.Add(`A="open`, "B", "1")
	f.Fuzz(func(t *testing.T, list, name, value string) {
		a := AttrList(list)
		valid := a.Validate() == nil
		for n, v := range a.All() {
			_, _ = n, v
		}
		_, _ = a.Get(name)
		_, _ = a.Int(name)
		_, _ = a.Float(name)
		_, _, _ = a.Resolution(name)
		okName := name != "" && onlyBytes(name, func(c byte) bool {
			return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
		})
		okValue := value != "" && onlyBytes(value, func(c byte) bool { return c > ' ' && c < 0x7f && c != ',' && c != '"' })
		if !valid || !okName || !okValue {
			return
		}
		b := a.Set(name, value)
		if got, ok := b.Raw(name); !ok || got != value {
			t.Fatalf("Set(%q, %q) on %q gave %q; Raw = %q", name, value, list, b, got)
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("Set produced an invalid list %q: %v", b, err)
		}
	})
}

func onlyBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// FuzzParseDateTime: never panics; what parses is written back to the same instant (to the
// microsecond, AppendDateTime's precision).
func FuzzParseDateTime(f *testing.F) {
	f.Add("2025-01-01T00:00:02.000Z")
	f.Add("2026-11-22T10:05:33.882+0000")
	f.Add("2024-02-29T23:59:60.5-11:30")
	f.Fuzz(func(t *testing.T, in string) {
		v, err := ParseDateTime(in)
		if err != nil {
			return
		}
		back, err := ParseDateTime(string(AppendDateTime(nil, v)))
		if err != nil {
			t.Fatalf("%q → %v → does not parse: %v", in, v, err)
		}
		if d := back.Sub(v); d > time.Microsecond || d < -time.Microsecond {
			t.Fatalf("%q → %v → %v", in, v, back)
		}
	})
}

// FuzzParseSeconds: never panics; what parses is written back to the same microsecond.
func FuzzParseSeconds(f *testing.F) {
	f.Add("2.000000")
	f.Add("0.021333")
	f.Add("999999999.999999999")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseSeconds(in)
		if err != nil || d >= 999_999_999*time.Second {
			return // rounding to microseconds may carry past the largest accepted value
		}
		back, err := ParseSeconds(string(AppendSeconds(nil, d)))
		if err != nil || back != d.Round(time.Microsecond) {
			t.Fatalf("%q → %v → %v (%v)", in, d, back, err)
		}
	})
}
