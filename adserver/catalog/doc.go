// Package catalog is the adserver's creative catalog: every creative an ad has named and every
// one an operator registered, with its conditioning state and its conditioned renditions, and
// the direct-sold and house line items that fill what the auction leaves.
//
// The decision path asks it one question per winning ad — Resolve: is this creative ready to
// stitch? — answered from memory (a read lock and two map look-ups). A creative is named by
// its UniversalAdId, or by its mezzanine URL when it has none; one seen for the first time is
// recorded, queued for conditioning (package condition), and left out of the pod until its
// renditions exist (the adserver reports VAST error 407). Conditioning results come back
// through Done. Failed creatives are retried after Options.RetryAfter; a changed ladder
// conditions every creative again.
//
//	c := catalog.New(store, conditioner, catalog.Options{MediaURL: public + "/media"})
//	_ = c.Load(ctx)                       // from the store; pending work is queued again
//	media, status := c.Resolve(ref)       // hot path
//	c.Mount(srv, mediaRoot)               // admin API and the media handler
//
// Durability: the catalog writes through to a Store — CassandraStore in production, in the
// keyspace DefaultKeyspace ("cuepoint_adserver", tables creatives and line_items, created by
// Schema / Migrate, which also creates the adserver's frequency table — one keyspace, one
// sequence of migrations; CQL valid on Cassandra 2.1 and 4/5) — off the request path for creatives
// discovered in auctions, synchronously for admin writes, and reloads every Options.Refresh
// so instances converge. The conditioned files live under the media root, content-addressed
// (media hash / ladder fingerprint), served by MediaHandler at /media/… with long caching.
//
// Budget: Resolve, Media and LineItems allocate nothing on a hit and take well under a
// microsecond.
package catalog
