package hls

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/Eyevinn/hls-m3u8/m3u8"
)

// eyevinnMedia decodes a media playlist with the independent Eyevinn/hls-m3u8 parser. It calls
// SetWinSize(0) so that re-encoding keeps every segment (the library's trap for live lists).
func eyevinnMedia(t testing.TB, text string) (*m3u8.MediaPlaylist, error) {
	t.Helper()
	pl, typ, err := m3u8.DecodeFrom(strings.NewReader(text), true)
	if err != nil {
		return nil, err
	}
	if typ != m3u8.MEDIA {
		t.Fatalf("Eyevinn decoded a %v playlist", typ)
	}
	mp := pl.(*m3u8.MediaPlaylist)
	mp.SetWinSize(0)
	return mp, nil
}

// Our reading of every sample, and of what we write back, agrees with Eyevinn/hls-m3u8.
func TestAgreesWithEyevinn(t *testing.T) {
	for _, name := range []string{"vod_ffmpeg_ts.m3u8", "vod_ffmpeg_fmp4_pdt.m3u8", "live_cueout.m3u8", "live_oatcls.m3u8"} {
		t.Run(name, func(t *testing.T) {
			in := readTestdata(t, name)
			ours, err := ParseMediaString(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{in, ours.String()} {
				theirs, err := eyevinnMedia(t, text)
				if err != nil {
					t.Fatalf("Eyevinn: %v", err)
				}
				compareWithEyevinn(t, ours, theirs)
			}
		})
	}
}

func compareWithEyevinn(t *testing.T, ours *MediaPlaylist, theirs *m3u8.MediaPlaylist) {
	t.Helper()
	segs := theirs.GetAllSegments()
	if len(segs) != len(ours.Segments) {
		t.Fatalf("Eyevinn sees %d segments, we see %d", len(segs), len(ours.Segments))
	}
	// Not TargetDuration: Eyevinn raises it to the ceiling of the longest EXTINF (4.004 → 5),
	// where RFC 8216 rounds to the nearest second.
	if theirs.SeqNo != ours.MediaSequence || theirs.DiscontinuitySeq != ours.DiscontinuitySequence ||
		theirs.Closed != ours.EndList {
		t.Fatalf("header: Eyevinn seq=%d ds=%d td=%v closed=%v; ours %+v", theirs.SeqNo, theirs.DiscontinuitySeq,
			theirs.TargetDuration, theirs.Closed, ours)
	}
	for i, s := range segs {
		o := ours.Segments[i]
		if s.URI != o.URI || s.Discontinuity != o.Discontinuity ||
			time.Duration(math.Round(s.Duration*1e6))*time.Microsecond != o.Duration.Round(time.Microsecond) ||
			!s.ProgramDateTime.Equal(o.ProgramDateTime) {
			t.Fatalf("segment %d: Eyevinn %+v; ours %+v", i, s, o)
		}
		hasCue := false
		for _, tg := range o.Tags {
			if tg.Kind.IsCue() && tg.Kind != TagDateRange {
				hasCue = true
			}
		}
		if (s.SCTE != nil) != hasCue {
			t.Fatalf("segment %d: Eyevinn cue %+v, our tags %+v", i, s.SCTE, o.Tags)
		}
	}
}

// The library's second trap: it refuses a playlist ending with an SCTE-35 DATERANGE, which is a
// normal live state that this package keeps in Trailer.
func TestEyevinnRefusesDanglingDateRange(t *testing.T) {
	in := readTestdata(t, "live_daterange_dangling.m3u8")
	if _, err := eyevinnMedia(t, in); !errors.Is(err, m3u8.ErrDanglingSCTE35DateRange) {
		t.Fatalf("Eyevinn err = %v", err)
	}
	ours, err := ParseMediaString(in)
	if err != nil {
		t.Fatal(err)
	}
	ours.Trailer = nil
	theirs, err := eyevinnMedia(t, ours.String())
	if err != nil {
		t.Fatal(err)
	}
	compareWithEyevinn(t, ours, theirs)
}

func TestMasterAgreesWithEyevinn(t *testing.T) {
	in := readTestdata(t, "master_audio_group.m3u8")
	ours, err := ParseMasterString(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(ours.String())
	pl, typ, err := m3u8.Decode(buf, true)
	if err != nil || typ != m3u8.MASTER {
		t.Fatalf("Eyevinn: %v %v", typ, err)
	}
	mp := pl.(*m3u8.MasterPlaylist)
	var variants []*m3u8.Variant
	for _, v := range mp.Variants {
		if !v.Iframe {
			variants = append(variants, v)
		}
	}
	if len(variants) != len(ours.Variants) || len(mp.Variants)-len(variants) != len(ours.IFrameVariants) {
		t.Fatalf("variants: %d vs %d", len(variants), len(ours.Variants))
	}
	for i, v := range variants {
		o := ours.Variants[i]
		if v.URI != o.URI || int64(v.Bandwidth) != o.Bandwidth() || v.Codecs != o.Codecs() || v.Audio != o.Audio() {
			t.Fatalf("variant %d: Eyevinn %+v; ours %+v", i, v, o)
		}
	}
}
