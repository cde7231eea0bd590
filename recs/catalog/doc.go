// Package catalog is the set of titles recs can recommend: id, title, genres, year, maturity
// rating, duration, poster colours for the player, and the rights that decide who may see a
// title (regions and an availability window).
//
// A Catalog is immutable once built and gives every title a dense index (int32) in 0..Len()-1.
// The ranking code works on those indexes only: per-item arrays (embeddings, popularity,
// genre bitmasks) line up with them, so a request never hashes a string after its inputs are
// resolved. Index turns an id into an index in one map look-up.
//
//	cat, err := catalog.Load("titles.json")          // or catalog.Parse(data)
//	cat := catalog.Generate(2000, 1, time.Now())     // the deterministic demo catalogue
//	i, ok := cat.Index("item-42")
//	if cat.Available(i, catalog.MustRegion("DE"), now) && cat.Item(i).Rating <= catalog.RatingPG13 { … }
//
// The file format is a JSON object {"items": [...]}; docs/recs.md documents the fields.
// Parse is strict (unknown fields, duplicate ids, bad ratings or colours are errors naming
// the item) because a catalogue is outside input: it is fuzzed (fuzz_test.go) and never
// panics.
//
// Budget: Index, Available and GenreMask are allocation-free and O(1) (Available scans the
// title's region list, a handful of entries); building a 100k-title catalogue takes tens of
// milliseconds and happens only on load.
package catalog
