// Package ssai is Cuepoint's server-side ad insertion: it splices ads into HLS content it did not
// write, per viewer session.
//
// The stitching core is ssai/stitch (break spans from any cue format, splice plans shared by every
// rendition, the allocation-free line-level stitcher, and the validator of the stitching rules).
//
// Service (cuepoint ssai, :8083) serves it over HTTP: sources registered by name
// (PUT /v1/sources/{name} with the admin token, GET /v1/sources), a session per playback started
// by GET /ssai/{source}/master.m3u8?uid=…, whose multivariant playlist points every variant and
// rendition (audio included) at the session's media playlists, each stitched with the session's
// plan. Source media playlists are fetched once per refresh (half a target duration) and shared
// by every session; an origin that fails after a first fetch leaves sessions on the last window.
// Not yet built (docs/ssai.md): ad decisions from the adserver (breaks play content until then),
// signed session tokens in bigcache, beaconing, interstitials.
//
// Budget: a personalized media playlist ≤ 1 ms p99; stitching a 600-segment rendition ≤ 20 µs of
// CPU (measured ~11 µs, see BENCHMARKS.md).
package ssai
