package ads

import (
	"strings"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

// MatchAudio returns the index in files of the ad's separate audio rendition (an HLS media file
// without a picture: no width and height, or an audio-only codec), or -1 when the ad has none
// (its audio is muxed with the video, and cannot fill a content audio rendition).
func MatchAudio(files []vast.MediaFile) int {
	for i := range files {
		f := &files[i]
		if !IsHLS(f) {
			continue
		}
		c := strings.ToLower(f.Codec)
		if f.Width == 0 && f.Height == 0 && (c == "" || !strings.Contains(c, "avc") && !strings.Contains(c, "hvc") && !strings.Contains(c, "hev")) ||
			strings.HasPrefix(c, "mp4a") && !strings.Contains(c, ",") {
			return i
		}
	}
	return -1
}
