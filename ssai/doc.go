// Package ssai is Cuepoint's server-side ad insertion: it splices ads into HLS content it did not
// write, per viewer session.
//
// The stitching core is ssai/stitch (break spans from any cue format, splice plans shared by every
// rendition, the allocation-free line-level stitcher, and the validator of the stitching rules);
// ssai/ads matches a VAST creative's renditions to the content's.
//
// Service (cuepoint ssai, :8083) serves it over HTTP, for players:
//
//   - sources registered by name (PUT /v1/sources/{name} with the admin token, GET /v1/sources):
//     any HLS origin, with an optional slate, a VOD schedule of pre- and mid-rolls, a beacon mode
//     and a mode (stitched, or HLS Interstitials);
//
//   - a session per playback (POST /v1/sessions, or GET /ssai/{source}/master.m3u8 for plain
//     players), named by a signed token that any instance sharing the key can rebuild it from;
//
//   - each session's media playlists, stitched from the source playlists (fetched once per
//     refresh and shared by every session) with the breaks the adserver filled (GET /vast,
//     bounded by Config.DecisionTimeout; slate or content when it fails, never a stall);
//
//   - ad segments as redirects that fire the ads' beacons server-side, once per session, and the
//     tracking JSON players read to show "Ad n of m" (and fire beacons in client mode).
//
//     svc, err := ssai.New(ssai.Config{AdServer: "http://adserver:8082", SessionKeys: keys, Emitter: prod})
//     svc.SetSource(ssai.Source{Name: "news", URL: "https://origin/live/news/master.m3u8", Slate: slateURL})
//     svc.Mount(srv) // an internal/server.Server
//
// Budget: a personalized media playlist ≤ 1 ms p99 (in process ~4 µs of CPU); stitching a
// 600-segment rendition ≤ 20 µs of CPU (measured ~11 µs); a session ≤ 2 KB (see BENCHMARKS.md).
// Session start waits for the pre-roll decision, which is most of the viewer's 100 ms budget.
package ssai
