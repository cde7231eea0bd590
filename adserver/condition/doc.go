// Package condition prepares ads for server-side ad insertion: it transcodes each creative's
// mezzanine with ffmpeg into HLS renditions that match the content ladder, so the stitcher can
// splice the ad into every variant playlist of the content at the same point.
//
// What "match" means is the Ladder (ladder.go): for every content rendition, the same video
// codec, profile and level, resolution (the ad is scaled and letter-/pillar-boxed, never
// stretched), frame rate, AAC audio layout and sample rate (silence is added to an ad without
// audio), segment container (MPEG-TS or fMP4) and segment duration, with a key frame exactly
// on every segment boundary and none elsewhere, and a length of exactly the ad's declared
// duration (trimmed, or padded by holding the last frame) — a stitched break then has no
// slivers, and every variant's discontinuities line up.
//
//	c, _ := condition.New(condition.Options{Root: mediaRoot, Ladder: ladder, Tools: tools, Fetch: guarded,
//		OnDone: func(j condition.Job, out condition.Output, err error) { … }})
//	c.Submit(condition.Job{Key: creativeID, URL: mezzanineURL, Duration: 30 * time.Second})
//
// The Conditioner downloads mezzanines through the SSRF guard (safehttp), hashes them
// (SHA-256) on the way, and runs a bounded number of ffmpeg processes, one per job, each
// decoding the source once and encoding every rendition (ffmpeg.go). Output goes to
//
//	<root>/ads/<media hash>/source.mp4
//	<root>/ads/<media hash>/<ladder fingerprint>/master.m3u8
//	<root>/ads/<media hash>/<ladder fingerprint>/<rendition>/index.m3u8, seg_00000.ts …
//
// written into a temporary directory and renamed into place once every playlist is complete
// and as long as the ad, so a reader never sees half a rendition. Work is deduplicated twice:
// by creative key while a job is queued or running, and by media hash across creatives (the
// same bytes under two UniversalAdIds are transcoded once per ladder). Jobs report their state
// and progress (from ffmpeg's -progress output) for the admin API.
//
// MakeSlate (demo.go) makes the demo ads `cuepoint dev` seeds: colour slates saying "AD n".
//
// Budget: conditioning is off the request path. A 30 s ad to a four-rendition 1080p ladder is
// about real time on one core with the veryfast preset; the ad is left out of pods (VAST error
// 407) until it is ready.
package condition
