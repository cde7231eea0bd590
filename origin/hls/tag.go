package hls

import "strings"

// TagKind classifies a playlist line. The parsers own a few kinds (they become typed fields);
// every other line is kept verbatim as a Tag whose Kind lets callers find it without string
// comparisons (an SSAI stitcher looks for the cue kinds, a rewriter for TagMap and TagKey).
type TagKind uint8

// Kinds of playlist lines. The zero value is TagUnknown: an #EXT tag this package does not know,
// which is still kept and written back verbatim.
const (
	TagUnknown TagKind = iota
	TagComment         // a line starting with '#' but not "#EXT"
	TagURI             // a URI line (a media segment or variant stream)

	// Basic and playlist-level tags.
	TagM3U                   // #EXTM3U
	TagVersion               // #EXT-X-VERSION
	TagIndependentSegments   // #EXT-X-INDEPENDENT-SEGMENTS
	TagStart                 // #EXT-X-START
	TagDefine                // #EXT-X-DEFINE
	TagTargetDuration        // #EXT-X-TARGETDURATION
	TagMediaSequence         // #EXT-X-MEDIA-SEQUENCE
	TagDiscontinuitySequence // #EXT-X-DISCONTINUITY-SEQUENCE
	TagEndList               // #EXT-X-ENDLIST
	TagPlaylistType          // #EXT-X-PLAYLIST-TYPE
	TagIFramesOnly           // #EXT-X-I-FRAMES-ONLY
	TagPartInf               // #EXT-X-PART-INF
	TagServerControl         // #EXT-X-SERVER-CONTROL
	TagAllowCache            // #EXT-X-ALLOW-CACHE (removed in protocol version 7, still seen)

	// Media segment tags.
	TagInf             // #EXTINF
	TagByteRange       // #EXT-X-BYTERANGE
	TagDiscontinuity   // #EXT-X-DISCONTINUITY
	TagKey             // #EXT-X-KEY
	TagMap             // #EXT-X-MAP
	TagProgramDateTime // #EXT-X-PROGRAM-DATE-TIME
	TagGap             // #EXT-X-GAP
	TagBitrate         // #EXT-X-BITRATE
	TagPart            // #EXT-X-PART
	TagDateRange       // #EXT-X-DATERANGE
	TagSkip            // #EXT-X-SKIP
	TagPreloadHint     // #EXT-X-PRELOAD-HINT
	TagRenditionReport // #EXT-X-RENDITION-REPORT
	TagCueOut          // #EXT-X-CUE-OUT (ad break starts; de-facto standard)
	TagCueOutCont      // #EXT-X-CUE-OUT-CONT (inside an ad break)
	TagCueIn           // #EXT-X-CUE-IN (ad break ends)
	TagOATCLS          // #EXT-OATCLS-SCTE35 (base64 SCTE-35 splice_info_section)
	TagSCTE35          // #EXT-SCTE35 (SCTE 67 style)
	TagAsset           // #EXT-X-ASSET (ad asset identifier beside a cue)

	// Multivariant (master) playlist tags.
	TagMedia           // #EXT-X-MEDIA
	TagStreamInf       // #EXT-X-STREAM-INF
	TagIFrameStreamInf // #EXT-X-I-FRAME-STREAM-INF
	TagSessionData     // #EXT-X-SESSION-DATA
	TagSessionKey      // #EXT-X-SESSION-KEY
	TagContentSteering // #EXT-X-CONTENT-STEERING
	numKinds           // keep last
)

var kindNames = [numKinds]string{
	TagUnknown:               "",
	TagComment:               "",
	TagURI:                   "",
	TagM3U:                   "EXTM3U",
	TagVersion:               "EXT-X-VERSION",
	TagIndependentSegments:   "EXT-X-INDEPENDENT-SEGMENTS",
	TagStart:                 "EXT-X-START",
	TagDefine:                "EXT-X-DEFINE",
	TagTargetDuration:        "EXT-X-TARGETDURATION",
	TagMediaSequence:         "EXT-X-MEDIA-SEQUENCE",
	TagDiscontinuitySequence: "EXT-X-DISCONTINUITY-SEQUENCE",
	TagEndList:               "EXT-X-ENDLIST",
	TagPlaylistType:          "EXT-X-PLAYLIST-TYPE",
	TagIFramesOnly:           "EXT-X-I-FRAMES-ONLY",
	TagPartInf:               "EXT-X-PART-INF",
	TagServerControl:         "EXT-X-SERVER-CONTROL",
	TagAllowCache:            "EXT-X-ALLOW-CACHE",
	TagInf:                   "EXTINF",
	TagByteRange:             "EXT-X-BYTERANGE",
	TagDiscontinuity:         "EXT-X-DISCONTINUITY",
	TagKey:                   "EXT-X-KEY",
	TagMap:                   "EXT-X-MAP",
	TagProgramDateTime:       "EXT-X-PROGRAM-DATE-TIME",
	TagGap:                   "EXT-X-GAP",
	TagBitrate:               "EXT-X-BITRATE",
	TagPart:                  "EXT-X-PART",
	TagDateRange:             "EXT-X-DATERANGE",
	TagSkip:                  "EXT-X-SKIP",
	TagPreloadHint:           "EXT-X-PRELOAD-HINT",
	TagRenditionReport:       "EXT-X-RENDITION-REPORT",
	TagCueOut:                "EXT-X-CUE-OUT",
	TagCueOutCont:            "EXT-X-CUE-OUT-CONT",
	TagCueIn:                 "EXT-X-CUE-IN",
	TagOATCLS:                "EXT-OATCLS-SCTE35",
	TagSCTE35:                "EXT-SCTE35",
	TagAsset:                 "EXT-X-ASSET",
	TagMedia:                 "EXT-X-MEDIA",
	TagStreamInf:             "EXT-X-STREAM-INF",
	TagIFrameStreamInf:       "EXT-X-I-FRAME-STREAM-INF",
	TagSessionData:           "EXT-X-SESSION-DATA",
	TagSessionKey:            "EXT-X-SESSION-KEY",
	TagContentSteering:       "EXT-X-CONTENT-STEERING",
}

// String returns the tag name without '#' ("EXT-X-CUE-OUT"), or "unknown", "comment", "uri".
func (k TagKind) String() string {
	switch k {
	case TagUnknown:
		return "unknown"
	case TagComment:
		return "comment"
	case TagURI:
		return "uri"
	}
	if k < numKinds {
		return kindNames[k]
	}
	return "invalid"
}

// IsCue reports whether the kind is one of the ad-marker tags: EXT-X-CUE-OUT, -CUE-OUT-CONT,
// -CUE-IN, EXT-OATCLS-SCTE35, EXT-SCTE35 or EXT-X-DATERANGE (which carries SCTE-35 only when
// it has SCTE35-OUT, SCTE35-IN or SCTE35-CMD attributes; check with DateRangeIsSCTE35).
func (k TagKind) IsCue() bool {
	switch k {
	case TagCueOut, TagCueOutCont, TagCueIn, TagOATCLS, TagSCTE35, TagDateRange:
		return true
	}
	return false
}

// playlistLevel reports whether a tag describes the whole playlist rather than the next
// segment. Unknown tags are taken to belong to the next segment, which keeps their position.
func (k TagKind) playlistLevel() bool {
	switch k {
	case TagVersion, TagIndependentSegments, TagStart, TagDefine, TagTargetDuration,
		TagMediaSequence, TagDiscontinuitySequence, TagEndList, TagPlaylistType,
		TagIFramesOnly, TagPartInf, TagServerControl, TagAllowCache:
		return true
	}
	return false
}

// Classify returns the kind of a tag name given without '#' and ':' ("EXT-X-MAP").
func Classify(name string) TagKind {
	// A switch on strings compiles to a length-then-content search: ~10 ns, no allocation.
	switch name {
	case "EXTINF":
		return TagInf
	case "EXT-X-PROGRAM-DATE-TIME":
		return TagProgramDateTime
	case "EXT-X-DISCONTINUITY":
		return TagDiscontinuity
	case "EXT-X-BYTERANGE":
		return TagByteRange
	case "EXT-X-KEY":
		return TagKey
	case "EXT-X-MAP":
		return TagMap
	case "EXT-X-DATERANGE":
		return TagDateRange
	case "EXT-X-CUE-OUT":
		return TagCueOut
	case "EXT-X-CUE-OUT-CONT":
		return TagCueOutCont
	case "EXT-X-CUE-IN":
		return TagCueIn
	case "EXT-OATCLS-SCTE35":
		return TagOATCLS
	case "EXT-SCTE35":
		return TagSCTE35
	case "EXT-X-ASSET":
		return TagAsset
	case "EXT-X-GAP":
		return TagGap
	case "EXT-X-BITRATE":
		return TagBitrate
	case "EXT-X-PART":
		return TagPart
	case "EXTM3U":
		return TagM3U
	case "EXT-X-VERSION":
		return TagVersion
	case "EXT-X-INDEPENDENT-SEGMENTS":
		return TagIndependentSegments
	case "EXT-X-START":
		return TagStart
	case "EXT-X-DEFINE":
		return TagDefine
	case "EXT-X-TARGETDURATION":
		return TagTargetDuration
	case "EXT-X-MEDIA-SEQUENCE":
		return TagMediaSequence
	case "EXT-X-DISCONTINUITY-SEQUENCE":
		return TagDiscontinuitySequence
	case "EXT-X-ENDLIST":
		return TagEndList
	case "EXT-X-PLAYLIST-TYPE":
		return TagPlaylistType
	case "EXT-X-I-FRAMES-ONLY":
		return TagIFramesOnly
	case "EXT-X-PART-INF":
		return TagPartInf
	case "EXT-X-SERVER-CONTROL":
		return TagServerControl
	case "EXT-X-ALLOW-CACHE":
		return TagAllowCache
	case "EXT-X-SKIP":
		return TagSkip
	case "EXT-X-PRELOAD-HINT":
		return TagPreloadHint
	case "EXT-X-RENDITION-REPORT":
		return TagRenditionReport
	case "EXT-X-MEDIA":
		return TagMedia
	case "EXT-X-STREAM-INF":
		return TagStreamInf
	case "EXT-X-I-FRAME-STREAM-INF":
		return TagIFrameStreamInf
	case "EXT-X-SESSION-DATA":
		return TagSessionData
	case "EXT-X-SESSION-KEY":
		return TagSessionKey
	case "EXT-X-CONTENT-STEERING":
		return TagContentSteering
	}
	return TagUnknown
}

// Tag is one playlist line kept verbatim: its kind and the whole line as read, without the line
// terminator ("#EXT-X-CUE-OUT:30.000"). Lines are substrings of the parsed input: keeping a Tag
// costs no allocation.
type Tag struct {
	Kind TagKind
	Line string
}

// NewTag builds the tag "#name" or "#name:value" and classifies it.
func NewTag(name, value string) Tag {
	if value == "" {
		return Tag{Kind: Classify(name), Line: "#" + name}
	}
	return Tag{Kind: Classify(name), Line: "#" + name + ":" + value}
}

// lineTag classifies one trimmed, non-empty line.
func lineTag(line string) Tag {
	if line[0] != '#' {
		return Tag{Kind: TagURI, Line: line}
	}
	if !strings.HasPrefix(line, "#EXT") {
		return Tag{Kind: TagComment, Line: line}
	}
	name := line[1:]
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	return Tag{Kind: Classify(name), Line: line}
}

// Name returns the tag name without '#' and value ("EXT-X-CUE-OUT"); "" for comments and URIs.
func (t Tag) Name() string {
	if t.Kind == TagComment || t.Kind == TagURI || len(t.Line) < 2 {
		return ""
	}
	name := t.Line[1:]
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[:i]
	}
	return name
}

// Value returns what follows the first ':' of a tag ("30.000" for "#EXT-X-CUE-OUT:30.000"),
// "" when there is none.
func (t Tag) Value() string {
	if t.Kind == TagComment || t.Kind == TagURI {
		return ""
	}
	if i := strings.IndexByte(t.Line, ':'); i >= 0 {
		return t.Line[i+1:]
	}
	return ""
}

// Attrs returns the tag's value as an attribute list (for EXT-X-MAP, EXT-X-KEY,
// EXT-X-DATERANGE, EXT-X-CUE-OUT-CONT, ...).
func (t Tag) Attrs() AttrList { return AttrList(t.Value()) }

// DateRangeIsSCTE35 reports whether an EXT-X-DATERANGE tag carries an SCTE-35 command
// (SCTE35-OUT, SCTE35-IN or SCTE35-CMD).
func DateRangeIsSCTE35(t Tag) bool {
	if t.Kind != TagDateRange {
		return false
	}
	a := t.Attrs()
	for _, name := range [...]string{"SCTE35-OUT", "SCTE35-IN", "SCTE35-CMD"} {
		if _, ok := a.Raw(name); ok {
			return true
		}
	}
	return false
}
