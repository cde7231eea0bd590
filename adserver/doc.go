// Package adserver decides ad breaks for server-side ad insertion. The stitcher (ssai) asks
// GET /vast for each break — its length, the bounds of one ad, the pod size, the viewer, the
// content — and gets back a VAST 4.2 ad pod it can stitch; players and VOD stitchers can ask
// GET /vmap for a title's schedule; every ad's tracking comes back to GET /t/{event}.
//
// # A decision
//
//	params ──▶ OpenRTB 2.6 pod request ──▶ every bidder, in parallel (package auction)
//	       ──▶ candidates: floors, lengths, frequency caps
//	       ──▶ fit the pod (fit.go) ──▶ resolve the chosen ads' VAST (resolve.go) ──▶ refit
//	       ──▶ direct-sold, then house line items in the time left (package catalog)
//	       ──▶ clearing prices, win and loss notices ──▶ VAST 4.2 (render.go, package vast)
//
// The steps:
//
//   - The auction (decide.go, request.go) sends one bid request for a dynamic video pod
//     (podid, poddur, maxseq, rqddurs or min/maxduration, mincpmpersec, floors and deals,
//     device, user, content and regs from the request) to every configured bidder, with tmax
//     and a hard deadline of --auction-timeout. A structured pod (slots=30,15,15) is one
//     impression per slot instead, sharing podid, each with its slotinpod, length and floor;
//     a bid then fills only its own slot (each slot is an exclusion key of the fitting), each
//     slot clears on its own second price, and the VAST follows the slots.
//   - Frequency caps (freq.go, freq_shared.go, freq_cassandra.go) count impressions per
//     viewer and advertiser domain in Cassandra, shared by every instance: the viewer's counts
//     are read in parallel with the auction and waited for at most --freq-timeout after the
//     request's arrival; the in-process counters are the near-cache, and the local counts
//     alone cap when Cassandra is slow or down (counted as degraded).
//   - Pod fitting (fit.go) chooses the bids that pay the most for the break — then fill the
//     most time — with at most ps ads, within the break, and competitive separation: no two
//     ads of one advertiser domain or one category. It is an exact branch and bound.
//   - The chosen ads are resolved (resolve.go): adm, or the markup their nurl serves, through
//     at most --max-wrapper-depth VAST wrappers within --wrapper-timeout, detecting loops,
//     every fetch through the SSRF guard (package safehttp), every level's trackers kept.
//     Their media must be conditioned for the content ladder (package catalog, package
//     condition): an ad that is not is left out and reported (VAST error 407, loss reason
//     201) and queued. Ads that cannot play are replaced and the pod refitted; runners-up are
//     resolved alongside, so a failing ad costs no extra round trip.
//   - Clearing (decide.go): first price, or second price — each winner pays the best losing
//     price per second for its own length, at least its floor, plus a cent, at most its bid.
//     Win notices carry the price; losers get their loss reason; the billing notice (burl) is
//     fired when the impression beacon lands.
//
// # Tracking
//
// Every tracking URL in the VAST is a beacon (package beacon) signed with HMAC-SHA256 under
// --beacon-key: impression, error (with the [ERRORCODE] macro), start, quartiles, complete,
// pause, resume, mute, unmute, clicks (skip for skippable ads). A beacon that was tampered with or never signed is refused (403) and
// counted, never counted as an impression or as revenue; replays are acknowledged and not
// counted twice. Counted beacons are emitted to analytics (AdTracking, family ads, with the
// viewer and the ad's clearing price and currency from the signed beacon: revenue) and the
// third-party trackers they carry are fired server-side with X-Device-IP and
// X-Device-User-Agent when the stitcher asked for server-side tracking (sst=1).
//
// # Budget
//
// An ad break decision has a hard limit of 100 ms and a goal of 20 ms (ARCHITECTURE.md); the
// adserver's own work beyond the slowest bidder is meant to stay within 2 ms: building and
// encoding the request (µs), parsing the responses (in each bidder's goroutine, while others
// are still answering), fitting (µs), parsing the chosen ads' VAST (tens of µs each), signing
// ~10 beacons per ad (~1 µs each), writing the VAST (tens of µs). decide_bench_test.go measures
// it; BENCHMARKS.md records the figures and `cuepoint loadtest --scenario adserver`.
package adserver
