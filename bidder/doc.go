// Package bidder is Cuepoint's OpenRTB 2.6 bidder: it answers POST /openrtb2/bid from SSPs
// (and from Cuepoint's own adserver for ad pods) with a bid or a 204, inside the exchange's
// tmax, and learns from the win, bill and loss notices that come back.
//
// # The request path
//
//	body (gzip or not, capped) → parse + validate (400 names the field)        parser.go, jsondec.go
//	→ deadline = arrival + tmax − network allowance; overload shed             request_handler.go
//	→ privacy: COPPA, GDPR/TCF, US privacy, GPP → personalize or not           privacy.go, gpp.go
//	→ viewer features (featurestore, under the deadline) when allowed          deps.go
//	→ targeting index: request dimensions once, then per imp                   index.go, bitset.go
//	→ per imp: block lists, creative fit, floors, value, shading, caps, pods   decide.go, auction.go, pod.go
//	→ budget reservation per bid (pacing, no overspend)                        pacing.go
//	→ response written by hand: VAST 4.2 or HTML adm, signed notice URLs       response.go, vast.go, notice.go
//	→ events (request, bids or no-bid reason), never blocking                  events.go
//
// Notices (/v1/notice/{win,bill,loss,imp,event}, and vast: the win notice that serves the VAST
// of a bid sent without adm) verify the HMAC of their token, deduplicate replays (in process,
// then across instances through Cassandra: replay.go, dedupe.go), settle or release the budget
// reservation, teach the shader and count frequency (notice_handler.go, shading.go, caps.go,
// pricecrypt.go for exchange-encrypted prices). Campaigns live in a CampaignStore (Cassandra in production, memory in tests) behind
// an admin API (admin_handler.go, store.go, store_cassandra.go) and are re-indexed on every
// change; seed.go has the demo and synthetic books. Viewer features and frequency counters come
// from the featurestore (featurestore.go), budgets from a shared SpendLedger (pacing.go).
//
// # Targeting
//
// A campaign's targeting is a conjunction over dimensions (geo, device, OS, app, domain,
// publisher, content category, viewer segments, daypart, media type, deal, placement), each an
// In set and a NotIn set. The Index answers "which campaigns match this request" with inverted
// lists and word-wide bitmaps, never by visiting campaigns one by one; TestIndexMatchesBruteForce
// holds it against the one-campaign-at-a-time definition over 10k random campaigns. Campaigns
// are numbered in decreasing base CPM, so each impression's auction prices the most valuable
// first and stops as soon as no later campaign can make its top three (about 50 of the ~400
// that match the CTV pod request in a 10k book); TestEarlyStopMatchesExhaustiveScan holds that
// against pricing everyone.
//
// # Money
//
// Integer micros of USD throughout (floors and responses in other currencies are converted
// with the configured rates). Budgets are daily, paced along a straight line over the UTC day,
// and never overspent: see Pacer.
//
// # Budget
//
// The whole decision for a 3.4 KB CTV pod request against 10k campaigns targets ≤ 2 ms p99 at
// 10k requests/s, ≥ 15k requests/s per core, and at most 2× the cost of a handler that only
// decodes the request and encodes a fixed bid (BenchmarkJSONFloor). JSON decoding is the largest
// item; the decoder is the bidder's own (jsondec.go, with one function per openrtb2 struct
// generated from the types by internal/decodegen): encoding/json's results exactly
// (FuzzDecoderMatchesEncodingJSON), ~40% less CPU than goccy/go-json and 60 allocations
// instead of 170 (see BENCHMARKS.md). The response is written by hand. The index evaluation, pricing
// and response encoding allocate nothing in the steady state; what allocates is the decoder
// (the request's structs, slices and one copy of the body its strings point into), ~8 KB per
// request: at 10k requests/s Go's default collector ran every second over the ~85 MB index
// and its mark phase was the p99, so `cuepoint bidder` runs with GOGC 800 and a 1 GiB soft
// memory limit (cmd/cuepoint/cmd_bidder.go; measured in BENCHMARKS.md).
//
// # Wiring
//
//	cfg := bidder.Flags(fs)                       // --seat, --public-url, --notice-key, …
//	b, err := bidder.New(*cfg, bidder.Deps{Store: store, Ledger: ledger, Features: fs, Emitter: producer})
//	err = b.Mount(ctx, srv)                       // routes, readiness, closer
//
// docs/bidding.md is the SSP integrator's guide.
package bidder
