// Package ssai is Cuepoint's server-side ad insertion: it splices ads into HLS content it did not
// write, per viewer session.
//
// The stitching core is ssai/stitch (break spans from any cue format, splice plans shared by every
// rendition, the allocation-free line-level stitcher, and the validator of the stitching rules).
// The service around it (cuepoint ssai on :8083: sources, sessions, adserver requests,
// beaconing, interstitials) is described in docs/ssai.md, with what is left to build.
//
// Budget: a personalized media playlist ≤ 1 ms p99; stitching a 600-segment rendition ≤ 20 µs of
// CPU (measured ~11 µs, see BENCHMARKS.fragment.md).
package ssai
