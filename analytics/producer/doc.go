// Package producer sends analytics events to Kafka from request paths, without ever making a
// request wait for Kafka, and without losing events while Kafka is away.
//
// Every service that emits events (bidder, adserver, ssai, recs, the collector) holds one
// Producer for the life of the process:
//
//	p, err := producer.New(brokers,
//		producer.WithService("bidder"),
//		producer.WithLogger(log),
//		producer.WithSpool("/var/lib/cuepoint/spool/bidder", 10<<30))
//	if err != nil { ... }
//	srv.OnClose("events", p.Close) // after in-flight requests drained
//
//	p.Emit(&events.BidRequest{...}) // on the request path: returns at once
//
// # The path of an event
//
// Emit encodes the event (its Append method) into a pooled buffer and appends it to a bounded
// hand-off queue; that is all a request pays, a few hundred nanoseconds and no allocation (see
// BENCHMARKS.md). A dispatcher goroutine takes the queue a batch at a time and hands each
// record to the franz-go client with TryProduce, which never blocks. Emit wakes the dispatcher
// only for the first record of a batch and for a full one (WithLinger: 5 ms or 256 records by
// default), not for every event: a wake-up costs the emitting request a futex call and the
// process a context switch, which at 10k events/s was a few per cent of a core. The client batches, retries and
// partitions by the event's Key; when Kafka acknowledges a record it is counted as produced and
// its buffer goes back to the pool.
//
// When Kafka does not acknowledge a record within the delivery timeout (WithDeliveryTimeout,
// 2 s by default), or the client's buffer is full, the record goes to the spool: segment files
// in a local directory, each record framed with its length and a CRC-32C, fsync'd every sync
// interval (100 ms) and when a segment is sealed. From the first spooled record on, new records
// also go to the spool, behind it. A replayer goroutine probes Kafka, and once it answers sends
// the spool back oldest segment first, deleting a segment only when every record in it was
// acknowledged. To empty a spool that keeps receiving records, the replayer seals the last
// segment and the dispatcher holds new records in memory (up to half its queue) while that
// segment is sent; then they go directly to Kafka again. A process that
// starts with a non-empty spool (left by a crash, or by a Close while Kafka was away) replays
// it first.
//
// # Guarantees
//
//   - Emit never blocks. Memory is bounded (WithMemoryLimit, WithQueueSize) and so is the spool
//     (WithSpool). An event is dropped only when one of them is full, when it cannot be encoded,
//     is too large or has no known family, when Kafka refuses it for good (too large for the
//     broker), or after Close; every drop is counted in
//     cuepoint_events_dropped_total{reason} and logged (one line per reason per 10 s, with the
//     count). TryEmit reports the drop to callers that can act on it (the collector answers 503).
//   - While the process lives, and across a clean Close, no accepted event is lost while the
//     spool has room: Close waits for Kafka until its context ends, then spools the rest.
//   - A crash loses what was only in memory: the queue and the client's buffer, at most a
//     delivery timeout's worth of events, and spooled events not yet fsync'd (one sync
//     interval). The spool itself survives crashes: a torn or damaged record is detected by its
//     CRC, counted (reason spool_damaged) and skipped, and the rest is replayed.
//   - Delivery is at least once. A record whose acknowledgement was lost, or that was replayed
//     from a segment a crash interrupted, can reach Kafka twice; every event carries an id, and
//     consumers deduplicate by it.
//   - Order is kept per key (one Kafka partition) while Kafka is healthy and across an outage:
//     when the spool starts, the dispatcher aborts the records still in the client and waits
//     for them to be spooled ahead of newer ones, and direct producing resumes only after the
//     whole spool was acknowledged. The wait is bounded (half the queue, or a delivery timeout,
//     which only requests stuck on a silent broker exceed): past it, and for a record caught
//     between the client failing a partition and the dispatcher seeing it, a key can see older
//     events after newer ones. The log says so when the wait gives up. Consumers that need
//     strict order sort by the event's time.
//
// # Failure modes the options tune
//
// A broker that stops answering without closing connections is noticed only when the client's
// request times out (ProduceRequestTimeout plus RequestTimeoutOverhead, about 20 s by default;
// both can be set with WithKafkaOptions), not after the delivery timeout. A spool on a full or
// failing disk drops records with reason spool_write_error. A full spool drops new records and
// keeps the ones it holds (reason spool_full): what the spool accepted, it delivers.
//
// # Metrics
//
// All carry service (WithService) and family labels:
//
//	cuepoint_events_produced_total           acknowledged by Kafka on the direct path
//	cuepoint_events_spooled_total            written to the spool
//	cuepoint_events_replayed_total           acknowledged by Kafka from the spool
//	cuepoint_events_dropped_total{reason}    lost, by reason (see the reason constants)
//	cuepoint_events_produce_latency_seconds  from hand-off to the Kafka client to acknowledgement
//	cuepoint_events_spool_bytes              bytes in the spool (service label only)
//	cuepoint_events_spool_segments           segment files in the spool (service label only)
//	cuepoint_events_memory_bytes             bytes of records held in memory (service label only)
//
// # The spool format
//
// A segment is a sequence of frames and nothing else; see frame.go for the layout. Segments are
// named by a sequence number and replayed in that order. The directory holds a LOCK file,
// locked while a producer uses it: give every process its own directory.
package producer
