package stitch

import (
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// FuzzStitch stitches a break into any playlist the parser accepts: no panic, and the output is
// a playlist our parser reads back with the fill in it and sequence numbers that add up.
func FuzzStitch(f *testing.F) {
	f.Add(source{name: "v", n: 20, cueAt: 5, cueN: 5}.text(), uint64(5), 5)
	f.Add(source{name: "v", msn: 58, n: 10, live: true, cueAt: 60, cueN: 15, key: true, trailingCue: true}.text(), uint64(60), 15)
	f.Add(source{name: "a", msn: 70, n: 10, live: true, cueAt: 60, cueN: 15, durOf: audioDur}.text(), uint64(60), 15)
	a := newAdSet(f)
	f.Fuzz(func(t *testing.T, text string, first uint64, count int) {
		src, err := hls.ParseMediaString(text)
		if err != nil {
			return
		}
		count = min(max(count, 0), 1000)
		plan := &Plan{Breaks: []Break{a.breakAt(t, first, count, time.Time{})}}
		out, err := Append(nil, src, plan, a.video)
		if err != nil {
			t.Fatal(err)
		}
		p, err := hls.ParseMedia(out)
		if err != nil {
			t.Fatalf("stitched playlist does not parse: %v\n%s", err, out)
		}
		if p.MediaSequence < src.MediaSequence && first >= src.MediaSequence {
			t.Fatalf("media sequence went from %d to %d", src.MediaSequence, p.MediaSequence)
		}
		if p.TargetDuration != src.TargetDuration {
			t.Fatalf("target duration changed from %d to %d", src.TargetDuration, p.TargetDuration)
		}
		if hasProgramDateTime(src) {
			for i := range p.Segments {
				if p.Segments[i].Discontinuity && p.Segments[i].ProgramDateTime.IsZero() && isAd(p.Segments[i].URI) {
					t.Fatalf("no program date-time on %s after a discontinuity\n%s", p.Segments[i].URI, out)
				}
			}
		}
		for i := 1; i < len(p.Segments); i++ {
			if isAd(p.Segments[i].URI) != isAd(p.Segments[i-1].URI) && !p.Segments[i].Discontinuity && !isAd(src.Segments[0].URI) {
				t.Fatalf("no discontinuity between %s and %s\n%s", p.Segments[i-1].URI, p.Segments[i].URI, out)
			}
		}
	})
}

// FuzzSpans reads cue spans from any playlist: no panic, and every span starts where it can.
func FuzzSpans(f *testing.F) {
	f.Add(source{name: "v", msn: 58, n: 10, live: true, cueAt: 60, cueN: 15, trailingCue: true}.text())
	f.Add(source{name: "v", msn: 65, n: 10, live: true, cueAt: 60, cueN: 15}.text())
	f.Add("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-CUE-OUT:0\n#EXTINF:2,\na.ts\n#EXT-X-CUE-OUT-CONT:ElapsedTime=4,Duration=30\n#EXTINF:2,\nb.ts\n#EXT-X-CUE-IN\n#EXTINF:2,\nc.ts\n")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := hls.ParseMediaString(text)
		if err != nil {
			return
		}
		for _, sp := range Spans(nil, p) {
			if sp.Count < 0 {
				t.Fatalf("span %+v has a negative count", sp)
			}
		}
	})
}
