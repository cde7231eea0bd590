package hls

import (
	"errors"
	"strings"
	"testing"
)

func TestMasterRoundTrip(t *testing.T) {
	in := readTestdata(t, "master_audio_group.m3u8")
	if !IsMaster(in) {
		t.Fatal("IsMaster = false")
	}
	p, err := ParseMasterString(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != in {
		t.Fatalf("round trip differs:\n%s", got)
	}
	if len(p.Renditions) != 1 || len(p.Variants) != 2 || len(p.IFrameVariants) != 1 {
		t.Fatalf("parsed %+v", p)
	}
	r := p.Renditions[0]
	if r.Type() != "AUDIO" || r.GroupID() != "aac" || r.Name() != "English" || r.Language() != "en" ||
		r.URI() != "audio/index.m3u8" || !r.Default() {
		t.Fatalf("rendition = %+v", r)
	}
	v := p.Variants[1]
	if w, h := v.Resolution(); v.Bandwidth() != 2100000 || v.AverageBandwidth() != 1980000 ||
		v.Codecs() != "avc1.4d401f,mp4a.40.2" || w != 960 || h != 540 || v.Audio() != "aac" || v.URI != "540p/index.m3u8" {
		t.Fatalf("variant = %+v", v)
	}
}

// A stitcher rewrites URIs and keeps everything else.
func TestMasterRewriteURIs(t *testing.T) {
	p, err := ParseMasterString(readTestdata(t, "master_audio_group.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Renditions {
		p.Renditions[i].Attrs = p.Renditions[i].Attrs.SetQuoted("URI", "/s/abc/"+p.Renditions[i].URI())
	}
	for i := range p.Variants {
		p.Variants[i].URI = "/s/abc/" + p.Variants[i].URI
	}
	out := p.String()
	for _, want := range []string{`CHANNELS="2",URI="/s/abc/audio/index.m3u8"`, "\n/s/abc/360p/index.m3u8\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestMasterErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"#EXTM3U\n#EXTINF:2,\na.ts\n",
		"#EXTM3U\nv.m3u8\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\nv.m3u8\n",
		"#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"x\n",
	} {
		_, err := ParseMasterString(in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: err = %v, want *ParseError", in, err)
		}
	}
}

func TestMasterKeepsUnknownTagsInPlace(t *testing.T) {
	in := "#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID=\"x\",VALUE=\"y\"\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n# between\n#EXT-X-STREAM-INF:BANDWIDTH=2\nb.m3u8\n#EXT-X-VENDOR\n"
	p, err := ParseMasterString(in)
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != in {
		t.Fatalf("round trip:\n%s", p.String())
	}
	if len(p.Header) != 1 || len(p.Variants[1].Tags) != 1 || len(p.Trailer) != 1 {
		t.Fatalf("placement: %+v", p)
	}
}
