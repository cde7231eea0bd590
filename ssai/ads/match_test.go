package ads

import (
	"testing"

	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/origin/packager"
)

// conditioned is an ad as the adserver conditions it: one HLS rendition per rung of the content
// ladder, plus the progressive mezzanine.
func conditioned() []vast.MediaFile {
	files := []vast.MediaFile{{Delivery: "progressive", Type: "video/mp4", Width: 1280, Height: 720, Bitrate: 3000, URL: "https://ads.example/a/mezz.mp4"}}
	for _, r := range packager.DefaultLadder().Renditions {
		files = append(files, vast.MediaFile{
			Delivery: "streaming", Type: "application/x-mpegURL", Width: r.Width, Height: r.Height,
			Bitrate: int(r.Bitrate / 1000), URL: "https://ads.example/a/" + r.Name + "/index.m3u8",
		})
	}
	return files
}

func TestMatchLadder(t *testing.T) {
	files := conditioned()
	for _, r := range packager.DefaultLadder().Renditions {
		i := Match(files, r.Width, r.Height, int64(r.Bitrate))
		if i < 0 || files[i].Width != r.Width || files[i].Height != r.Height {
			t.Errorf("%s: matched %d (%+v)", r.Name, i, files[max(i, 0)])
		}
	}
}

func TestMatchNearest(t *testing.T) {
	files := conditioned()
	// A content rung the ad lacks: the nearest resolution.
	if i := Match(files, 1920, 1080, 6_000_000); files[i].Height != 720 {
		t.Errorf("1080p content got %dp", files[i].Height)
	}
	if i := Match(files, 320, 180, 300_000); files[i].Height != 360 {
		t.Errorf("180p content got %dp", files[i].Height)
	}
	// Same resolution twice: the nearest bitrate.
	files = []vast.MediaFile{
		{Type: "application/vnd.apple.mpegurl", Width: 640, Height: 360, Bitrate: 400, URL: "lo.m3u8"},
		{Type: "application/vnd.apple.mpegurl", Width: 640, Height: 360, Bitrate: 900, URL: "hi.m3u8"},
	}
	if i := Match(files, 640, 360, 1_000_000); files[i].URL != "hi.m3u8" {
		t.Errorf("got %s, want hi.m3u8", files[i].URL)
	}
	if i := Match([]vast.MediaFile{{Type: "video/mp4", URL: "a.mp4"}}, 640, 360, 1); i != -1 {
		t.Errorf("progressive only: got %d, want -1", i)
	}
	if !IsHLS(&vast.MediaFile{URL: "https://x/a/index.m3u8?sig=1"}) {
		t.Error("an .m3u8 URL with a query is HLS")
	}
}
