// Package stitch is the core of Cuepoint's server-side ad insertion: a pure function that splices
// ads into one rendition's media playlist, and a validator of the stitching rules.
//
// A Plan is computed once per break set, on the reference rendition's presentation timeline, and
// shared by every rendition (audio included): it names the content segments each break replaces
// (by media sequence number, which the origin and the packager keep identical across renditions)
// and the fill that replaces them — whole ads first, then slate for the remainder, with no sliver
// shorter than MinSegment. Append applies it to one rendition:
//
//	buf = stitch.Append(buf[:0], src, plan, ads) // ads: this rendition's ad and slate playlists
//
// Append writes the source playlist line by line (origin/hls), every tag it does not own byte for
// byte, and adds what the rules of ARCHITECTURE.md require: EXT-X-DISCONTINUITY before the first
// fill segment and before the first content segment after it, EXT-X-MAP and EXT-X-KEY re-emitted
// on both sides, EXT-X-PROGRAM-DATE-TIME after each discontinuity when the source carries it,
// EXT-X-MEDIA-SEQUENCE shifted by the segments breaks added before the window (so it never goes
// down) and EXT-X-DISCONTINUITY-SEQUENCE raised by the discontinuities that slid out of a live
// window. Because the plan is shared, every rendition gets the same discontinuities at the same
// presentation time and the same sequence numbers; sessions hold no per-rendition state.
//
// Spans reads the breaks a source signals, in every ad-marker format (SCTE-35 payloads decoded);
// Planner turns them into a live session's plan once per break, records the content
// discontinuities a break hides, and folds breaks that slid out (Plan.Compact).
//
// Validator checks every rule on stitched playlists (one refresh of all renditions, and
// successive refreshes of a live rendition); the tests run it on everything they stitch.
//
// Budget: stitching a 600-segment VOD rendition with 3 breaks takes ≤ 20 µs of CPU and allocates
// nothing with a warm buffer (stitch_bench_test.go, BENCHMARKS.md at the repository root).
package stitch
