package player

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/origin"
	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/origin/live"
	"github.com/cuepoint/cuepoint/origin/packager/packagertest"
	"github.com/cuepoint/cuepoint/origin/scte35"
)

// startOrigin serves our origin in process: the packaged demo asset (two video renditions and
// an audio rendition, MPEG-TS) and a live channel looping it on clock.
func startOrigin(t testing.TB, clock live.Clock) string {
	t.Helper()
	o, err := origin.New(origin.Config{MediaRoot: packagertest.MediaRoot(t), Clock: clock, Channels: []live.Config{{
		Name: "ch", Asset: "demo", Format: scte35.FormatCueOut, Window: 6,
		Breaks: live.Schedule{Offset: 20 * time.Second, Every: 40 * time.Second, Duration: 10 * time.Second, Lead: 4 * time.Second},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	srv := server.New("origin", "127.0.0.1:0")
	o.Mount(srv)
	return serve(t, srv)
}

// TestVODFromOrigin plays the origin's packaged VOD to its end: audio and video tracks both
// downloaded, every segment once, the whole media watched, startup stages measured.
func TestVODFromOrigin(t *testing.T) {
	base := startOrigin(t, nil)
	var log segmentLog
	p := New(virtual(), WithBandwidth(2_000_000), WithSegmentHook(log.hook))
	defer p.Close()
	res, err := p.Play(context.Background(), base+"/vod/demo/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	video, audio := log.track("video"), log.track("audio")
	if len(video) == 0 || len(audio) != len(video) {
		t.Fatalf("%d video and %d audio segments, want the same non-zero number", len(video), len(audio))
	}
	if !res.Ended || res.Errors != 0 {
		t.Fatalf("ended %v, errors %d (%s)", res.Ended, res.Errors, res.LastError)
	}
	var videoDur, audioDur time.Duration
	for i := range video {
		videoDur += video[i].Duration
		audioDur += audio[i].Duration
		if video[i].Sequence != uint64(i) || audio[i].Sequence != uint64(i) {
			t.Errorf("segment %d: sequences %d and %d", i, video[i].Sequence, audio[i].Sequence)
		}
	}
	if res.WatchTime != min(videoDur, audioDur) {
		t.Errorf("watched %s of %s video and %s audio", res.WatchTime, videoDur, audioDur)
	}
	st := res.Startup
	if st.FirstSegment <= 0 || st.ToFirstSegment < st.FirstSegment || st.ToPlayback < st.ToFirstSegment {
		t.Errorf("startup stages not measured in order: %+v", st)
	}
	if res.Rebuffers != 0 {
		t.Errorf("%d rebuffers at 2 Mbit/s for a 300 kbit/s ladder", res.Rebuffers)
	}
}

// TestLiveFromOrigin follows the origin's live channel for a minute of playback on a virtual
// clock that also drives the origin's: the player starts three target durations from the live
// edge, reloads the playlists as the window slides, never falls behind or stalls, and crosses
// the loop's discontinuities.
func TestLiveFromOrigin(t *testing.T) {
	start := live.DefaultEpoch.Add(30 * time.Second)
	originClock := live.NewManualClock(start)
	base := startOrigin(t, originClock)
	first := fetchMedia(t, base+"/live/ch/180p/index.m3u8") // what the player will read first
	if first.TargetDuration != 2 {
		t.Fatalf("target duration %d, the test expects 2 s segments", first.TargetDuration)
	}
	var log segmentLog
	p := New(WithClock(func() Clock {
		c := NewVirtualClock(start)
		c.OnAdvance = originClock.Set
		return c
	}), WithSegmentHook(log.hook), WithWatchTime(time.Minute))
	defer p.Close()
	res, err := p.Play(context.Background(), base+"/live/ch/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	if res.WatchTime != time.Minute {
		t.Errorf("watched %s, want 1m", res.WatchTime)
	}
	if res.Errors != 0 || res.Rebuffers != 0 {
		t.Errorf("errors %d (%s), rebuffers %d", res.Errors, res.LastError, res.Rebuffers)
	}
	video := log.track("video")
	for i := 1; i < len(video); i++ {
		if video[i].Sequence != video[i-1].Sequence+1 {
			t.Fatalf("segment %d: sequence %d after %d", i, video[i].Sequence, video[i-1].Sequence)
		}
	}
	if res.Reloads < 10 {
		t.Errorf("%d reloads over a minute of live", res.Reloads)
	}
	if res.Discontinuities == 0 {
		t.Errorf("no discontinuity crossed in a minute of a 6 s loop")
	}

	// The first segment is three target durations from the end of the first playlist read
	// (2 s segments: the third from the end).
	if video[0].Sequence != first.MediaSequence+uint64(len(first.Segments))-3 {
		t.Errorf("started at sequence %d; the first playlist held %d…%d", video[0].Sequence, first.MediaSequence, first.MediaSequence+uint64(len(first.Segments))-1)
	}
}

// fetchMedia GETs and parses a media playlist.
func fetchMedia(t *testing.T, u string) *hls.MediaPlaylist {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	pl, err := hls.ParseMedia(b)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// TestLiveSwitchFromOrigin follows the origin's live channel while the simulated network drops
// below the top rung and recovers: the player goes down and back up the ladder mid-stream, each
// switch continuing at the next media sequence number (no segment skipped or repeated), the
// audio track untouched.
func TestLiveSwitchFromOrigin(t *testing.T) {
	start := live.DefaultEpoch.Add(30 * time.Second)
	originClock := live.NewManualClock(start)
	base := startOrigin(t, originClock)
	var log segmentLog
	p := New(WithClock(func() Clock {
		c := NewVirtualClock(start)
		c.OnAdvance = originClock.Set
		return c
	}), WithSegmentHook(log.hook), WithWatchTime(90*time.Second), WithBandwidthProfile(
		Step{Bandwidth: 3_000_000}, Step{At: 30 * time.Second, Bandwidth: 250_000}, Step{At: 60 * time.Second, Bandwidth: 3_000_000}))
	defer p.Close()
	res, err := p.Play(context.Background(), base+"/live/ch/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	video, audio := log.track("video"), log.track("audio")
	var path []int
	for i, s := range video {
		if i > 0 && s.Sequence != video[i-1].Sequence+1 {
			t.Fatalf("video segment %d: sequence %d after %d", i, s.Sequence, video[i-1].Sequence)
		}
		if len(path) == 0 || path[len(path)-1] != s.Variant {
			path = append(path, s.Variant)
		}
	}
	for i := 1; i < len(audio); i++ {
		if audio[i].Sequence != audio[i-1].Sequence+1 {
			t.Fatalf("audio segment %d: sequence %d after %d", i, audio[i].Sequence, audio[i-1].Sequence)
		}
	}
	if len(path) < 3 || res.Switches != len(path)-1 {
		t.Errorf("variants %v, %d switches: want down and back up", path, res.Switches)
	}
	if res.Errors != 0 || res.WatchTime != 90*time.Second {
		t.Errorf("errors %d (%s), watched %s", res.Errors, res.LastError, res.WatchTime)
	}
	t.Logf("variants %v, rebuffers %d (%s)", path, res.Rebuffers, res.RebufferTime)
}
