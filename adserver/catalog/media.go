package catalog

import (
	"time"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

// Ref is how an ad names its creative's media: what the decision path knows after reading the
// ad's VAST. The catalog finds the creative by UniversalAdId when it is known, by the
// mezzanine's URL otherwise.
type Ref struct {
	UniversalAdID vast.UniversalAdID
	// Mezzanine is the best source file the ad offers (a VAST 4 <Mezzanine>, else the
	// largest progressive MP4); empty URL when it offers none.
	Mezzanine vast.MediaFile
	Duration  time.Duration
	// Source says where the ad came from, for the catalog's records ("bidder:dsp-a").
	Source     string
	Title      string
	Advertiser string
}

// Status is whether a creative can be played by the stitcher.
type Status uint8

// Creative states.
const (
	// StatusReady: conditioned; its renditions match the content ladder.
	StatusReady Status = iota
	// StatusPending: known or just queued, not conditioned yet (downloading, waiting,
	// transcoding). The ad is left out of the pod (VAST error 407).
	StatusPending
	// StatusNoMezzanine: the ad offers no file to condition (VAST error 406).
	StatusNoMezzanine
	// StatusFailed: conditioning failed (VAST error 405); retried later.
	StatusFailed
)

var statusNames = [...]string{"ready", "pending", "no-mezzanine", "failed"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// Media is a creative ready to stitch: one HLS media playlist per rendition of the content
// ladder, and the mezzanine it was made from.
type Media struct {
	ID            string // catalog id
	UniversalAdID vast.UniversalAdID
	Duration      time.Duration
	// Renditions are written as the ad's <MediaFile delivery="streaming"> elements, in
	// ladder order.
	Renditions []vast.MediaFile
	// Audio is the separate audio rendition when the ladder has one (width and height 0).
	Audio vast.MediaFile
	// Master is the ad's master playlist (all renditions), also a MediaFile.
	Master    vast.MediaFile
	Mezzanine vast.MediaFile
}
