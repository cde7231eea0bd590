// Package hls reads and writes HLS playlists (RFC 8216) line by line, keeping every line it
// does not own exactly as it was. It is the playlist layer of the origin (packaging, live
// windows) and of the SSAI stitcher, which splices ads into content playlists it did not write.
//
// # Three layers
//
//   - Scanner yields classified lines (Tag: a TagKind and the line text) without allocating.
//   - MediaPlaylist and MasterPlaylist are models built on it. A media playlist owns the
//     playlist-level values (version, target duration, media and discontinuity sequence,
//     type, end list) and, per segment, EXTINF, EXT-X-DISCONTINUITY,
//     EXT-X-PROGRAM-DATE-TIME and the URI. Every other line — EXT-X-MAP, EXT-X-KEY,
//     EXT-X-BYTERANGE, the three ad-marker formats (EXT-X-CUE-OUT/-CONT/-IN,
//     EXT-X-DATERANGE with SCTE35-OUT/IN, EXT-OATCLS-SCTE35), vendor tags, comments — stays a
//     verbatim Tag attached to the segment it precedes, in order. Tags after the last segment
//     (an SCTE-35 DATERANGE whose cue reached the live edge before its first segment is a
//     normal live state) are kept in Trailer rather than refused.
//   - AppendTo writes a playlist into a caller's buffer. Values that were not changed are
//     written with their original text and owned lines return to their original position, so
//     an untouched playlist round-trips byte for byte (tested against ffmpeg's output and
//     live samples, fuzzed for a fixed point). Durations are exact decimals (time.Duration
//     parsed without floats), so segment times sum without drift.
//
// Attributes stay text too (AttrList): reading one allocates nothing, and AttrList.Set
// replaces one value while keeping the others byte for byte — how a stitcher rewrites a URI.
//
// # Stitching with it
//
//	p, err := hls.ParseMediaString(body)          // strings in p are substrings of body
//	for i := range p.Segments {
//		for _, t := range p.Segments[i].Tags {
//			if t.Kind == hls.TagCueOut { ... }  // or TagDateRange + hls.DateRangeIsSCTE35(t)
//		}
//	}
//	p.Segments[k].Discontinuity = true           // the first content segment after an ad
//	buf = p.AppendTo(buf[:0])                      // no allocation with a warm buffer
//
// Decode parses into an existing playlist and reuses its memory: the steady state of a worker
// that refreshes one live playlist allocates nothing.
//
// The parsers are fuzzed (FuzzParseMedia, FuzzParseMaster, FuzzAttrList, FuzzParseDateTime,
// FuzzParseSeconds; corpora in testdata/fuzz) and cross-checked against the independent
// Eyevinn/hls-m3u8 parser.
//
// # Budget
//
// For a 600-segment media playlist (see hls_bench_test.go and BENCHMARKS.md): writing takes
// ~5 µs (VOD) to ~9 µs (live, PROGRAM-DATE-TIME on every segment and cue tags) with no
// allocation; parsing takes ~50 µs into a reused playlist with no allocation, and ~70–170 µs
// with one ~100 KB allocation when fresh, depending on GC. Eyevinn/hls-m3u8 decodes the same
// playlists in 270–540 µs with 1,800–3,200 allocations.
package hls
