package scte35

import (
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/hls-m3u8/m3u8"

	"github.com/cuepoint/cuepoint/origin/hls"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	out := Out(42, 900_000, 30*time.Second)
	b64, err := out.Base64()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b64)
	if err != nil {
		t.Fatal(err)
	}
	if got != out {
		t.Fatalf("decoded %+v, want %+v", got, out)
	}
	in := In(42, 900_000+DurationToTicks(30*time.Second))
	hx, err := in.Hex()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hx, "0xFC") {
		t.Fatalf("hex = %s", hx)
	}
	got, err = Decode(hx)
	if err != nil {
		t.Fatal(err)
	}
	if got != in || got.Out || got.Duration != 0 {
		t.Fatalf("decoded %+v, want %+v", got, in)
	}
}

// Samples from SCTE 35 (2019) §14, as decoded by the reference library's own tests.
func TestDecodeStandardSamples(t *testing.T) {
	ins, err := Decode("/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=")
	if err != nil {
		t.Fatal(err)
	}
	if ins.Command != CommandSpliceInsert || ins.EventID != 0x4800008f || !ins.Out || !ins.HasPTS ||
		ins.PTS != 0x07369c02e || ins.Duration != ticksToDuration(0x00052ccf5) || !ins.AutoReturn || !ins.IsBreak() {
		t.Fatalf("splice_insert = %+v", ins)
	}
	ts, err := Decode("/DA0AAAAAAAA///wBQb+cr0AUAAeAhxDVUVJSAAAjn/PAAGlmbAICAAAAAAsoKGKNAIAmsnRfg==")
	if err != nil {
		t.Fatal(err)
	}
	if ts.Command != CommandTimeSignal || ts.EventID != 0x4800008e || !ts.Out || ts.PTS != 0x072bd0050 ||
		ts.SegmentationType != 0x34 || ts.Duration != ticksToDuration(0x0001a599b0) || !ts.IsBreak() {
		t.Fatalf("time_signal = %+v", ts)
	}
	end, err := Decode("/DAvAAAAAAAA///wBQb+dGKQoAAZAhdDVUVJSAAAjn+fCAgAAAAALKChijUCAKnMZ1g=")
	if err != nil {
		t.Fatal(err)
	}
	if end.Out || end.SegmentationType != 0x35 || !end.IsBreak() {
		t.Fatalf("placement opportunity end = %+v", end)
	}
}

func TestDecodeRefusesGarbage(t *testing.T) {
	for _, in := range []string{"", "!!", "0xZZ", "AAAA", "0xFC", "/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbows="} {
		if c, err := Decode(in); err == nil {
			t.Errorf("Decode(%q) = %+v, want an error", in, c)
		}
	}
}

func testBreak() Break {
	return Break{EventID: 7, Start: time.Date(2025, 1, 1, 0, 2, 0, 0, time.UTC), Duration: 30 * time.Second, PTS: 10_800_000}
}

// Every rendered tag reads back as the marker it means, with a payload that decodes to the
// break's cue.
func TestRenderThenParse(t *testing.T) {
	b := testBreak()
	for _, f := range Formats {
		t.Run(f.String(), func(t *testing.T) {
			s, err := Render(f, b)
			if err != nil {
				t.Fatal(err)
			}
			out := parseAll(t, s.Out)
			last := out[len(out)-1]
			if last.Kind != MarkerOut || last.Duration != 30*time.Second {
				t.Fatalf("out markers = %+v", out)
			}
			payload := ""
			for _, m := range out {
				if m.Payload != "" {
					payload = m.Payload
				}
			}
			if f != FormatCueOut {
				c, err := Decode(payload)
				if err != nil || c != b.OutCue() {
					t.Fatalf("out payload %q → %+v, %v", payload, c, err)
				}
			}
			cont := s.Cont(4 * time.Second)
			if f == FormatDateRange {
				if len(cont) != 0 {
					t.Fatalf("DATERANGE has no CONT tags, got %+v", cont)
				}
			} else {
				m := parseAll(t, cont)[0]
				if m.Kind != MarkerCont || m.Elapsed != 4*time.Second || m.Duration != 30*time.Second {
					t.Fatalf("cont marker = %+v", m)
				}
				if c, err := m.Cue(); err != nil || c != b.OutCue() {
					t.Fatalf("cont payload → %+v, %v", c, err)
				}
			}
			in := parseAll(t, s.In)
			if in[0].Kind != MarkerIn {
				t.Fatalf("in markers = %+v", in)
			}
			if f == FormatDateRange {
				if in[0].ID != out[0].ID || !in[0].Start.Equal(b.Start) || in[0].Duration != b.Duration {
					t.Fatalf("DATERANGE in %+v does not match out %+v", in[0], out[0])
				}
				if c, err := in[0].Cue(); err != nil || c != b.InCue() {
					t.Fatalf("in payload → %+v, %v", c, err)
				}
			}
		})
	}
}

func parseAll(t *testing.T, tags []hls.Tag) []Marker {
	t.Helper()
	var ms []Marker
	for _, tg := range tags {
		m, ok, err := ParseMarker(tg)
		if err != nil || !ok {
			t.Fatalf("ParseMarker(%q) = %v, %v", tg.Line, ok, err)
		}
		ms = append(ms, m)
	}
	return ms
}

// The rendered formats survive the independent Eyevinn/hls-m3u8 parser with their meaning.
func TestEyevinnReadsRenderedFormats(t *testing.T) {
	b := testBreak()
	for _, f := range Formats {
		t.Run(f.String(), func(t *testing.T) {
			s, err := Render(f, b)
			if err != nil {
				t.Fatal(err)
			}
			p := &hls.MediaPlaylist{Version: 3, TargetDuration: 2, MediaSequence: 60}
			for i := 0; i < 18; i++ {
				seg := hls.Segment{URI: "s.ts", Duration: 2 * time.Second, ProgramDateTime: b.Start.Add(time.Duration(i-1) * 2 * time.Second)}
				switch {
				case i == 1:
					seg.Tags = s.Out
				case i > 1 && i < 16:
					seg.Tags = s.Cont(time.Duration(i-1) * 2 * time.Second)
				case i == 16:
					seg.Tags = s.In
				}
				p.Segments = append(p.Segments, seg)
			}
			pl, _, err := m3u8.DecodeFrom(strings.NewReader(p.String()), true)
			if err != nil {
				t.Fatal(err)
			}
			mp := pl.(*m3u8.MediaPlaylist)
			segs := mp.GetAllSegments()
			switch f {
			case FormatDateRange:
				if len(segs[1].SCTE35DateRanges) != 1 || segs[1].SCTE35DateRanges[0].SCTE35Out == "" ||
					len(segs[16].SCTE35DateRanges) != 1 || segs[16].SCTE35DateRanges[0].SCTE35In == "" {
					t.Fatalf("Eyevinn lost a DATERANGE: %+v / %+v", segs[1].SCTE35DateRanges, segs[16].SCTE35DateRanges)
				}
			default:
				if segs[1].SCTE == nil || segs[1].SCTE.CueType != m3u8.SCTE35Cue_Start || segs[1].SCTE.Time != 30 {
					t.Fatalf("segment 1 SCTE = %+v", segs[1].SCTE)
				}
				if f == FormatOATCLS && segs[1].SCTE.Cue == "" {
					t.Fatal("Eyevinn lost the OATCLS payload")
				}
				if segs[5].SCTE == nil || segs[5].SCTE.CueType != m3u8.SCTE35Cue_Mid || segs[5].SCTE.Elapsed != 8 {
					t.Fatalf("segment 5 SCTE = %+v", segs[5].SCTE)
				}
				if segs[16].SCTE == nil || segs[16].SCTE.CueType != m3u8.SCTE35Cue_End {
					t.Fatalf("segment 16 SCTE = %+v", segs[16].SCTE)
				}
			}
		})
	}
}

func TestParseMarkerVariants(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Marker
	}{
		{"#EXT-X-CUE-OUT:DURATION=60,SCTE35=/DAl", Marker{Kind: MarkerOut, Format: FormatCueOut, Duration: time.Minute, Payload: "/DAl"}},
		{"#EXT-X-CUE-OUT", Marker{Kind: MarkerOut, Format: FormatCueOut}},
		{"#EXT-X-CUE-OUT-CONT:10.5/30", Marker{Kind: MarkerCont, Format: FormatCueOut, Elapsed: 10500 * time.Millisecond, Duration: 30 * time.Second}},
		{"#EXT-X-CUE-IN", Marker{Kind: MarkerIn, Format: FormatCueOut}},
	} {
		m, ok, err := ParseMarker(hlsTag(tc.line))
		if err != nil || !ok || m != tc.want {
			t.Errorf("ParseMarker(%q) = %+v %v %v, want %+v", tc.line, m, ok, err, tc.want)
		}
	}
	if _, ok, _ := ParseMarker(hlsTag(`#EXT-X-DATERANGE:ID="ad",START-DATE="2025-01-01T00:00:00Z",CLASS="x"`)); ok {
		t.Fatal("a DATERANGE without SCTE35 attributes is not an ad marker")
	}
	if _, ok, _ := ParseMarker(hlsTag("#EXT-X-MAP:URI=\"i.mp4\"")); ok {
		t.Fatal("EXT-X-MAP is not an ad marker")
	}
	if _, _, err := ParseMarker(hlsTag("#EXT-X-CUE-OUT:soon")); err == nil {
		t.Fatal("a bad duration was accepted")
	}
	m, ok, err := ParseMarker(hlsTag(`#EXT-SCTE35:CUE="/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=",ID="1"`))
	if err != nil || !ok || m.Kind != MarkerOut || m.Format != FormatSCTE67 {
		t.Fatalf("EXT-SCTE35 → %+v %v %v", m, ok, err)
	}
}

func hlsTag(line string) hls.Tag {
	sc := hls.NewScanner(line)
	sc.Scan()
	return sc.Tag()
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if g, err := ParseFormat(f.String()); err != nil || g != f {
			t.Fatalf("ParseFormat(%q) = %v, %v", f.String(), g, err)
		}
	}
	if _, err := ParseFormat("scte67"); err == nil {
		t.Fatal("scte67 is read-only")
	}
}
