// Package auction is the adserver's OpenRTB 2.6 client: it turns an ad break into one bid
// request for a dynamic video pod, sends it in parallel to every configured bidder, and reads
// their answers into validated bids. Deciding which bids win — clearing prices, competitive
// separation, fitting the pod — is the adserver's (package adserver); this package is the wire.
//
//	req := &auction.Request{ID: id, TMax: 60 * time.Millisecond, Currency: "USD", Pod: auction.Pod{…}}
//	body := req.AppendJSON(buf[:0])                       // hand-written, no HTML escaping
//	client.Auction(deadline, req, body, &res)             // every bidder at once
//	for _, b := range res.Bids { … }                      // valid bids; res.Rejected: the others
//
// The request (request.go) carries one impression with video.podid, poddur, maxseq,
// mincpmpersec and rqddurs or min/maxduration, the floors and deals, and device, user,
// content and regs as the player reported them. A structured pod (Pod.Slots) is one
// impression per slot instead, ids "1".."n", sharing podid and podseq, each with its
// slotinpod (SlotInPod: 1 first, -1 last, 0 between), maxduration and bidfloor; a bid's
// impid names its slot (Bid.Slot), and an impid the request does not have is refused. tmax is the time left for bidders; the
// client's deadline is the adserver's, so a bidder answering after it is dropped, counted as
// a timeout, and never delays the break.
//
// The client (client.go) keeps a keep-alive pool per bidder (fasthttp.HostClient), accepts
// gzip answers and can gzip requests, and parses each response in the goroutine that received
// it, while the others are still waiting. Bids are checked (response.go) against the request:
// impression, currency, price, markup, creative id, declared deals, blocked advertisers and
// categories; a rejected bid keeps its OpenRTB loss reason for its loss notice.
//
// Macros (macros.go) expands ${AUCTION_PRICE} and the other OpenRTB substitution macros in
// nurl, burl, lurl and adm. auctiontest runs honest test bidders on loopback.
//
// Budget: building and encoding a request is a few microseconds without allocations; the
// fan-out costs one goroutine per bidder; parsing a response with a few VAST bids is tens of
// microseconds (client_bench_test.go). The auction's latency is the slowest bidder's, capped
// by the deadline.
package auction
