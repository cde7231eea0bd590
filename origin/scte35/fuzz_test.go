package scte35

import (
	"testing"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// FuzzDecode: no payload panics, and a decoded splice_insert encodes back to the same cue.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=",
		"/DA0AAAAAAAA///wBQb+cr0AUAAeAhxDVUVJSAAAjn/PAAGlmbAICAAAAAAsoKGKNAIAmsnRfg==",
		"/DARAAAAAAAAAP/wAAAAAHpPv/8=",
		"0xFC302500000000000000FFF01405000000077FEFFE00A4CB80FE00293EEE000700010000C8A5E6D4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Decode(in)
		if err != nil || c.Command != CommandSpliceInsert || c.Cancel {
			return
		}
		b64, err := c.Base64()
		if err != nil {
			return
		}
		back, err := Decode(b64)
		if err != nil {
			t.Fatalf("re-encoded %+v does not decode: %v", c, err)
		}
		// Encode writes program splice mode only; component mode cues lose their components.
		back.SegmentationType, c.SegmentationType = 0, 0
		if c.HasPTS != back.HasPTS && !c.Immediate {
			return
		}
		if back.EventID != c.EventID || back.Out != c.Out || back.Duration != c.Duration {
			t.Fatalf("%+v → %+v", c, back)
		}
	})
}

// FuzzParseMarker: no tag line panics.
func FuzzParseMarker(f *testing.F) {
	for _, s := range []string{
		"#EXT-X-CUE-OUT:30.000",
		"#EXT-X-CUE-OUT:DURATION=30,SCTE35=/DAl",
		"#EXT-X-CUE-OUT-CONT:ElapsedTime=2.000,Duration=30.000,SCTE35=/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=",
		"#EXT-X-CUE-OUT-CONT:10/30",
		"#EXT-X-CUE-IN",
		"#EXT-OATCLS-SCTE35:/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=",
		`#EXT-X-DATERANGE:ID="splice-7",START-DATE="2025-01-01T00:02:00.000Z",PLANNED-DURATION=30.000,SCTE35-OUT=0xFC302500000000000000FFF01405000000077FEFFE00A4CB80FE00293EEE000700010000C8A5E6D4`,
		`#EXT-SCTE35:CUE="/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo="`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		sc := hls.NewScanner(line)
		for sc.Scan() {
			m, ok, err := ParseMarker(sc.Tag())
			if ok && err == nil && m.Payload != "" {
				_, _ = m.Cue()
			}
		}
	})
}
