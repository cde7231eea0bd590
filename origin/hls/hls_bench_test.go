package hls

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/hls-m3u8/m3u8"
)

// vod600 is a 600-segment VOD rendition as ffmpeg writes it (20 minutes of 2 s segments).
func vod600() string {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	for i := 0; i < 600; i++ {
		fmt.Fprintf(&b, "#EXTINF:2.000000,\nseg_%05d.ts\n", i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.String()
}

// live600 is a 600-segment live window with a PROGRAM-DATE-TIME on every segment, a
// discontinuity every 100 segments and a 30 s CUE-OUT break every 60 segments.
func live600() string {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:90000\n#EXT-X-DISCONTINUITY-SEQUENCE:150\n")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 600; i++ {
		if i%100 == 0 && i > 0 {
			b.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		switch k := i % 60; {
		case k == 10:
			b.WriteString("#EXT-X-CUE-OUT:30.000\n")
		case k > 10 && k < 25:
			fmt.Fprintf(&b, "#EXT-X-CUE-OUT-CONT:ElapsedTime=%d.000,Duration=30.000,SCTE35=/DAlAAAAAAAAAP/wFAUAAAABf+//AHbGkP4AKTLgAAEAAAAAnJjWJw==\n", (k-10)*2)
		case k == 25:
			b.WriteString("#EXT-X-CUE-IN\n")
		}
		b.WriteString("#EXT-X-PROGRAM-DATE-TIME:")
		b.Write(AppendDateTime(nil, t0.Add(time.Duration(i)*2*time.Second)))
		fmt.Fprintf(&b, "\n#EXTINF:2.000,\n%d.ts\n", 90000+i)
	}
	return b.String()
}

func benchParse(b *testing.B, in string) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMediaString(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMediaVOD600(b *testing.B)  { benchParse(b, vod600()) }
func BenchmarkParseMediaLive600(b *testing.B) { benchParse(b, live600()) }

// BenchmarkDecodeReuseLive600 decodes into the same playlist: the steady state of a stitcher
// that keeps one playlist per worker.
func BenchmarkDecodeReuseLive600(b *testing.B) {
	in := live600()
	var p MediaPlaylist
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func benchWrite(b *testing.B, in string) {
	p, err := ParseMediaString(in)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, len(in)+1024)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		buf = p.AppendTo(buf[:0])
	}
}

func BenchmarkAppendMediaVOD600(b *testing.B)  { benchWrite(b, vod600()) }
func BenchmarkAppendMediaLive600(b *testing.B) { benchWrite(b, live600()) }

// The baseline: the same playlists through Eyevinn/hls-m3u8 (decode, then encode).
func BenchmarkEyevinnDecodeVOD600(b *testing.B)  { benchEyevinnDecode(b, vod600()) }
func BenchmarkEyevinnDecodeLive600(b *testing.B) { benchEyevinnDecode(b, live600()) }

func benchEyevinnDecode(b *testing.B, in string) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m3u8.DecodeFrom(strings.NewReader(in), true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEyevinnEncodeLive600(b *testing.B) {
	in := live600()
	pl, _, err := m3u8.DecodeFrom(strings.NewReader(in), true)
	if err != nil {
		b.Fatal(err)
	}
	mp := pl.(*m3u8.MediaPlaylist)
	mp.SetWinSize(0)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var out bytes.Buffer
	for b.Loop() {
		mp.ResetCache()
		out.Reset()
		out.Write(mp.Encode().Bytes())
	}
}

func BenchmarkParseDateTime(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDateTime("2025-01-01T00:00:02.000Z"); err != nil {
			b.Fatal(err)
		}
	}
}
