package stitch

import (
	"bytes"
	"strings"
	"testing"
	"time"

	m3u8 "github.com/Eyevinn/hls-m3u8/m3u8"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// audioDrift is how far an audio rendition's discontinuities may drift from the video's: AAC
// frames do not divide 2 s, and each ad's audio is a few ms longer or shorter than its video.
const audioDrift = 250 * time.Millisecond

func vodPlan(t testing.TB, a adSet) *Plan {
	return &Plan{Breaks: []Break{
		a.breakAt(t, 100, 15, time.Time{}), // 30 s: the 15 s ad, slate for 15 s
		a.breakAt(t, 300, 30, time.Time{}), // 60 s: both ads, slate for 15 s
		a.breakAt(t, 500, 10, time.Time{}), // 20 s: the 15 s ad, slate for 5 s
	}}
}

func TestFill(t *testing.T) {
	ads := [][]time.Duration{{2 * time.Second, 2 * time.Second}, {10 * time.Second}}
	slate := []time.Duration{2 * time.Second}
	for _, tc := range []struct {
		d    time.Duration
		want []time.Duration
	}{
		{4 * time.Second, []time.Duration{2e9, 2e9}},
		{13 * time.Second, []time.Duration{2e9, 2e9, 2e9, 2e9, 2e9, 2e9, 1e9}}, // the 10 s ad does not fit after 4 s: slate
		{14300 * time.Millisecond, []time.Duration{2e9, 2e9, 10e9}},            // 300 ms left: dropped, no sliver
		{17 * time.Second, []time.Duration{2e9, 2e9, 10e9, 2e9, 1e9}},          // slate cut to 1 s
		{3 * time.Second, []time.Duration{2e9, 1e9}},                           // no ad fits: slate only
	} {
		fill, err := Fill(nil, tc.d, ads, 7, slate)
		if err != nil {
			t.Fatal(err)
		}
		var got []time.Duration
		for _, p := range fill {
			got = append(got, p.Dur)
		}
		if !equalDur(got, tc.want) {
			t.Errorf("Fill(%v) = %v, want %v", tc.d, got, tc.want)
		}
		if err := (&Plan{Breaks: []Break{{First: 0, Count: 1, Fill: fill}}}).Validate(); err != nil {
			t.Error(err)
		}
	}
	if _, err := Fill(nil, time.Second, ads, -1, nil); err != ErrNoAds {
		t.Errorf("nothing fits, no slate: err = %v, want ErrNoAds", err)
	}
}

func equalDur(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStitchVOD stitches 3 breaks into a 600-segment VOD video and audio rendition and checks
// the rules, the duration, the discontinuities and the tags passed through, with our parser and
// Eyevinn/hls-m3u8.
func TestStitchVOD(t *testing.T) {
	a := newAdSet(t)
	plan := vodPlan(t, a)
	if err := plan.Validate(); err != nil {
		t.Fatal(err)
	}
	video := mustParse(t, source{name: "v", n: 600, cueAt: 100, cueN: 15}.text())
	audio := mustParse(t, source{name: "a", n: 600, cueAt: 100, cueN: 15, durOf: audioDur}.text())
	v := Validator{IsAd: isAd}
	var outs []*hls.MediaPlaylist
	for _, r := range []struct {
		name string
		src  *hls.MediaPlaylist
		ads  []*hls.MediaPlaylist
	}{{"video", video, a.video}, {"audio", audio, a.audio}} {
		b, err := Append(nil, r.src, plan, r.ads)
		if err != nil {
			t.Fatal(err)
		}
		p, err := v.Check(r.name, b)
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		outs = append(outs, p)
		var fill time.Duration
		for i := range plan.Breaks {
			fill += plan.Breaks[i].Duration()
		}
		if r.name == "video" {
			want := 1200*time.Second - 55*2*time.Second + fill
			if d := p.Duration(); d != want {
				t.Errorf("video duration %v, want %v", d, want)
			}
		}
		if n := strings.Count(string(b), "#EXT-X-DISCONTINUITY\n"); n != 6 {
			t.Errorf("%s: %d discontinuities, want 6", r.name, n)
		}
		if n := strings.Count(string(b), "#X-VENDOR-TAG:keep=me\n"); n != 600 {
			t.Errorf("%s: vendor tag written %d times, want 600 (passed through)", r.name, n)
		}
		for _, cue := range []string{"#EXT-X-CUE-OUT:30.000\n", "#EXT-X-CUE-IN\n"} {
			if !bytes.Contains(b, []byte(cue)) {
				t.Errorf("%s: cue %q not passed through", r.name, cue)
			}
		}
		oracle(t, b, len(p.Segments))
	}
	if err := Group(audioDrift, outs...); err != nil {
		t.Fatal(err)
	}
}

// oracle reads a stitched playlist with Eyevinn/hls-m3u8, an independent parser.
func oracle(t *testing.T, b []byte, segments int) {
	t.Helper()
	pl, typ, err := m3u8.DecodeFrom(bytes.NewReader(b), true)
	if err != nil {
		t.Fatalf("hls-m3u8: %v", err)
	}
	if typ != m3u8.MEDIA {
		t.Fatalf("hls-m3u8: type %v", typ)
	}
	mp := pl.(*m3u8.MediaPlaylist)
	mp.SetWinSize(0)
	n := 0
	for _, s := range mp.Segments {
		if s != nil {
			n++
		}
	}
	if n != segments {
		t.Errorf("hls-m3u8 reads %d segments, we read %d", n, segments)
	}
}

// TestStitchLive slides a live window over a break in steps of one segment, with the cue
// arriving at the live edge first, and checks every refresh of video and audio: sequence numbers
// that never go down, a discontinuity sequence that rises as discontinuities slide out, segments
// that keep their number, renditions in step.
func TestStitchLive(t *testing.T) {
	a := newAdSet(t)
	const first, count = 60, 15
	plan := &Plan{Breaks: []Break{
		a.breakAt(t, 30, 5, epoch.Add(60*time.Second)),
		a.breakAt(t, first, count, epoch.Add(first*2*time.Second)),
	}}
	v := Validator{IsAd: isAd}
	sawInside := false
	for m := uint64(20); m < 90; m++ {
		var outs []*hls.MediaPlaylist
		for _, r := range []struct {
			name string
			src  source
			ads  []*hls.MediaPlaylist
		}{
			{"video", source{name: "v", msn: m, n: 10, live: true, cueAt: first, cueN: count, key: true, trailingCue: m+10 == first}, a.video},
			{"audio", source{name: "a", msn: m, n: 10, live: true, cueAt: first, cueN: count, durOf: audioDur}, a.audio},
		} {
			src := mustParse(t, r.src.text())
			b, err := Append(nil, src, plan, r.ads)
			if err != nil {
				t.Fatal(err)
			}
			p, err := v.Check(r.name, b)
			if err != nil {
				t.Fatalf("window %d: %v\n%s", m, err, b)
			}
			outs = append(outs, p)
			if !r.src.trailingCue { // hls-m3u8 refuses a playlist ending in an SCTE-35 DATERANGE
				oracle(t, b, len(p.Segments))
			}
			if m > first && m < first+count && isAd(p.Segments[0].URI) {
				sawInside = true
			}
		}
		if err := Group(audioDrift, outs...); err != nil {
			t.Fatalf("window %d: %v", m, err)
		}
	}
	if !sawInside {
		t.Error("no window started inside the break")
	}
}

// TestStitchEmptyFill: a break without fill (the adserver was down) leaves the content as it is.
func TestStitchEmptyFill(t *testing.T) {
	src := source{name: "v", n: 20, cueAt: 5, cueN: 5}.text()
	b, err := Append(nil, mustParse(t, src), &Plan{Breaks: []Break{{First: 5, Count: 5}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := mustParse(t, src)
	want.DiscontinuitySequence = 0
	got := mustParse(t, string(b))
	if got.Duration() != want.Duration() || len(got.Segments) != 20 || strings.Contains(string(b), "DISCONTINUITY\n") {
		t.Fatalf("content changed:\n%s", b)
	}
}

// TestStitchMissingAd: a plan that refers to an ad segment the rendition lacks is an error, not a
// panic.
func TestStitchMissingAd(t *testing.T) {
	a := newAdSet(t)
	plan := vodPlan(t, a)
	if _, err := Append(nil, mustParse(t, source{name: "v", n: 600}.text()), plan, a.video[:1]); err == nil {
		t.Fatal("no error")
	}
}

func TestStitchAllocs(t *testing.T) {
	a := newAdSet(t)
	plan := vodPlan(t, a)
	src := mustParse(t, source{name: "v", n: 600}.text())
	buf, _ := Append(nil, src, plan, a.video)
	n := testing.AllocsPerRun(20, func() { buf, _ = Append(buf[:0], src, plan, a.video) })
	if n != 0 {
		t.Errorf("%v allocations per stitch with a warm buffer, want 0", n)
	}
}

// TestStitchInsert: breaks of Count 0 insert ads (pre-roll before the first segment, a
// mid-roll at a zero-duration cue, a post-roll after the last) without replacing content.
func TestStitchInsert(t *testing.T) {
	a := newAdSet(t)
	pre := a.breakAt(t, 0, 0, time.Time{})
	pre.Fill, _ = Fill(nil, 15*time.Second, [][]time.Duration{durations(a.video[0])}, -1, nil)
	mid, post := pre, pre
	mid.First, post.First = 10, 20
	plan := &Plan{Breaks: []Break{pre, mid, post}}
	if err := plan.Validate(); err != nil {
		t.Fatal(err)
	}
	src := mustParse(t, source{name: "v", n: 20}.text())
	b, err := Append(nil, src, plan, a.video)
	if err != nil {
		t.Fatal(err)
	}
	v := Validator{IsAd: isAd}
	p, err := v.Check("video", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if want := src.Duration() + 45*time.Second; p.Duration() != want {
		t.Errorf("duration %v, want %v", p.Duration(), want)
	}
	if !isAd(p.Segments[0].URI) || !p.Segments[0].Discontinuity || p.Segments[8].URI != "v/seg_0.m4s" || !p.Segments[8].Discontinuity {
		t.Errorf("pre-roll not first:\n%s", b)
	}
	if n := strings.Count(string(b), "#EXT-X-DISCONTINUITY\n"); n != 5 {
		t.Errorf("%d discontinuities, want 5 (pre-roll 2, mid-roll 2, post-roll 1)", n)
	}
	if last := p.Segments[len(p.Segments)-1].URI; !isAd(last) || !p.EndList {
		t.Errorf("post-roll missing: last segment %s, end list %v", last, p.EndList)
	}
	oracle(t, b, len(p.Segments))
}

// TestCompact: folding the breaks before a window does not change the stitched window.
func TestCompact(t *testing.T) {
	a := newAdSet(t)
	full := &Plan{Breaks: []Break{
		a.breakAt(t, 10, 5, epoch.Add(20*time.Second)),
		a.breakAt(t, 30, 15, epoch.Add(60*time.Second)),
		a.breakAt(t, 60, 8, epoch.Add(120*time.Second)),
	}}
	full.Breaks[0].Hidden = []uint64{12}
	for w := uint64(0); w < 80; w++ {
		src := mustParse(t, source{name: "v", msn: w, dsn: 3, n: 10, live: true}.text())
		want, err := Append(nil, src, full, a.video)
		if err != nil {
			t.Fatal(err)
		}
		compact := &Plan{Breaks: append([]Break(nil), full.Breaks...)}
		compact.Compact(w)
		got, err := Append(nil, src, compact, a.video)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("window %d, %d breaks left:\n%s\nwant\n%s", w, len(compact.Breaks), got, want)
		}
	}
}
