// Package events is the schema of Cuepoint's analytics events: one Go type per event, five
// families, one Kafka topic per family (Family.Topic), and the wire codec. docs/events.md is
// the reference for every field; this comment is about using the package.
//
//	Family    Topic              Types (wire "type")
//	bids      cuepoint.bids      BidRequest ("bid_request")
//	wins      cuepoint.wins      Notice ("win", "billing", "loss")
//	ads       cuepoint.ads       AdDecision ("decision"), AdTracking ("impression" … "error",
//	                             "pause", "resume", "skip", "mute", "unmute")
//	playback  cuepoint.playback  QoE ("qoe"), SessionStart ("session_start")
//	recs      cuepoint.recs      RecsServed ("served"), RecsAction ("click", "play")
//
// # Emitting
//
// Services build an event with NewHeader (version, a new id, the time in UTC, the service
// and the request id shared by every service taking part in one viewer action) and hand it
// to analytics/producer, which needs only the Event interface:
//
//	ev := &events.BidRequest{
//		Header:    events.NewHeader("bidder", reqID),
//		AuctionID: req.ID, Exchange: exch, Imps: len(req.Imp), LatencyUS: us,
//	}
//	producer.Emit(ev)
//
// Money is in integer micros of the currency (Currency, empty meaning USD), durations in
// integer milliseconds or microseconds as the field name says, ids are strings.
//
// Header.Received is when the first Cuepoint server accepted the event. Services leave it
// zero (their events are received when they happen); the collector stamps it with
// SetReceived on every event a client posts; the sink stores ReceivedOrTime.
//
// One viewer action is one trace: ssai puts the trace id it sends the adserver in its
// SessionStart's RequestID, the adserver in its AdDecision, the bidder in its BidRequest, so
// analysts join the three by request_id.
//
// # Reading
//
// Decode parses and validates one encoded event of a family: the sink calls it on every
// Kafka record, the collector on every event a player posts. It returns a *DecodeError whose
// Reason (a small fixed set) labels dead letters and metrics:
//
//	ev, err := events.Decode(events.FamilyAds, record.Value)
//	if err != nil {
//		deadLetter(record, events.ReasonOf(err), err)
//		return
//	}
//	switch ev := ev.(type) {
//	case *events.AdDecision: …
//	case *events.AdTracking: …
//	}
//
// Validate checks the same rules on an event built in code (required fields, ranges, enum
// values); Decode runs it on everything it accepts.
//
// A consumer that copies each event away at once (the sink) uses a Decoder instead: the same
// checks and errors without allocating, because it reuses its events and its strings share
// the input's memory (see Decoder for how long they stay valid).
//
// # Encoding
//
// Events are JSON objects, written by hand-rolled Append methods (no reflection, no
// allocation) and read by a strict, reflection-free reader that agrees with encoding/json on
// everything it accepts (fuzzed against it) and rejects duplicate or case-folded keys.
// docs/events.md gives the measurements behind the choice of JSON and of this codec.
//
// # Versioning
//
// Every event carries "v" (Version). Adding an optional field keeps the version: readers
// ignore unknown fields, and absent fields read as zero. Changing a field's type or meaning
// is a new version; Decode rejects versions it does not know, so an old reader dead-letters a
// new event rather than misreading it.
//
// Budget: Append ≤ 1 µs and allocation-free (the request-path emit budget is 1 µs in total);
// Decode of a typical event a few µs, a Decoder's under 1 µs with no allocation. See
// events_bench_test.go.
package events
