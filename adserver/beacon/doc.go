// Package beacon makes tracking URLs that cannot be forged, and reads them back.
//
// Every tracking URL the adserver puts in VAST — the impression, the quartiles, pause and
// resume, clicks, errors — is a beacon: GET {base}/t/{event}?a=…&c=…&…&k=…&sig=…. Its
// parameters say which ad (AdServingId), creative, campaign, session, break and viewer it is
// about, the price cleared, and when it was issued; sig is an HMAC-SHA256 (truncated to 128
// bits) over the event name and those parameters, under a secret key that only the adserver
// holds. A beacon that was changed in any way — another event, another price, another ad — or
// never signed fails Verify and is refused with 403, counted, and never counted as an
// impression or as revenue.
//
//	s, _ := beacon.NewSigner(key, previousKey)           // keys from flags/env, never logged
//	u := s.AppendURL(buf[:0], "https://ads.example", &beacon.Beacon{Event: "impression", …})
//	b, err := s.Verify("impression", query, now)          // ErrInvalid: 403
//	if replays.Seen(b.AdServingID, b.Event, now) { … }    // a replay: acknowledged, not counted
//
// Rotation: the signer signs with the first key and accepts the others, so a new key is rolled
// out as "new,old" and the old one dropped after MaxAge. k names the key (a fingerprint, not
// the key).
//
// Parameters outside the signature are ignored except code, the VAST error code that players
// substitute for the [ERRORCODE] macro; a beacon also carries, signed, the third-party URLs
// the adserver fires server-side when it lands (x, deflated) and the billing notice (burl) of
// the winning bid, so a forged beacon cannot make the adserver call arbitrary URLs.
//
// Replays: a beacon is a bearer token; replaying a genuine one is the remaining attack.
// Replays dedupes (ad serving id, event) within MaxAge in memory, per process; beacons older
// than MaxAge are refused. Across instances, EventID derives the analytics event id from the
// same pair, so the analytics sink collapses duplicates that reached different instances.
//
// Budget: signing a URL is one HMAC over ~200 bytes (about a microsecond); an ad carries ten
// beacons. Verifying is one HMAC and a map look-up (beacon_bench_test.go).
package beacon
