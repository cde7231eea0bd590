package stitch

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// source writes a media playlist of n segments from media sequence msn: CMAF with EXT-X-MAP,
// PROGRAM-DATE-TIME on every segment when live, a cue-out span on [cueAt, cueAt+cueN).
type source struct {
	name         string // "v" or "a"
	msn, dsn     uint64
	n            int
	live         bool
	cueAt        uint64
	cueN         int
	key          bool
	trailingCue  bool
	durOf        func(seq uint64) time.Duration
	noPDT, noMap bool
}

func (s source) text() string {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n")
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", s.msn)
	if s.dsn > 0 {
		fmt.Fprintf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%d\n", s.dsn)
	}
	if !s.live {
		b.WriteString("#EXT-X-PLAYLIST-TYPE:VOD\n")
	}
	b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n")
	if !s.noMap {
		fmt.Fprintf(&b, "#EXT-X-MAP:URI=\"%s/init.mp4\"\n", s.name)
	}
	if s.key {
		b.WriteString("#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k1\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n")
	}
	for i := 0; i < s.n; i++ {
		seq := s.msn + uint64(i)
		d := s.dur(seq)
		if s.cueN > 0 && seq == s.cueAt {
			fmt.Fprintf(&b, "#EXT-X-CUE-OUT:%d.000\n", 2*s.cueN)
		} else if s.cueN > 0 && seq > s.cueAt && seq < s.cueAt+uint64(s.cueN) {
			fmt.Fprintf(&b, "#EXT-X-CUE-OUT-CONT:ElapsedTime=%d.000,Duration=%d.000\n", 2*(seq-s.cueAt), 2*s.cueN)
		} else if s.cueN > 0 && seq == s.cueAt+uint64(s.cueN) {
			b.WriteString("#EXT-X-CUE-IN\n")
		}
		b.WriteString("#X-VENDOR-TAG:keep=me\n")
		if s.live && !s.noPDT {
			b.WriteString("#EXT-X-PROGRAM-DATE-TIME:")
			b.Write(hls.AppendDateTime(nil, epoch.Add(s.at(seq))))
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "#EXTINF:%s,\n%s/seg_%d.m4s\n", hls.AppendSeconds(nil, d), s.name, seq)
	}
	if s.trailingCue {
		hex, err := scte35.Out(9, 90000, 30*time.Second).Hex()
		if err != nil {
			panic(err)
		}
		b.WriteString(`#EXT-X-DATERANGE:ID="splice-9",START-DATE="2025-01-01T01:00:00.000Z",PLANNED-DURATION=30.000,SCTE35-OUT=` + hex + "\n")
	}
	if !s.live {
		b.WriteString("#EXT-X-ENDLIST\n")
	}
	return b.String()
}

func (s source) dur(seq uint64) time.Duration {
	if s.durOf != nil {
		return s.durOf(seq)
	}
	return 2 * time.Second
}

func (s source) at(seq uint64) time.Duration {
	if s.durOf == nil {
		return time.Duration(seq) * 2 * time.Second
	}
	var t time.Duration
	for i := uint64(0); i < seq; i++ {
		t += s.durOf(i)
	}
	return t
}

// audioDur alternates AAC-frame-aligned durations around 2 s, as the packager's audio does.
func audioDur(seq uint64) time.Duration {
	if seq%3 == 2 {
		return 1989333 * time.Microsecond
	}
	return 2005333 * time.Microsecond
}

// adPlaylist writes an ad (or slate) rendition: n segments of seg, the last one last.
func adPlaylist(t testing.TB, prefix string, n int, seg, last time.Duration, cmaf bool) *hls.MediaPlaylist {
	t.Helper()
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	if cmaf {
		fmt.Fprintf(&b, "#EXT-X-MAP:URI=\"%s/init.mp4\"\n", prefix)
	}
	for i := 0; i < n; i++ {
		d := seg
		if i == n-1 {
			d = last
		}
		fmt.Fprintf(&b, "#EXTINF:%s,\n%s/%d.m4s\n", hls.AppendSeconds(nil, d), prefix, i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	p, err := hls.ParseMediaString(b.String())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func durations(p *hls.MediaPlaylist) []time.Duration {
	out := make([]time.Duration, len(p.Segments))
	for i := range p.Segments {
		out[i] = p.Segments[i].Duration
	}
	return out
}

func isAd(uri string) bool { return strings.HasPrefix(uri, "https://ads.example/") }

// adSet is the ads of a test: a 15 s ad, a 30 s ad and 2 s slate, per rendition.
type adSet struct{ video, audio []*hls.MediaPlaylist }

const slateIndex = 2

func newAdSet(t testing.TB) adSet { return newAdSetIn(t, true) }

// newAdSetIn makes the ads in CMAF (with EXT-X-MAP) or MPEG-TS, as the content they go into.
func newAdSetIn(t testing.TB, cmaf bool) adSet {
	return adSet{
		video: []*hls.MediaPlaylist{
			adPlaylist(t, "https://ads.example/a15/v", 8, 2*time.Second, time.Second, cmaf),
			adPlaylist(t, "https://ads.example/a30/v", 15, 2*time.Second, 2*time.Second, cmaf),
			adPlaylist(t, "https://ads.example/slate/v", 1, 2*time.Second, 2*time.Second, cmaf),
		},
		audio: []*hls.MediaPlaylist{
			adPlaylist(t, "https://ads.example/a15/a", 8, 2005333*time.Microsecond, 965333*time.Microsecond, cmaf),
			adPlaylist(t, "https://ads.example/a30/a", 15, 2005333*time.Microsecond, 1925334*time.Microsecond, cmaf),
			adPlaylist(t, "https://ads.example/slate/a", 1, 2005333*time.Microsecond, 2005333*time.Microsecond, cmaf),
		},
	}
}

// breakAt plans a break replacing count 2 s segments from first, filled from the ad set.
func (a adSet) breakAt(t testing.TB, first uint64, count int, start time.Time) Break {
	t.Helper()
	ads := [][]time.Duration{durations(a.video[0]), durations(a.video[1])}
	fill, err := Fill(nil, time.Duration(count)*2*time.Second, ads, slateIndex, durations(a.video[slateIndex]))
	if err != nil {
		t.Fatal(err)
	}
	return Break{First: first, Count: count, Start: start, Nominal: 2 * time.Second, Fill: fill}
}

func mustParse(t testing.TB, s string) *hls.MediaPlaylist {
	t.Helper()
	p, err := hls.ParseMediaString(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
