// Package origin is Cuepoint's HLS origin (`cuepoint origin`, :8084): it serves packaged VOD
// assets, simulated live channels with SCTE-35 ad cues, and the web player. The SSAI service
// and players are its clients; it calls nobody.
//
// Routes (GET and HEAD; OPTIONS preflight on media):
//
//	/v1/assets                            packaged assets under the media root (JSON)
//	/v1/channels                          live channels and their state (JSON)
//	/vod/<asset>/<path>                   files of a packaged asset
//	/live/<channel>/master.m3u8           the channel's multivariant playlist
//	/live/<channel>/<rendition>/index.m3u8  its sliding-window media playlists (generated)
//	/live/<channel>/<rendition>/<n>.ts    segment n (media sequence number) of the loop
//	/player/                              the web player's build (404 saying how to build it)
//	/player/config.json                   the player's service URLs and a collector token for the page (PlayerConfig)
//
// Files are served with their media type (application/vnd.apple.mpegurl, video/mp2t,
// video/mp4, audio/aac, ...; nothing else under the media root is served), Cache-Control
// (segments immutable for a year, VOD playlists 30 s, live playlists until the next segment
// and at most half a target duration), strong ETags with If-None-Match and If-Modified-Since,
// single byte ranges (206, 416, If-Range) and CORS for players on other origins. Paths are
// checked element by element (no "..", no hidden files, no backslashes) and opened through an
// os.Root, so neither an encoded ../ nor a symbolic link leads out of the media root.
//
// Live channels come from origin/live: an asset looped from a fixed epoch, a window that is a
// pure function of the clock (so a fleet of origins agrees byte for byte), ad breaks in the
// channel's marker format. A channel whose asset is not packaged yet answers 503 with
// Retry-After and goes live on the first request after the asset appears (cuepoint dev
// packages its demo content in the background).
//
// Budget: a live playlist request costs ~1 µs of CPU (cached window; the remaining
// allocations are the router's parameter matching), a segment request ~16 µs (open, stat,
// headers; fasthttp streams the body). See origin_bench_test.go and BENCHMARKS.md.
package origin
