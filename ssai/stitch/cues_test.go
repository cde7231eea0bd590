package stitch

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

// cuedWindow writes a live window [msn, msn+n) of 2 s segments with a break of count segments
// from first, signalled as the origin signals it in format f (DATERANGE cues arrive early and
// trail the window before their segment is published).
func cuedWindow(t *testing.T, f scte35.Format, msn uint64, n int, first uint64, count int) *hls.MediaPlaylist {
	t.Helper()
	br := scte35.Break{EventID: 42, Start: epoch.Add(time.Duration(first) * 2 * time.Second), Duration: time.Duration(count) * 2 * time.Second, PTS: 90000 * 2 * first}
	sig, err := scte35.Render(f, br)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n")
	b.WriteString("#EXT-X-MEDIA-SEQUENCE:" + itoa(msn) + "\n")
	for i := 0; i < n; i++ {
		seq := msn + uint64(i)
		switch {
		case seq == first:
			writeTags(&b, sig.Out)
		case seq > first && seq < first+uint64(count):
			if f == scte35.FormatDateRange && i == 0 {
				writeTags(&b, sig.Out) // the out point slid out: the DATERANGE stays at the top
			}
			writeTags(&b, sig.Cont(time.Duration(seq-first)*2*time.Second))
		case seq == first+uint64(count):
			writeTags(&b, sig.In)
		}
		b.WriteString("#EXT-X-PROGRAM-DATE-TIME:" + string(hls.AppendDateTime(nil, epoch.Add(time.Duration(seq)*2*time.Second))) + "\n")
		b.WriteString("#EXTINF:2.000,\nseg_" + itoa(seq) + ".ts\n")
	}
	if end := msn + uint64(n); f == scte35.FormatDateRange && end <= first && end+4 > first {
		writeTags(&b, sig.Out) // 8 s of lead
	}
	return mustParse(t, b.String())
}

func writeTags(b *strings.Builder, tags []hls.Tag) {
	for _, t := range tags {
		b.WriteString(t.Line + "\n")
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// TestSpansAllFormats reads the same break in every format, from windows before it (the cue at
// the live edge), across its out point, inside it and across its in point.
func TestSpansAllFormats(t *testing.T) {
	const first, count = 50, 15
	for _, f := range scte35.Formats {
		for _, msn := range []uint64{38, 42, 45, 55, 60} {
			p := cuedWindow(t, f, msn, 10, first, count)
			spans := Spans(nil, p)
			cueVisible := msn+10 > first || (f == scte35.FormatDateRange && msn+10+4 > first)
			if !cueVisible {
				if len(spans) != 0 {
					t.Errorf("%v window %d: spans %+v before the cue", f, msn, spans)
				}
				continue
			}
			if len(spans) != 1 {
				t.Fatalf("%v window %d: %d spans %+v, want 1", f, msn, len(spans), spans)
			}
			sp := spans[0]
			if sp.First != first || sp.Count != count {
				t.Errorf("%v window %d: span %d+%d, want %d+%d (%+v)", f, msn, sp.First, sp.Count, first, count, sp)
			}
			if sp.Closed != (msn+10 > first+count) {
				t.Errorf("%v window %d: closed %v", f, msn, sp.Closed)
			}
			if f != scte35.FormatCueOut && sp.EventID != 42 && msn <= first {
				t.Errorf("%v window %d: event id %d, want 42", f, msn, sp.EventID)
			}
		}
	}
}

// TestSpansMalformed: cues that do not parse or that cancel are ignored.
func TestSpansMalformed(t *testing.T) {
	cancel := scte35.Out(7, 0, 30*time.Second)
	cancel.Cancel = true
	b64, err := cancel.Base64()
	if err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-CUE-OUT:abc\n#EXTINF:2,\na.ts\n#EXT-OATCLS-SCTE35:"+b64+"\n#EXTINF:2,\nb.ts\n#EXT-X-CUE-IN\n#EXTINF:2,\nc.ts\n")
	if spans := Spans(nil, p); len(spans) != 0 {
		t.Errorf("spans %+v, want none", spans)
	}
	p = mustParse(t, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-CUE-OUT:0\n#EXTINF:2,\na.ts\n")
	if spans := Spans(nil, p); len(spans) != 1 || spans[0].Count != 0 || !spans[0].Closed {
		t.Errorf("zero-duration cue: spans %+v, want one insertion", spans)
	}
}
