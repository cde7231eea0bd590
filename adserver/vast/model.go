package vast

import "time"

// Version is the VAST version this package writes.
const Version = "4.2"

// Namespace is the XML namespace of VAST 4.x documents (the XSD's target namespace).
const Namespace = "http://www.iab.com/VAST"

// Document is a VAST response: either ads (an ad pod when several carry a sequence) or, when
// there is nothing to play, error URLs to call.
type Document struct {
	Version string
	Ads     []Ad
	// Errors are the root-level <Error> URLs of a response without ads.
	Errors []string
}

// Ad is one <Ad>: exactly one of InLine and Wrapper is set.
type Ad struct {
	ID string
	// Sequence is the 1-based position in an ad pod; 0 for a stand-alone ad.
	Sequence int
	InLine   *InLine
	Wrapper  *Wrapper
}

// InLine is an ad with everything needed to play it.
type InLine struct {
	AdSystem    AdSystem
	Errors      []string
	Impressions []Impression
	Pricing     *Pricing
	AdServingID string
	AdTitle     string
	Advertiser  string
	Categories  []Category
	Creatives   []Creative
}

// Wrapper points to another VAST document (VASTAdTagURI) and adds its own tracking to the ad
// found there.
type Wrapper struct {
	AdSystem     AdSystem
	Errors       []string
	Impressions  []Impression
	Pricing      *Pricing
	Creatives    []Creative // linear tracking and click tracking only
	VASTAdTagURI string
	// The wrapper's attributes; nil when absent (the VAST defaults then apply: follow
	// additional wrappers, no multiple ads, no fallback).
	FollowAdditionalWrappers *bool
	AllowMultipleAds         *bool
	FallbackOnNoAd           *bool
}

// AdSystem names the ad server that returned the ad.
type AdSystem struct {
	Name    string
	Version string
}

// Impression is a URL to call when the ad's first frame is shown.
type Impression struct {
	ID  string
	URL string
}

// Pricing is the ad's price as the ad server declares it. Value is a decimal number.
type Pricing struct {
	Model    string // CPM, CPC, CPE or CPV
	Currency string // ISO 4217
	Value    string
}

// Category is the ad's content category in a taxonomy named by Authority.
type Category struct {
	Authority string
	Code      string
}

// Creative is one <Creative>; only linear creatives are modelled.
type Creative struct {
	ID             string
	AdID           string
	Sequence       int
	UniversalAdIDs []UniversalAdID
	Linear         *Linear
}

// UniversalAdID identifies a creative across systems: Value within the registry Registry
// (e.g. "ad-id.org"). VAST 4.1 requires one; "unknown" marks an absent value.
type UniversalAdID struct {
	Registry string
	Value    string
}

// Known reports whether the id names a creative (neither registry nor value is "unknown" or
// empty).
func (u UniversalAdID) Known() bool {
	return u.Registry != "" && u.Value != "" && u.Registry != "unknown" && u.Value != "unknown"
}

// Linear is a linear (in-stream) video creative.
type Linear struct {
	// SkipOffset is the skipoffset attribute ("HH:MM:SS[.mmm]" or "n%"); empty: not skippable.
	SkipOffset    string
	Duration      time.Duration
	Tracking      []Tracking
	ClickThrough  string
	ClickTracking []string
	MediaFiles    []MediaFile
	Mezzanines    []MediaFile
}

// Tracking is a URL to call when the player reaches Event (start, firstQuartile, …).
// Offset is set for progress events.
type Tracking struct {
	Event  string
	Offset string
	URL    string
}

// MediaFile is one encoding of the creative (a <MediaFile> or a <Mezzanine>).
type MediaFile struct {
	ID       string
	Delivery string // progressive or streaming
	Type     string // MIME type
	Width    int
	Height   int
	Codec    string // RFC 6381 codecs string
	Bitrate  int    // kbit/s (MediaFile only)
	FileSize int64
	// MediaType is "2D", "3D" or "360" (VAST 4.1).
	MediaType string
	URL       string
}

// Tracking event names of linear creatives (the XSD's enumeration, the ones a linear ad
// server uses).
const (
	EventCreativeView  = "creativeView"
	EventStart         = "start"
	EventFirstQuartile = "firstQuartile"
	EventMidpoint      = "midpoint"
	EventThirdQuartile = "thirdQuartile"
	EventComplete      = "complete"
	EventMute          = "mute"
	EventUnmute        = "unmute"
	EventPause         = "pause"
	EventResume        = "resume"
	EventRewind        = "rewind"
	EventSkip          = "skip"
	EventProgress      = "progress"
	EventCloseLinear   = "closeLinear"
	EventLoaded        = "loaded"
)

var trackingEvents = map[string]bool{
	"mute": true, "unmute": true, "pause": true, "resume": true, "rewind": true, "skip": true,
	"playerExpand": true, "playerCollapse": true, "loaded": true, "start": true,
	"firstQuartile": true, "midpoint": true, "thirdQuartile": true, "complete": true,
	"progress": true, "closeLinear": true, "creativeView": true, "acceptInvitation": true,
	"adExpand": true, "adCollapse": true, "minimize": true, "close": true,
	"overlayViewDuration": true, "otherAdInteraction": true, "interactiveStart": true,
}

// IsTrackingEvent reports whether name is a tracking event the VAST 4.2 XSD allows.
func IsTrackingEvent(name string) bool { return trackingEvents[name] }
