package ads

import (
	"strings"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

// Match returns the index in files of the HLS media file that best matches a content rendition
// of width×height at bandwidth bits per second, or -1 when there is no HLS media file. The same
// resolution wins; otherwise the nearest height; ties go to the nearest bitrate. Progressive
// files (MP4) are never chosen: they cannot be spliced into a playlist; nor are files without a
// picture (the audio rendition) or without a bitrate while others have one (a multivariant
// playlist listed beside its renditions).
func Match(files []vast.MediaFile, width, height int, bandwidth int64) int {
	best := -1
	var bestRes, bestRate int64
	rated := false
	for i := range files {
		rated = rated || IsHLS(&files[i]) && files[i].Bitrate > 0 && files[i].Height > 0
	}
	for i := range files {
		f := &files[i]
		if !IsHLS(f) || f.Width == 0 && f.Height == 0 || rated && f.Bitrate == 0 {
			continue
		}
		res := abs(int64(f.Height-height)) + abs(int64(f.Width-width))
		rate := abs(int64(f.Bitrate)*1000 - bandwidth)
		if best < 0 || res < bestRes || res == bestRes && rate < bestRate {
			best, bestRes, bestRate = i, res, rate
		}
	}
	return best
}

// IsHLS reports whether a media file is an HLS playlist: an MPEG-URL MIME type, or a URL whose
// path ends in .m3u8.
func IsHLS(f *vast.MediaFile) bool {
	t := strings.ToLower(f.Type)
	if strings.Contains(t, "mpegurl") {
		return true
	}
	u, _, _ := strings.Cut(f.URL, "?")
	return strings.HasSuffix(strings.ToLower(u), ".m3u8")
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
