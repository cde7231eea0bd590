// Package player is a headless HLS player in Go: a real client that fetches what a viewer's
// player fetches, simulates playback, and measures quality of experience. It proves the edge
// end to end, and the load generator plays viewer sessions with it (`cuepoint play --sessions`)
// to measure the session-start budget: a new viewer's session start to first segment, through
// the preroll decision (ssai → adserver → auction → bidder).
//
//	p := player.New(player.WithBandwidth(5_000_000), player.WithWatchTime(time.Minute),
//		player.WithEmitter(prod))                      // QoE to analytics/producer
//	res, err := p.Play(ctx, "http://ssai:8083/v1/sessions?source=demo&uid=v1&beacons=client")
//	fmt.Println(res.Startup.ToFirstSegment, res.Rebuffers, res.Switches, res.AdSegments)
//
// # A session
//
// Play starts at a multivariant (or media) playlist URL, or at SSAI's sessions endpoint: a URL
// ending in /v1/sessions whose query holds the request (SessionsURL), which Play sends as
// POST {"source", "uid", "content", "beacons"} before playing the manifestUrl it gets back. It
// parses playlists with origin/hls, picks a variant, loads its media playlist and the default
// audio rendition of its AUDIO group, then loops:
//
//   - fetch the next segment of whichever track (video, audio) has the least buffered, by media
//     sequence number, with its EXT-X-MAP when it changed (segments that redirect, as SSAI's ad
//     segments do, are followed);
//   - keep at most WithMaxBuffer of media ahead of the playhead;
//   - reload a live playlist a target duration after a reload that changed it, half of one after
//     one that did not (RFC 8216 §6.3.4); a live session starts three target durations from the
//     end of the playlist (§6.3.3) and jumps forward, counting an error, if it falls out of the
//     window;
//   - crossing EXT-X-DISCONTINUITY is counted; media time keeps running across it.
//
// # Playback and the clock
//
// Playback is simulated: a playhead in media time moves with the session's clock once every
// track has its first segment, stalls at the exact moment it reaches the end of the buffer
// (a rebuffer, timed until WithResumeBuffer is buffered again), and ends at the end of a VOD or
// after WithWatchTime. The clock is the wall clock by default. A VirtualClock (WithClock) only
// moves when the player waits, so a test plays minutes of media in milliseconds and gets the
// same result every run; its OnAdvance hook drives a live origin's clock in step.
//
// # ABR
//
// WithBandwidth or WithBandwidthProfile cap the simulated network: a segment of n bytes takes at
// least n×8/bandwidth (the player sleeps on its clock for the difference). The throughput
// estimate is the lower of a fast and a slow moving average of segment throughputs; the player
// switches down when its variant's BANDWIDTH exceeds 0.9 × the estimate and up only when a better
// one fits in 0.7 × it and two segments have passed since the last switch (ABR): the band between
// is the hysteresis that keeps it from flapping.
//
// # Ads and beacons
//
// With a trackingUrl (sessions started through POST /v1/sessions), the player reads the tracking
// JSON after its first segment and every WithTrackingPoll (ParseTracking refuses out-of-range
// times and non-http(s) beacon URLs). Each tracking event is placed on the media timeline (VOD:
// the avail's startTime; live: its programDateTime against the segments' PROGRAM-DATE-TIME) and,
// when the playhead reaches it, its URLs are fetched once (client-side beaconing; server-side
// sessions list events without URLs and are only recorded). Events due before the point the
// session began (a live join in the middle of a break) are skipped, not fired late. Result.Beacons lists them with the
// media time they were due at and the session time they fired; AdSegments and FirstSegmentAvail
// tell which downloaded segments were inside avails.
//
// # What it measures
//
// Result.Startup times each stage of the start: Session (POST /v1/sessions, which waits for the
// preroll decision, or the master GET), Master, Media, FirstSegment, and their sum ToFirstSegment
// (the end-to-end budget's figure), then ToPlayback. Result also has watch time, rebuffers and
// their time, switches, time-weighted bitrate, errors, segments, bytes, discontinuities and
// reloads. StartupStats aggregates many sessions' stages in HdrHistograms.
//
// QoE reports (analytics/events.QoE, family playback) go to WithEmitter every WithQoEInterval
// and at the end, as deltas (the first carries startup_ms; the last is final): an
// analytics/producer.Producer inside a service, or a CollectorEmitter, which posts batches to the
// collector's POST /v1/events signed as a server sender (analytics/collector.Sign).
//
// Players are safe for concurrent use: sessions share one fasthttp client (WithConnections).
// Bad input (a non-http URL, a playlist without variants, a session answer without a manifest
// URL, a malformed tracking JSON) is an error in the Result, never a panic; the parsers of
// outside input are fuzzed (FuzzParseTracking, FuzzParseSessionResponse; corpora in
// testdata/fuzz). WithStartupOnly ends a session at its first segment, for load tests.
//
// # Budget
//
// The player is a client: its cost matters only in that the load generator must not be what is
// measured. A session start (master, two media playlists, first segment) costs ~175 µs of CPU
// with the origin in the same process, against ~105 µs for loadtest's bare SessionPlayer
// (BenchmarkStartup). The end-to-end budget it measures — session start to first segment, p99
// ≤ 100 ms on this machine, goal ≤ 30 ms — read p99 22 ms at 50 new preroll sessions/s on a quiet
// minute against cuepoint dev; BENCHMARKS.md has every run with its command and conditions.
package player
