// Package scte35 turns ad breaks into SCTE-35 cues and HLS ad markers, and back.
//
// The origin's live channels call Render to sign each scheduled break in the channel's format:
//
//   - cue-out: EXT-X-CUE-OUT:30.000, then EXT-X-CUE-OUT-CONT:ElapsedTime=…,Duration=…,SCTE35=<base64>
//     on every later ad segment, then EXT-X-CUE-IN;
//   - daterange: EXT-X-DATERANGE with ID, START-DATE, PLANNED-DURATION and SCTE35-OUT=0x<hex> at
//     the out point, and with the same ID and START-DATE, DURATION and SCTE35-IN=0x<hex> at the in
//     point (RFC 8216 §4.3.2.7.1);
//   - oatcls: EXT-OATCLS-SCTE35:<base64> with EXT-X-CUE-OUT at the out point, then CUE-OUT-CONT
//     and CUE-IN as in cue-out.
//
// Payloads are real splice_info_sections carrying splice_insert (event id, out-of-network flag,
// pts_time, break_duration with auto-return), encoded and decoded with Comcast/scte35-go.
//
// The SSAI stitcher reads markers with ParseMarker, in any of the formats above and SCTE 67's
// EXT-SCTE35, and decodes payloads with Decode (base64 or 0x hex; splice_insert, or
// time_signal with segmentation descriptors). Decode never panics, whatever the input (the
// library's panics are recovered into errors), and is fuzzed (FuzzDecode, FuzzParseMarker).
//
// Budget: Render runs once per break and channel (a few µs); Decode takes 1–7 µs per payload
// (see scte35_bench_test.go), so a stitcher decodes each cue once and caches the result.
package scte35
