// Package vast reads and writes IAB VAST 4.2 documents (Video Ad Serving Template,
// https://iabtechlab.com/standards/vast/) for the adserver.
//
// One model serves both directions. Parse turns a document from the outside — a bid's adm, a
// wrapper's VASTAdTagURI response, a nurl body — into a Document; AppendDocument writes a
// Document in the element order the IAB XSD (shared/standards/vast_4.2.xsd) requires, so what
// the adserver answers validates against it (the tests run xmllint on every document they
// produce).
//
//	doc, err := vast.Parse(adm)            // bounded: size, ads, URLs per list
//	ad := doc.Ads[0]
//	if ad.Wrapper != nil { … follow ad.Wrapper.VASTAdTagURI … }
//	out := vast.AppendDocument(buf[:0], &vast.Document{Ads: pod})
//
// Only what a linear video ad server needs is modelled: InLine and Wrapper ads, their
// impressions, error URLs, pricing, categories, linear creatives with their tracking events,
// clicks, media files and mezzanine files, and UniversalAdId. Companions, non-linear ads,
// icons, verifications and extensions are skipped when reading and never written.
//
// Parsing outside input is defensive: a document larger than MaxDocumentBytes is refused,
// lists are truncated at MaxListLen, URLs are trimmed of the whitespace CDATA sections often
// carry, nesting is bounded, entities other than the predefined five and character references
// are refused (a document cannot make the parser read files, reach the network or expand a
// "billion laughs"), and the parser never panics. Parse is a single-pass scanner made for this
// model; encoding/xml reading the same model is kept in the tests as the reference, and
// FuzzParse (corpus in testdata/fuzz) holds the two to each other.
//
// Budget: the adserver parses only the adm of the bids that win a pod (a handful per break),
// and writes one document per break; both are measured in vast_bench_test.go: parsing a
// bidder's InLine adm takes ~7 µs (encoding/xml: ~45 µs), writing a six-ad pod with three
// renditions each ~10 µs without allocating.
package vast
