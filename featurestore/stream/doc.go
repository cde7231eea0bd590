// Package stream keeps the featurestore's real-time views current from the analytics topics:
// a Kafka consumer (franz-go, consumer group "cuepoint-featurestore") that turns events into
// feature updates.
//
//	u, err := stream.New(store, stream.Config{Brokers: brokers}, log)
//	go u.Run(ctx) // until ctx is cancelled
//
// What it maintains (views of featurestore.Default):
//
//   - user/recent from recs "play" actions (RecsAction): the viewer's recently started items,
//     newest first, without repeats; a count of starts; the time of the latest.
//   - item/popularity from playback QoE reports that open a session (StartupMS set): plays,
//     and a score decayed with a 6 h half-life (read it with featurestore.Popularity).
//   - viewer_campaign/impressions from ads "impression" tracking events (AdTracking) that name
//     a viewer and a campaign: impressions per UTC minute for the last hour and per UTC hour for
//     the last week, for frequency caps across instances (read with featurestore.Impressions).
//     Copies of one event (same id, other offsets, as two adserver instances emit them) count
//     once: the view keeps the latest ImpressionIDs event ids.
//
// The bidder's own count of win notices (viewer_campaign/frequency) is not derived here.
//
// # Exactly once
//
// Each updated value carries a watermark: per source partition, the offset after the last
// record applied and the latest record timestamp (featurestore.Watermark). A row is updated by
// Store.Modify, a compare-and-set on the value: it reads value and watermark, applies only the
// records the watermark does not cover, and writes value and new watermark together, or
// retries if another writer came first. Offsets are committed to Kafka after the whole poll
// is stored. So a crash anywhere, a rebalance, or two updaters briefly owning one partition
// re-deliver records that are then skipped: every event changes the features exactly once.
// The limits: an event that is not decodable is skipped (the sink dead-letters it); a value
// rewritten through the API or a load file loses its watermark, so records re-read after that
// count again; a topic reset while Cassandra keeps its data is recognised by newer record
// timestamps (records no newer than the last applied one are taken for replays).
//
// Budget: events are visible in the features within a poll plus a few Cassandra round trips
// (a compare-and-set is 4) — tens of milliseconds on a healthy cluster; the updater never sits
// on a request path.
package stream
