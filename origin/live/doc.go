// Package live simulates live channels from packaged VOD assets: each channel loops an asset
// forever from a fixed epoch and publishes a sliding window of it, with SCTE-35 ad breaks on a
// schedule signalled in the channel's ad-marker format (EXT-X-CUE-OUT, EXT-X-DATERANGE or
// EXT-OATCLS-SCTE35, see origin/scte35). It is the live input the SSAI stitcher is built and
// tested against, so it follows the stitching rules of ARCHITECTURE.md to the letter:
//
//   - The window is a pure function of the clock: segment g (its media sequence number) is
//     segment g mod n of loop g / n, published once it has ended. Every origin instance, and
//     every restart, serves the same bytes for the same instant; EXT-X-MEDIA-SEQUENCE never
//     goes down.
//   - Each loop boundary is an EXT-X-DISCONTINUITY (the asset's timestamps restart);
//     EXT-X-DISCONTINUITY-SEQUENCE counts those that slid out of the window, so it goes up
//     exactly when a segment carrying one leaves.
//   - EXT-X-TARGETDURATION is fixed per channel (the longest segment of any rendition,
//     rounded) and never changes.
//   - Every segment has an EXT-X-PROGRAM-DATE-TIME (epoch + its start on the reference
//     timeline), the same in every rendition, so one splice time maps to the same segment in
//     video and audio; CMAF renditions repeat EXT-X-MAP after each discontinuity.
//   - Breaks are placed once, on the reference (first video) rendition's timeline, at segment
//     boundaries, and applied to every rendition, audio included: the same cue tags on the
//     same media sequence numbers. Payloads are splice_insert cues whose pts_time is the
//     out point's PTS in the looped segment files.
//   - A DATERANGE cue arrives Lead ahead of its splice point: it trails the last segment
//     (a normal live state) until its segment is published, and stays at the top of the
//     window while its break is under way.
//
// A Clock drives everything; tests step a ManualClock through loops and breaks and read every
// refresh back with origin/hls, origin/scte35 and Eyevinn/hls-m3u8.
//
// Budget: a playlist request is a clock read, the window arithmetic and a cache hit (~120 ns,
// no allocation): each rendition's playlist is generated once per window position (once per
// segment duration, ~7–11 µs for a 10-segment window with cues, see live_bench_test.go) and
// shared by every viewer.
package live
