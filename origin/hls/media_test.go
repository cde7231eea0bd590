package hls

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every sample playlist is written back byte for byte: owned values that did not change keep
// their text, and other tags keep their place.
func TestMediaRoundTripIsByteExact(t *testing.T) {
	for _, name := range []string{"vod_ffmpeg_ts.m3u8", "vod_ffmpeg_fmp4_pdt.m3u8", "live_cueout.m3u8",
		"live_daterange_dangling.m3u8", "live_oatcls.m3u8"} {
		t.Run(name, func(t *testing.T) {
			in := readTestdata(t, name)
			p, err := ParseMediaString(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != in {
				t.Fatalf("round trip differs:\n--- got\n%s--- want\n%s", got, in)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestParseMediaFields(t *testing.T) {
	p, err := ParseMediaString(readTestdata(t, "live_oatcls.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 3 || p.TargetDuration != 4 || p.MediaSequence != 7 || p.DiscontinuitySequence != 0 ||
		p.Type != PlaylistLive || p.EndList {
		t.Fatalf("header = %+v", p)
	}
	if len(p.Segments) != 4 {
		t.Fatalf("%d segments, want 4", len(p.Segments))
	}
	s0 := p.Segments[0]
	if s0.URI != "seg7.ts" || s0.Duration != 4004*time.Millisecond ||
		!s0.ProgramDateTime.Equal(time.Date(2025, 1, 1, 0, 0, 28, 0, time.UTC)) {
		t.Fatalf("segment 0 = %+v", s0)
	}
	if len(s0.Tags) != 1 || s0.Tags[0].Kind != TagComment {
		t.Fatalf("segment 0 tags = %+v", s0.Tags)
	}
	kinds := func(s Segment) []TagKind {
		var k []TagKind
		for _, t := range s.Tags {
			k = append(k, t.Kind)
		}
		return k
	}
	if got := kinds(p.Segments[1]); !equalKinds(got, TagOATCLS, TagAsset, TagCueOut) {
		t.Fatalf("segment 1 kinds = %v", got)
	}
	s2 := p.Segments[2]
	if s2.Title != "Ad pod, slot 1" || !equalKinds(kinds(s2), TagCueOutCont, TagKey, TagByteRange) {
		t.Fatalf("segment 2 = %+v", s2)
	}
	if v, _ := s2.Tags[0].Attrs().Raw("SCTE35"); !strings.HasSuffix(v, "nJjWJw==") {
		t.Fatalf("SCTE35 attribute = %q", v)
	}
	if got := kinds(p.Segments[3]); !equalKinds(got, TagCueIn, TagUnknown) {
		t.Fatalf("segment 3 kinds = %v", got)
	}
	if d := p.Duration(); d != 4004*3*time.Millisecond+3970*time.Millisecond {
		t.Fatalf("Duration = %s", d)
	}
}

func equalKinds(got []TagKind, want ...TagKind) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// A DATERANGE that arrived before its first segment is a normal live state: it is kept in
// Trailer and written back after the last segment.
func TestDanglingDateRangeIsKept(t *testing.T) {
	p, err := ParseMediaString(readTestdata(t, "live_daterange_dangling.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Trailer) != 1 || p.Trailer[0].Kind != TagDateRange || !DateRangeIsSCTE35(p.Trailer[0]) {
		t.Fatalf("Trailer = %+v", p.Trailer)
	}
	if id, _ := p.Trailer[0].Attrs().Get("ID"); id != "splice-7" {
		t.Fatalf("ID = %q", id)
	}
	if !p.Segments[2].Discontinuity || p.DiscontinuitySequence != 3 {
		t.Fatal("discontinuity lost")
	}
}

// Changed values are formatted; untouched neighbours keep their text.
func TestModifiedSegmentsAreFormatted(t *testing.T) {
	p, err := ParseMediaString(readTestdata(t, "vod_ffmpeg_fmp4_pdt.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	p.Segments[1].Duration = 1966667 * time.Microsecond
	p.Segments[1].ProgramDateTime = time.Date(2030, 2, 3, 4, 5, 6, 7e6, time.UTC)
	p.Segments[2].Discontinuity = true
	p.Segments = append(p.Segments, Segment{URI: "ad/0.m4s", Duration: 2 * time.Second,
		Tags: []Tag{NewTag("EXT-X-MAP", `URI="ad/init.mp4"`)}, Discontinuity: true})
	out := p.String()
	for _, want := range []string{
		"#EXTINF:1.966667,\n#EXT-X-PROGRAM-DATE-TIME:2030-02-03T04:05:06.007Z\nseg_00001.m4s\n",
		"#EXT-X-DISCONTINUITY\n#EXTINF:2.000000,\n#EXT-X-PROGRAM-DATE-TIME:2026-11-22T10:05:37.882+0000\nseg_00002.m4s\n",
		"seg_00003.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"ad/init.mp4\"\n#EXTINF:2.000,\nad/0.m4s\n#EXT-X-ENDLIST\n",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	again, err := ParseMediaString(out)
	if err != nil {
		t.Fatal(err)
	}
	if again.String() != out {
		t.Fatal("written playlist is not a fixed point")
	}
}

// Appending a tag to a parsed segment puts it before that segment's EXTINF, where tags belong.
func TestAppendedTagPrecedesInf(t *testing.T) {
	p, err := ParseMediaString("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-ENDLIST\n")
	if err != nil {
		t.Fatal(err)
	}
	p.Segments[0].Tags = append(p.Segments[0].Tags, NewTag("EXT-X-CUE-IN", ""))
	want := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-CUE-IN\n#EXTINF:2.0,\na.ts\n#EXT-X-ENDLIST\n"
	if got := p.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseMediaTolerance(t *testing.T) {
	in := "\ufeff#EXTM3U\r\n#EXT-X-TARGETDURATION:6 \r\n\r\n#EXTINF:5.5\r\n  a.ts\r\n#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY\n#EXTINF:6,\nb.ts"
	p, err := ParseMediaString(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Segments) != 2 || p.Segments[0].URI != "a.ts" || p.Segments[0].Duration != 5500*time.Millisecond {
		t.Fatalf("segments = %+v", p.Segments)
	}
	// The repeated DISCONTINUITY is kept verbatim rather than dropped.
	if !p.Segments[1].Discontinuity || len(p.Segments[1].Tags) != 1 || p.Segments[1].Tags[0].Kind != TagDiscontinuity {
		t.Fatalf("segment 1 = %+v", p.Segments[1])
	}
}

func TestParseMediaErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", ErrNoHeader},
		{"#EXTINF:2,\na.ts\n", ErrNoHeader},
		{"#EXTM3U\na.ts\n", ErrURIWithoutInf},
		{"#EXTM3U\n#EXTINF:2,\n", ErrInfWithoutURI},
		{"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", ErrNotMedia},
		{"#EXTM3U\n#EXTINF:-2,\na.ts\n", errDecimal},
		{"#EXTM3U\n#EXTINF:1e3,\na.ts\n", errDecimal},
		{"#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:2,\na.ts\n", errDateTime},
		{"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-1\n", nil},
		{"#EXTM3U\n#EXT-X-TARGETDURATION:99999999999\n", nil},
		{"#EXTM3U\n#EXT-X-PLAYLIST-TYPE:LIVE\n", nil},
		{"#EXTM3U\n#EXT-X-VERSION:0\n", nil},
		{"#EXTM3U\n#EXTINF:2,\n#EXTINF:2,\na.ts\n", nil},
	} {
		_, err := ParseMediaString(tc.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: err = %v, want a *ParseError", tc.in, err)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%q: err = %v, want %v", tc.in, err, tc.want)
		}
	}
}

func TestTrailingOwnedLinesBecomeTrailer(t *testing.T) {
	in := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-CUE-OUT:30\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:00:00Z\n"
	p, err := ParseMediaString(in)
	if err != nil {
		t.Fatal(err)
	}
	if !equalKinds([]TagKind{p.Trailer[0].Kind, p.Trailer[1].Kind, p.Trailer[2].Kind}, TagCueOut, TagDiscontinuity, TagProgramDateTime) {
		t.Fatalf("Trailer = %+v", p.Trailer)
	}
}

func TestDecodeReusesMemory(t *testing.T) {
	in := readTestdata(t, "live_cueout.m3u8")
	var p MediaPlaylist
	if err := p.Decode(in); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		if err := p.Decode(in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Decode into a used playlist allocated %.0f times", allocs)
	}
	buf := make([]byte, 0, 4096)
	if a := testing.AllocsPerRun(50, func() { buf = p.AppendTo(buf[:0]) }); a != 0 {
		t.Fatalf("AppendTo allocated %.0f times", a)
	}
}

func TestValidate(t *testing.T) {
	p := &MediaPlaylist{TargetDuration: 2, Version: 3, Segments: []Segment{
		{URI: "a.ts", Duration: 2499 * time.Millisecond},
		{URI: "b.ts", Duration: 2500 * time.Millisecond, Tags: []Tag{NewTag("EXT-X-MAP", `URI="i.mp4"`)}},
		{Duration: time.Second},
	}}
	err := p.Validate()
	if err == nil {
		t.Fatal("Validate accepted a broken playlist")
	}
	for _, want := range []string{"segment 1 (b.ts): EXTINF 2.5s rounds to 3 s", "EXT-X-MAP needs EXT-X-VERSION 6", "segment 2: empty URI"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q: %v", want, err)
		}
	}
	if p.MinTargetDuration() != 3 {
		t.Fatalf("MinTargetDuration = %d", p.MinTargetDuration())
	}
}

func TestInEffect(t *testing.T) {
	p, err := ParseMediaString(readTestdata(t, "live_daterange_dangling.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	if tg, ok := p.InEffect(TagMap, 1); !ok || tg.Line != `#EXT-X-MAP:URI="init.mp4"` {
		t.Fatalf("MAP for segment 1 = %+v %v", tg, ok)
	}
	if _, ok := p.InEffect(TagKey, 2); ok {
		t.Fatal("found a key in a playlist without one")
	}
	if _, ok := p.InEffect(TagMap, 99); !ok {
		t.Fatal("an index past the end means the last segment")
	}
}
