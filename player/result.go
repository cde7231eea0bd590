package player

import "time"

// Startup is how a session started, each stage timed on the session's clock.
type Startup struct {
	// Session is the session start's response time: POST /v1/sessions (which waits for the
	// preroll decision), or the GET of the multivariant playlist when the session starts there.
	Session time.Duration
	// Master is the GET of the multivariant playlist after a POST /v1/sessions (0 otherwise).
	Master time.Duration
	// Media is the GET of the chosen variant's media playlist (and its audio rendition's).
	Media time.Duration
	// FirstSegment is the download of the first media segment, its EXT-X-MAP included.
	FirstSegment time.Duration
	// ToFirstSegment is session start to first segment downloaded: the sum of the stages
	// above, and the end-to-end budget's figure.
	ToFirstSegment time.Duration
	// ToPlayback is session start to playback start (every track has its first segment).
	ToPlayback time.Duration
}

// SegmentInfo describes one downloaded media segment (WithSegmentHook).
type SegmentInfo struct {
	Track         string // "video" (the variant's playlist) or "audio"
	Variant       int    // index of the variant in the multivariant playlist (video track)
	Bandwidth     int64  // its BANDWIDTH
	URI           string
	Sequence      uint64        // media sequence number
	MediaTime     time.Duration // where it starts in the session's media time
	Duration      time.Duration
	Discontinuity bool
	Bytes         int64
	Took          time.Duration // download time on the session's clock, bandwidth cap included
	InAvail       string        // id of the tracking avail it falls in ("" for content)
}

// Beacon is a tracking event the player reached (and fired, for client-side beacons).
type Beacon struct {
	Avail, Ad string
	Event     string
	MediaTime time.Duration // where on the media timeline it was due
	At        time.Duration // session time when the playhead reached it
	URLs      int           // URLs fired
	Failed    int           // of which failed
}

// Result is what one session measured: startup, QoE and what it saw.
type Result struct {
	Info    SessionInfo
	Startup Startup
	Started bool // playback started

	WatchTime       time.Duration // time playing (not stalled)
	Rebuffers       int           // stalls after playback started
	RebufferTime    time.Duration
	Switches        int // variant changes
	BitrateKbps     int // time-weighted average bandwidth of the variants played
	Errors          int // failed requests (each retried)
	LastError       string
	Segments        int   // media segments downloaded (every track)
	Bytes           int64 // bytes of media downloaded
	Discontinuities int   // EXT-X-DISCONTINUITY crossed
	Reloads         int   // live playlist reloads
	AdSegments      int   // video segments inside a tracking avail
	// FirstSegmentAvail is the avail the first video segment was in ("" for content): a
	// preroll's id when the session opened with an ad.
	FirstSegmentAvail string
	Avails            int // avails in the last tracking JSON read
	Beacons           []Beacon
	// BeaconsSkipped counts tracking events due before the point the session began at (a live
	// session that joined in the middle of a break): never reached, so never fired.
	BeaconsSkipped int
	Ended          bool // the VOD played to its end
	Duration       time.Duration
}
