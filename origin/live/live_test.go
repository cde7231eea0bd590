package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/hls-m3u8/m3u8"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

// fakeAsset writes a packaged-asset layout without media: two video renditions of n segments of
// 2 s, and an audio rendition whose AAC-framed segments last 2.005333, 2.005333, 1.984 … s.
func fakeAsset(t testing.TB, n int, fmp4 bool) string {
	t.Helper()
	dir := t.TempDir()
	ext, version, mapLine := ".ts", 3, ""
	if fmp4 {
		ext, version, mapLine = ".m4s", 7, "#EXT-X-MAP:URI=\"init.mp4\"\n"
	}
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("master.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"+
		"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,URI=\"audio/index.m3u8\"\n"+
		"#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.4d401e,mp4a.40.2\",RESOLUTION=640x360,AUDIO=\"aud\"\n360p/index.m3u8\n"+
		"#EXT-X-STREAM-INF:BANDWIDTH=1900000,CODECS=\"avc1.4d401f,mp4a.40.2\",RESOLUTION=960x540,AUDIO=\"aud\"\n540p/index.m3u8\n")
	audio := []string{"2.005333", "2.005333", "1.984000"}
	for _, r := range []string{"360p", "540p", "audio"} {
		var b strings.Builder
		fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n%s", version, mapLine)
		for i := 0; i < n; i++ {
			d := "2.000000"
			if r == "audio" {
				d = audio[i%3]
				if i == n-1 {
					d = "1.984000"
				}
			}
			fmt.Fprintf(&b, "#EXTINF:%s,\nseg_%05d%s\n", d, i, ext)
			write(fmt.Sprintf("%s/seg_%05d%s", r, i, ext), r+fmt.Sprint(i))
		}
		b.WriteString("#EXT-X-ENDLIST\n")
		write(r+"/index.m3u8", b.String())
		if fmp4 {
			write(r+"/init.mp4", "init")
		}
	}
	write("asset.json", `{"version":1,"start_pts":126000}`)
	return dir
}

func newTestChannel(t testing.TB, format scte35.Format, fmp4 bool) (*Channel, *ManualClock) {
	t.Helper()
	clock := NewManualClock(DefaultEpoch)
	c, err := New(Config{Name: "test-" + format.String(), Asset: fakeAsset(t, 15, fmp4), Format: format, Window: 6,
		Breaks: Schedule{Offset: 20 * time.Second, Every: 60 * time.Second, Duration: 10 * time.Second, Lead: 5 * time.Second}}, clock)
	if err != nil {
		t.Fatal(err)
	}
	return c, clock
}

func TestTimeline(t *testing.T) {
	tl := timeline{n: 3, loop: 5 * time.Second, starts: []time.Duration{0, 2 * time.Second, 4 * time.Second, 5 * time.Second}}
	for _, tc := range []struct {
		e         time.Duration
		completed int64
		atOrAfter int64
	}{
		{0, 0, 0}, {time.Second, 0, 1}, {2 * time.Second, 1, 1}, {4999 * time.Millisecond, 2, 3},
		{5 * time.Second, 3, 3}, {7 * time.Second, 4, 4}, {1000*5*time.Second + time.Second, 3000, 3001},
	} {
		if got := tl.completed(tc.e); got != tc.completed {
			t.Errorf("completed(%s) = %d, want %d", tc.e, got, tc.completed)
		}
		if got := tl.atOrAfter(tc.e); got != tc.atOrAfter {
			t.Errorf("atOrAfter(%s) = %d, want %d", tc.e, got, tc.atOrAfter)
		}
	}
	for g := int64(0); g < 20; g++ {
		if tl.completed(tl.start(g+1)) != g+1 || tl.atOrAfter(tl.start(g)) != g {
			t.Fatalf("start/completed/atOrAfter disagree at %d", g)
		}
	}
	for _, tc := range []struct {
		first int64
		ds    uint64
	}{{0, 0}, {1, 0}, {3, 0}, {4, 1}, {6, 1}, {7, 2}} {
		if got := tl.discontinuitySequence(tc.first); got != tc.ds {
			t.Errorf("discontinuitySequence(%d) = %d, want %d", tc.first, got, tc.ds)
		}
	}
}

// observed is what a player learns from one refresh of one rendition.
type observed struct {
	p       *hls.MediaPlaylist
	markers [][]scte35.Marker // per segment
	trailer []scte35.Marker
}

func observe(t *testing.T, c *Channel, rendition string) observed {
	t.Helper()
	pl, err := c.Playlist(rendition)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hls.ParseMedia(pl.Body)
	if err != nil {
		t.Fatalf("%v\n%s", err, pl.Body)
	}
	if p.String() != string(pl.Body) {
		t.Fatal("the playlist does not round-trip through origin/hls")
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	o := observed{p: p}
	for _, s := range p.Segments {
		var ms []scte35.Marker
		for _, tg := range s.Tags {
			if m, ok, err := scte35.ParseMarker(tg); err != nil {
				t.Fatal(err)
			} else if ok {
				ms = append(ms, m)
			}
		}
		o.markers = append(o.markers, ms)
	}
	for _, tg := range p.Trailer {
		m, ok, err := scte35.ParseMarker(tg)
		if err != nil || !ok {
			t.Fatalf("trailer tag %q: %v %v", tg.Line, ok, err)
		}
		o.trailer = append(o.trailer, m)
	}
	checkEyevinn(t, pl.Body, p)
	return o
}

// checkEyevinn reads the playlist with the independent parser. Its two traps: SetWinSize(0)
// after decoding a live playlist, and it refuses a trailing SCTE-35 DATERANGE (cut here).
func checkEyevinn(t *testing.T, body []byte, ours *hls.MediaPlaylist) {
	t.Helper()
	text := string(body)
	if len(ours.Trailer) > 0 {
		text = text[:strings.Index(text, ours.Trailer[0].Line)]
	}
	pl, typ, err := m3u8.DecodeFrom(strings.NewReader(text), true)
	if err != nil || typ != m3u8.MEDIA {
		t.Fatalf("Eyevinn: %v\n%s", err, text)
	}
	mp := pl.(*m3u8.MediaPlaylist)
	mp.SetWinSize(0)
	segs := mp.GetAllSegments()
	if len(segs) != len(ours.Segments) || mp.SeqNo != ours.MediaSequence || mp.DiscontinuitySeq != ours.DiscontinuitySequence {
		t.Fatalf("Eyevinn sees %d segments seq %d ds %d", len(segs), mp.SeqNo, mp.DiscontinuitySeq)
	}
	for i, s := range segs {
		if s.ProgramDateTime.IsZero() || !s.ProgramDateTime.Equal(ours.Segments[i].ProgramDateTime) || s.Discontinuity != ours.Segments[i].Discontinuity {
			t.Fatalf("Eyevinn segment %d: %+v", i, s)
		}
	}
	if !strings.Contains(mp.Encode().String(), "#EXT-X-MEDIA-SEQUENCE:"+fmt.Sprint(ours.MediaSequence)) {
		t.Fatal("Eyevinn re-encodes another media sequence")
	}
}

// A player refreshing every second for several loops and breaks sees a correct live stream in
// every rendition and every ad-marker format.
func TestWindowOverRefreshes(t *testing.T) {
	for _, f := range scte35.Formats {
		for _, fmp4 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/fmp4=%v", f, fmp4), func(t *testing.T) {
				c, clock := newTestChannel(t, f, fmp4)
				clock.Set(DefaultEpoch.Add(100 * 24 * time.Hour)) // far from the epoch: big numbers
				watchWindow(t, c, clock, fmp4)
			})
		}
	}
}

func watchWindow(t *testing.T, c *Channel, clock *ManualClock, fmp4 bool) {
	var (
		lastSeq, lastDS uint64
		started         bool
		seenDisc        = map[uint64]bool{} // media sequence numbers that carried a discontinuity
		cues            = map[uint64]string{}
		aheadOut        = map[string]time.Time{} // DATERANGE ID → when it was first seen ahead
		outs, ins       int
	)
	for step := 0; step < 200; step++ {
		var ref observed
		for ri, name := range c.Renditions() {
			o := observe(t, c, name)
			p := o.p
			if p.TargetDuration != c.TargetDuration() || len(p.Segments) != c.Config().Window {
				t.Fatalf("%s: target %d, %d segments", name, p.TargetDuration, len(p.Segments))
			}
			if ri == 0 {
				ref = o
				if started && (p.MediaSequence < lastSeq || p.DiscontinuitySequence < lastDS) {
					t.Fatalf("sequence went back: %d/%d after %d/%d", p.MediaSequence, p.DiscontinuitySequence, lastSeq, lastDS)
				}
				// DISCONTINUITY-SEQUENCE counts exactly the discontinuities that slid out.
				var out uint64
				for seq := range seenDisc {
					if seq < p.MediaSequence {
						out++
					}
				}
				if started && p.DiscontinuitySequence-lastDS != out-countBelow(seenDisc, lastSeq) {
					t.Fatalf("DISCONTINUITY-SEQUENCE %d after %d: %d discontinuities slid out", p.DiscontinuitySequence, lastDS, out-countBelow(seenDisc, lastSeq))
				}
				lastSeq, lastDS, started = p.MediaSequence, p.DiscontinuitySequence, true
			} else if p.MediaSequence != ref.p.MediaSequence || p.DiscontinuitySequence != ref.p.DiscontinuitySequence {
				t.Fatalf("%s: seq %d ds %d, reference %d %d", name, p.MediaSequence, p.DiscontinuitySequence, ref.p.MediaSequence, ref.p.DiscontinuitySequence)
			}
			for i, s := range p.Segments {
				seq := p.MediaSequence + uint64(i)
				// Same discontinuities and cues at the same segments in every rendition.
				if s.Discontinuity != ref.p.Segments[i].Discontinuity || kinds(o.markers[i]) != kinds(ref.markers[i]) {
					t.Fatalf("%s segment %d differs from the reference rendition", name, seq)
				}
				if s.Discontinuity {
					seenDisc[seq] = true
				}
				// CMAF: EXT-X-MAP at the top and again after every discontinuity.
				hasMap := len(s.Tags) > 0 && s.Tags[0].Kind == hls.TagMap
				if needMap := fmp4 && (i == 0 || s.Discontinuity); needMap != hasMap {
					t.Fatalf("%s segment %d: EXT-X-MAP present=%v, want %v", name, seq, hasMap, needMap)
				}
				// PROGRAM-DATE-TIME: the same for a segment in every rendition; in the reference
				// rendition, each follows the previous one by its duration; in the others
				// (AAC-framed audio) within a few milliseconds.
				if !s.ProgramDateTime.Equal(ref.p.Segments[i].ProgramDateTime) {
					t.Fatalf("%s segment %d: PROGRAM-DATE-TIME %v, reference %v", name, seq, s.ProgramDateTime, ref.p.Segments[i].ProgramDateTime)
				}
				if i > 0 && !s.Discontinuity {
					prev := p.Segments[i-1]
					drift := s.ProgramDateTime.Sub(prev.ProgramDateTime.Add(prev.Duration))
					if (ri == 0 && drift != 0) || drift.Abs() > 25*time.Millisecond {
						t.Fatalf("%s segment %d: PROGRAM-DATE-TIME %v does not follow %v + %v", name, seq, s.ProgramDateTime, prev.ProgramDateTime, prev.Duration)
					}
				}
				if ri == 0 {
					k := kinds(o.markers[i])
					if old, ok := cues[seq]; ok && old != k && !(old == "" && strings.HasPrefix(k, "daterange")) {
						t.Fatalf("segment %d changed its cues from %q to %q", seq, old, k)
					}
					cues[seq] = k
					for _, m := range o.markers[i] {
						checkMarker(t, c, m, s, p, i)
						if m.Format == scte35.FormatDateRange && m.Kind == scte35.MarkerOut {
							if _, ok := aheadOut[m.ID]; !ok && i > 0 {
								t.Fatalf("DATERANGE %s appeared in the window without having been announced ahead", m.ID)
							}
						}
					}
				}
			}
			if ri == 0 {
				for _, m := range o.trailer {
					if m.Kind == scte35.MarkerOut {
						if _, ok := aheadOut[m.ID]; !ok {
							aheadOut[m.ID] = clock.Now()
							lead := m.Start.Sub(clock.Now())
							if lead <= 0 || lead > c.Config().Breaks.Lead {
								t.Fatalf("cue %s announced %s ahead, want (0, %s]", m.ID, lead, c.Config().Breaks.Lead)
							}
						}
					}
				}
			}
		}
		for seq, k := range cues {
			if seq < lastSeq {
				outs += strings.Count(k, "out")
				ins += strings.Count(k, "in")
				delete(cues, seq)
			}
		}
		clock.Advance(time.Second)
	}
	if outs < 2 || ins < 2 {
		t.Fatalf("saw %d breaks start and %d end in 200 s; want at least 2 of each", outs, ins)
	}
	if countBelow(seenDisc, lastSeq+10) < 5 {
		t.Fatalf("saw %d loop boundaries in 200 s of a 30 s loop", len(seenDisc))
	}
}

func countBelow(m map[uint64]bool, seq uint64) uint64 {
	var n uint64
	for s := range m {
		if s < seq {
			n++
		}
	}
	return n
}

func kinds(ms []scte35.Marker) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Format.String() + "/" + m.Kind.String() + " ")
	}
	return b.String()
}

// checkMarker checks one marker against the schedule: 10 s breaks with payloads that decode to
// the right splice_insert.
func checkMarker(t *testing.T, c *Channel, m scte35.Marker, s hls.Segment, p *hls.MediaPlaylist, i int) {
	t.Helper()
	switch m.Kind {
	case scte35.MarkerOut, scte35.MarkerCont:
		if m.Duration != 10*time.Second {
			t.Fatalf("break duration %s, want 10s", m.Duration)
		}
	}
	if m.Kind == scte35.MarkerCont && (m.Elapsed <= 0 || m.Elapsed >= 10*time.Second || m.Elapsed%(2*time.Second) != 0) {
		t.Fatalf("CUE-OUT-CONT elapsed %s", m.Elapsed)
	}
	if m.Payload != "" {
		cue, err := m.Cue()
		if err != nil {
			t.Fatal(err)
		}
		if cue.Command != scte35.CommandSpliceInsert || !cue.HasPTS || cue.EventID == 0 {
			t.Fatalf("cue = %+v", cue)
		}
		if cue.Out && cue.Duration != 10*time.Second {
			t.Fatalf("out cue duration %s", cue.Duration)
		}
	}
	if m.Format == scte35.FormatDateRange {
		// START-DATE is the out point: the PDT of the first ad segment.
		if m.Kind == scte35.MarkerOut && i > 0 && !m.Start.Equal(s.ProgramDateTime) {
			t.Fatalf("DATERANGE START-DATE %v on a segment at %v", m.Start, s.ProgramDateTime)
		}
		if m.Kind == scte35.MarkerIn && !m.Start.Add(m.Duration).Equal(s.ProgramDateTime) {
			t.Fatalf("DATERANGE ends %v, in point at %v", m.Start.Add(m.Duration), s.ProgramDateTime)
		}
	}
}

func TestCuePayloads(t *testing.T) {
	c, clock := newTestChannel(t, scte35.FormatDateRange, false)
	// Break 0 starts 20 s in: segment 10, 2 s into the asset's second loop (15 × 2 s).
	b := c.cueBreak(c.breakSpan(0))
	if b.EventID != 1 || b.Duration != 10*time.Second || !b.Start.Equal(DefaultEpoch.Add(20*time.Second)) ||
		b.PTS != 126_000+20*90_000 {
		t.Fatalf("break 0 = %+v", b)
	}
	b = c.cueBreak(c.breakSpan(1)) // 80 s in: loop 2, 20 s into it
	if b.EventID != 2 || b.PTS != 126_000+20*90_000 {
		t.Fatalf("break 1 = %+v", b)
	}
	clock.Set(DefaultEpoch.Add(32 * time.Second))
	pl, err := c.Playlist("audio")
	if err != nil {
		t.Fatal(err)
	}
	text := string(pl.Body)
	if !strings.Contains(text, `#EXT-X-DATERANGE:ID="splice-1",START-DATE="2025-01-01T00:00:20.000Z",DURATION=10.000,SCTE35-IN=0x`) {
		t.Fatalf("in DATERANGE missing:\n%s", text)
	}
}

func TestSegmentResolve(t *testing.T) {
	c, clock := newTestChannel(t, scte35.FormatCueOut, true)
	clock.Set(DefaultEpoch.Add(61 * time.Second)) // 30 segments published: 0…29
	for _, tc := range []struct {
		rendition, file string
		want            string
		err             error
	}{
		{"540p", "29.m4s", "540p/seg_00014.m4s", nil},
		{"audio", "18.m4s", "audio/seg_00003.m4s", nil},
		{"360p", "init.mp4", "360p/init.mp4", nil},
		{"360p", "30.m4s", "", ErrNotYet},
		{"360p", "18.m4s", "360p/seg_00003.m4s", nil}, // left the window, still served
		{"360p", "17.m4s", "", ErrGone},
		{"360p", "017.m4s", "", ErrNoSegment},
		{"360p", "17.ts", "", ErrNoSegment},
		{"360p", "-1.m4s", "", ErrNoSegment},
		{"360p", "../master.m3u8", "", ErrNoSegment},
		{"1080p", "1.m4s", "", ErrNoRendition},
	} {
		got, _, err := c.Segment(tc.rendition, tc.file)
		if !errors.Is(err, tc.err) || (tc.want != "" && got != filepath.Join(c.src.dir, tc.want)) {
			t.Errorf("Segment(%s, %s) = %q, %v; want %s, %v", tc.rendition, tc.file, got, err, tc.want, tc.err)
		}
	}
	clock.Set(DefaultEpoch.Add(200 * time.Second)) // live = 100; window 94…99; served from 88
	if _, _, err := c.Segment("360p", "87.m4s"); !errors.Is(err, ErrGone) {
		t.Fatalf("a long-gone segment: %v", err)
	}
	if _, _, err := c.Segment("360p", "88.m4s"); err != nil {
		t.Fatalf("a segment that just left the window: %v", err)
	}
}

func TestPlaylistCache(t *testing.T) {
	c, clock := newTestChannel(t, scte35.FormatCueOut, false)
	clock.Set(DefaultEpoch.Add(30 * time.Second))
	a, _ := c.Playlist("360p")
	clock.Advance(1500 * time.Millisecond)
	b, _ := c.Playlist("360p")
	if a != b {
		t.Fatal("the same window position was generated twice")
	}
	if !a.NextChange.Equal(DefaultEpoch.Add(32 * time.Second)) {
		t.Fatalf("NextChange = %v", a.NextChange)
	}
	clock.Advance(time.Second)
	d, _ := c.Playlist("360p")
	if d == a || d.MediaSequence != a.MediaSequence+1 || d.ETag == a.ETag {
		t.Fatal("a new segment did not change the playlist")
	}
	other, _ := c.Playlist("540p")
	if other == d {
		t.Fatal("renditions share a cache entry")
	}
}

func TestSameConfigSameBytes(t *testing.T) {
	asset := fakeAsset(t, 15, false)
	clock := NewManualClock(DefaultEpoch.Add(time.Hour + 1234*time.Millisecond))
	cfg := Config{Name: "x", Asset: asset, Format: scte35.FormatOATCLS, Window: 5,
		Breaks: Schedule{Offset: 0, Every: time.Minute, Duration: 20 * time.Second}}
	a, err := New(cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(cfg, clock)
	pa, _ := a.Playlist("360p")
	pb, _ := b.Playlist("360p")
	if string(pa.Body) != string(pb.Body) || pa.ETag != pb.ETag {
		t.Fatal("two origins with the same configuration disagree")
	}
}

func TestNotStarted(t *testing.T) {
	c, clock := newTestChannel(t, scte35.FormatCueOut, false)
	clock.Set(DefaultEpoch.Add(-time.Hour))
	if _, err := c.Playlist("360p"); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("err = %v", err)
	}
	clock.Set(DefaultEpoch.Add(3 * time.Second)) // one segment published: a short window
	p, err := c.Playlist("360p")
	if err != nil || p.MediaSequence != 0 || strings.Count(string(p.Body), "#EXTINF") != 1 {
		t.Fatalf("%v\n%s", err, p.Body)
	}
	if _, err := c.Playlist("4k"); !errors.Is(err, ErrNoRendition) {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	asset := fakeAsset(t, 15, false)
	for name, cfg := range map[string]Config{
		"bad name":      {Name: "Bad Name", Asset: asset, Format: scte35.FormatCueOut},
		"no format":     {Name: "x", Asset: asset},
		"small window":  {Name: "x", Asset: asset, Format: scte35.FormatCueOut, Window: 2},
		"missing asset": {Name: "x", Asset: filepath.Join(asset, "nope"), Format: scte35.FormatCueOut},
		"short break":   {Name: "x", Asset: asset, Format: scte35.FormatCueOut, Breaks: Schedule{Every: time.Minute, Duration: time.Second}},
		"dense breaks":  {Name: "x", Asset: asset, Format: scte35.FormatCueOut, Breaks: Schedule{Every: 32 * time.Second, Duration: 30 * time.Second}},
	} {
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	// Renditions that are not aligned segment for segment cannot loop together.
	os.WriteFile(filepath.Join(asset, "540p", "index.m3u8"), []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_00000.ts\n#EXT-X-ENDLIST\n"), 0o644)
	if _, err := New(Config{Name: "x", Asset: asset, Format: scte35.FormatCueOut}, nil); err == nil || !strings.Contains(err.Error(), "aligned") {
		t.Fatalf("misaligned renditions: %v", err)
	}
}

func TestInfo(t *testing.T) {
	c, clock := newTestChannel(t, scte35.FormatDateRange, false)
	clock.Set(DefaultEpoch.Add(25 * time.Second))
	info := c.Info()
	if info.MediaSequence != 6 || info.TargetDuration != 2 || info.NextBreak == nil || info.NextBreak.EventID != 2 ||
		!info.LiveEdge.Equal(DefaultEpoch.Add(24*time.Second)) || len(info.Renditions) != 3 {
		t.Fatalf("info = %+v", info)
	}
}
