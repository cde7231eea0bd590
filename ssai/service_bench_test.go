package ssai

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
)

// fixedOrigin answers every source request from memory: a live channel (two video renditions and
// audio, 10-segment windows with a 30 s CUE-OUT break in them) and a slate.
type fixedOrigin map[string]string

func (o fixedOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	key := r.URL.String()
	if r.URL.Path == "/vast" {
		key = "http://adserver/vast"
	}
	body, ok := o[key]
	code := 200
	if !ok {
		code = 404
	}
	return &http.Response{StatusCode: code, Status: http.StatusText(code), Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

func newFixedOrigin() fixedOrigin {
	const master = "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"en\",DEFAULT=YES,URI=\"audio/index.m3u8\"\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO=\"aud\"\n360p/index.m3u8\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=1600000,RESOLUTION=960x540,AUDIO=\"aud\"\n540p/index.m3u8\n"
	live := func(r string) string {
		var b strings.Builder
		b.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:55\n")
		for seq := 55; seq < 65; seq++ {
			switch {
			case seq == 60:
				b.WriteString("#EXT-X-CUE-OUT:30.000\n")
			case seq > 60:
				fmt.Fprintf(&b, "#EXT-X-CUE-OUT-CONT:ElapsedTime=%d.000,Duration=30.000\n", 2*(seq-60))
			}
			fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:%02d:%02d.000Z\n#EXTINF:2.000,\n%s/%d.ts\n", seq*2/60, seq*2%60, r, seq)
		}
		return b.String()
	}
	slate := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:2.000,\ns0.ts\n#EXTINF:2.000,\ns1.ts\n#EXT-X-ENDLIST\n"
	o := fixedOrigin{"http://origin/live/master.m3u8": master, "http://origin/slate/master.m3u8": master}
	for _, r := range []string{"360p", "540p", "audio"} {
		o["http://origin/live/"+r+"/index.m3u8"] = live(r)
		o["http://origin/slate/"+r+"/index.m3u8"] = slate
	}
	// An adserver answering every break with two 10 s ads, tracked with URLs as long as
	// Cuepoint's signed beacons (~400 bytes each).
	ad := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
	for i := range 5 {
		ad += fmt.Sprintf("#EXTINF:2.000,\nseg%d.ts\n", i)
	}
	ad += "#EXT-X-ENDLIST\n"
	sig := strings.Repeat("0123456789abcdef", 20)
	var vast strings.Builder
	vast.WriteString(`<VAST xmlns="http://www.iab.com/VAST" version="4.2">`)
	for n := 1; n <= 2; n++ {
		t := func(ev string) string {
			return "http://adserver/t/" + ev + "?a=serving&c=creative&m=campaign&s=session&b=break&p=1500000&cu=USD&k=1&sig=" + sig
		}
		fmt.Fprintf(&vast, `<Ad id="ad%d" sequence="%d"><InLine><AdSystem>bench</AdSystem><Error><![CDATA[%s]]></Error><Impression><![CDATA[%s]]></Impression><AdServingId>serving-%d</AdServingId><AdTitle>Ad</AdTitle><Creatives><Creative id="cr%d"><UniversalAdId idRegistry="test">u</UniversalAdId><Linear><Duration>00:00:10</Duration><TrackingEvents>`,
			n, n, t("error"), t("impression"), n, n)
		for _, ev := range []string{"start", "firstQuartile", "midpoint", "thirdQuartile", "complete"} {
			fmt.Fprintf(&vast, `<Tracking event="%s"><![CDATA[%s]]></Tracking>`, ev, t(ev))
		}
		vast.WriteString(`</TrackingEvents><MediaFiles>`)
		for _, r := range []struct {
			name string
			w, h int
		}{{"360p", 640, 360}, {"540p", 960, 540}} {
			fmt.Fprintf(&vast, `<MediaFile delivery="streaming" type="application/x-mpegURL" width="%d" height="%d" bitrate="900"><![CDATA[http://ads/%d/%s.m3u8]]></MediaFile>`, r.w, r.h, n, r.name)
			o[fmt.Sprintf("http://ads/%d/%s.m3u8", n, r.name)] = ad
		}
		fmt.Fprintf(&vast, `<MediaFile delivery="streaming" type="application/x-mpegURL" codec="mp4a.40.2" bitrate="128"><![CDATA[http://ads/%d/audio.m3u8]]></MediaFile>`, n)
		o[fmt.Sprintf("http://ads/%d/audio.m3u8", n)] = ad
		vast.WriteString(`</MediaFiles></Linear></Creative></Creatives></InLine></Ad>`)
	}
	vast.WriteString(`</VAST>`)
	o["http://adserver/vast"] = vast.String()
	return o
}

// BenchmarkSessions starts 5,000 sessions of a live source with a slate and an adserver,
// reports the memory each holds on the heap (its plan and two ads; their beacons are in the
// decision cache), then serves their media playlists (a break in the window, ads and slate
// stitched) through the server's router: time and CPU per playlist, and the p99 of single
// requests.
func BenchmarkSessions(b *testing.B) {
	const sessions = 5000
	now := time.Date(2025, 1, 1, 0, 2, 10, 0, time.UTC)
	svc := mustNew(b, Config{Client: &http.Client{Transport: newFixedOrigin()}, Now: func() time.Time { return now }, AdServer: "http://adserver"})
	if err := svc.SetSource(Source{Name: "ch", URL: "http://origin/live/master.m3u8", Slate: "http://origin/slate/master.m3u8"}); err != nil {
		b.Fatal(err)
	}
	srv := server.New("ssai", "127.0.0.1:0")
	svc.Mount(srv)
	h := srv.Handler()
	do := func(ctx *fasthttp.RequestCtx, uri string) []byte {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetRequestURI(uri)
		h(ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("%s: %d %s", uri, ctx.Response.StatusCode(), ctx.Response.Body())
		}
		return ctx.Response.Body()
	}

	var ctx fasthttp.RequestCtx
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	paths := make([]string, 0, sessions*3)
	for range sessions {
		body := string(do(&ctx, "/ssai/ch/master.m3u8?uid=u"))
		for _, line := range strings.Split(body, "\n") {
			if i := strings.Index(line, "s/"); strings.HasPrefix(line, "s/") || i > 0 && strings.Contains(line, "URI=\"s/") {
				if i > 0 {
					line = line[i : i+strings.Index(line[i:], "\"")]
				}
				paths = append(paths, "/ssai/ch/"+line)
			}
		}
	}
	for _, p := range paths { // each session plans its break once
		do(&ctx, p)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSession := float64(after.HeapAlloc-before.HeapAlloc) / sessions
	if pl := string(do(&ctx, paths[0])); !strings.Contains(pl, "/60/0.ts\n") {
		b.Fatalf("ads not stitched:\n%s", pl)
	}

	lat := make([]time.Duration, 0, 20000)
	b.ReportAllocs()
	cpu := startCPU()
	i := 0
	for b.Loop() {
		t0 := time.Now()
		do(&ctx, paths[i%len(paths)])
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
		i++
	}
	cpu.report(b)
	slices.Sort(lat)
	b.ReportMetric(perSession, "B/session")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
