package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/player"
	"github.com/valyala/fasthttp"
)

// TestPlayCommand plays one session of a small VOD through the command (text and JSON), and
// checks bad settings are usage errors naming the setting.
func TestPlayCommand(t *testing.T) {
	base := loadtestTarget(t, func(ctx *fasthttp.RequestCtx) {
		switch string(ctx.Path()) {
		case "/master.m3u8":
			ctx.SetBodyString("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=200000\nv.m3u8\n")
		case "/v.m3u8":
			ctx.SetBodyString("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.5,\ns0.ts\n#EXTINF:0.5,\ns1.ts\n#EXT-X-ENDLIST\n")
		case "/s0.ts", "/s1.ts":
			ctx.SetBody(make([]byte, 4096))
		default:
			ctx.SetStatusCode(404)
		}
	})
	var out, errOut bytes.Buffer
	if err := playMain(context.Background(), []string{base + "master.m3u8"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, want := range []string{"startup    session", "played     1s watched", "2 segments", "0 rebuffers"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := playMain(context.Background(), []string{"--output", "json", base + "master.m3u8"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var res player.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || !res.Ended || res.Segments != 2 || res.Bytes != 8192 {
		t.Fatalf("json: %v %+v", err, res)
	}
	if err := playMain(context.Background(), []string{base + "missing.m3u8"}, &out, &errOut); err == nil {
		t.Error("a 404 playlist: no error")
	}
	for _, args := range [][]string{{"--output", "xml", base}, {}, {"--source", "demo", base}, {"--beacons", "both", "--source", "demo"},
		{"--sessions", "5", "--rate", "0"}, {"--sessions", "5", base}, {"--entry", "sideways", "--source", "demo"}} {
		err := playMain(context.Background(), args, &out, &errOut)
		if !config.IsUsage(err) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// TestPlayThroughDev is the end-to-end test of session start (issue 9, part 4) at small scale:
// `cuepoint dev` on a cold root, then
//
//   - `cuepoint play --sessions 8 --rate 4`: eight new viewers, open loop, each through POST
//     /v1/sessions (ssai asks the adserver, which runs its auction with the bidder, for the
//     preroll), the master and media playlists and the first segment; every session measured,
//     every stage recorded, none failed;
//   - three whole sessions of the demo VOD with client-side beacons on a virtual clock: they open
//     with their preroll (the first video segment is in the avail at 0), have ad segments, fire
//     the tracking URLs of the tracking JSON without a failure, and one has its midroll too.
//
// What is asserted is behaviour; the latencies themselves are the benchmark's (BENCHMARKS.md).
func TestPlayThroughDev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole edge")
	}
	dev := startDemoDev(t)
	base := dev.base
	dev.waitForAds(8081, 8082, 8083, 8084)

	// Eight new viewers, open loop, through the command.
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := playMain(ctx, []string{"--ssai", base(8083), "--sessions", "8", "--rate", "4", "--output", "json", "--progress=false", "--timeout", "10s"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("play --sessions: %v\n%s", err, stderr.String())
	}
	var run struct {
		Run struct {
			Requests int64 `json:"requests"`
			Errors   int64 `json:"errors"`
		} `json:"run"`
		Stages   []player.StageSummary `json:"stages"`
		Sessions int                   `json:"sessions"`
		Failed   int                   `json:"failed"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &run); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if run.Run.Requests != 8 || run.Run.Errors != 0 || run.Sessions != 8 || run.Failed != 0 {
		t.Fatalf("budget run: %s", stdout.String())
	}
	stages := map[string]player.StageSummary{}
	for _, s := range run.Stages {
		stages[s.Stage] = s
	}
	for _, name := range []string{"session", "master", "media", "first_segment", "to_first_segment"} {
		if s := stages[name]; s.Count != 8 || !(s.P50 > 0) || s.Max < s.P50 {
			t.Errorf("stage %s: %+v (want all 8 sessions measured)", name, s)
		}
	}
	if s := stages["to_first_segment"]; s.Max < stages["session"].P50 {
		t.Errorf("session start to first segment %+v is shorter than its first stage %+v", s, stages["session"])
	}

	// Whole sessions with client beacons, on a virtual clock (a 20 Mbit/s simulated network).
	// A break whose decision misses ssai's deadline plays content (a fallback, not a failure, and
	// possible on a loaded CI machine), so two sessions in three must open with their preroll and
	// one in three must have its midroll filled and beaconed.
	p := player.New(player.WithClock(func() player.Clock { return player.NewVirtualClock(time.Now()) }), player.WithBandwidth(20_000_000))
	defer p.Close()
	prerolls, midrolls := 0, 0
	for i := range 3 {
		uid := fmt.Sprintf("play-test-%d-%d", os.Getpid(), i)
		res, err := p.Play(ctx, player.SessionsURL(base(8083), player.SessionRequest{Source: "demo", UID: uid, Beacons: "client"}))
		if err != nil {
			t.Fatalf("session %d: %v (%+v)", i, err, res)
		}
		if !res.Ended || res.Info.RequestID == "" || res.Startup.ToFirstSegment <= 0 || res.Errors != 0 {
			t.Errorf("session %d: ended %v, request id %q, startup %+v, %d errors (%s)", i, res.Ended, res.Info.RequestID, res.Startup, res.Errors, res.LastError)
		}
		if res.FirstSegmentAvail != "" && res.AdSegments > 0 {
			prerolls++
		}
		fired, events := 0, map[string]int{}
		for _, b := range res.Beacons {
			fired += b.URLs
			events[b.Event]++
			if b.Failed != 0 {
				t.Errorf("session %d: beacon %+v failed", i, b)
			}
		}
		if res.FirstSegmentAvail != "" && (fired == 0 || events["impression"] == 0 || events["complete"] == 0) {
			t.Errorf("session %d: %d beacon URLs fired, events %v: want the preroll's impression to complete", i, fired, events)
		}
		if res.Avails >= 2 && events["impression"] >= 2 && events["complete"] >= 2 {
			midrolls++
		}
		t.Logf("session %d: %d avails, %d ad segments, %d beacon URLs fired", i, res.Avails, res.AdSegments, fired)
	}
	if prerolls < 2 || midrolls == 0 {
		t.Errorf("%d sessions of three opened with their preroll, %d had their midroll filled and beaconed", prerolls, midrolls)
	}
}
