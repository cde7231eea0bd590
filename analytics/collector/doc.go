// Package collector is the HTTP front door for events from outside the services: web and
// native players, partners, and services that cannot reach Kafka. It serves POST /v1/events
// on the dashboard server (:8088), checks who sent each request and what each event is, and
// emits the good events to Kafka through analytics/producer.
//
//	p, _ := producer.New(brokers, producer.WithService("dashboard"), producer.WithSpool(dir, 0))
//	senders, _ := collector.LoadSenders("/etc/cuepoint/senders.json")
//	c, err := collector.New(p, collector.WithSenders(senders...))
//	if err != nil { ... }
//	c.Mount(srv) // srv is the dashboard's *server.Server
//
// # Request
//
//	POST /v1/events
//	Content-Encoding: gzip            (optional)
//	X-Cuepoint-Sender: ssai-eu1       (servers)
//	X-Cuepoint-Signature: t=…,v1=…    (servers)
//	X-Cuepoint-Token: …               (browsers; or ?token=… where headers cannot be set)
//
//	{"events": [{"family": "playback", "event": {…}}, …]}
//
// Each event is its family's JSON encoding as documented in docs/events.md (what
// analytics/events writes). A request holds at most 500 events and 1 MiB after gzip
// (WithMaxEvents, WithMaxBodyBytes); a larger one gets 413.
//
// # Who may send
//
// Every sender is configured with an id, one or more secrets (HMAC-SHA256 keys of at least 32
// bytes; the first is current, the others still verify during a rotation) and the families it
// may send. A server signs each request body, as sent, with Sign:
//
//	X-Cuepoint-Signature: t=<unix seconds>,v1=hex(HMAC-SHA256(secret, "cuepoint-request-v1\n" + sender + "\n" + t + "\n" + body))
//
// and the collector refuses a signature more than 5 minutes (WithClockSkew) from its clock, so a
// captured request cannot be replayed later; one replayed sooner only repeats events, which
// deduplication drops.
//
// A browser cannot keep a secret, so it never holds one. The server that renders the player
// page (and holds the sender's secret) mints a token per page view with MintToken: the sender,
// the page's origin and an expiry a few minutes to hours away, MACed with the secret. The page
// sends the token with its batches. The collector checks the MAC, the expiry (and that it is no
// more than 4 hours away, WithMaxTokenTTL), and that the request's Origin header, which
// scripts cannot forge, is the token's origin. A token copied out of a page works only until
// it expires, and only for the families its sender may send.
//
// Refusals name what to fix: 401 for missing, unknown, wrong or stale credentials (with
// WWW-Authenticate), 403 for a token used from another origin.
//
// # Response
//
//	200 {"accepted": 3, "duplicates": 1, "rejected": [{"index": 2, "reason": "decode playback qoe event: invalid: session: required"}]}
//
// Each event is judged on its own: its family must be one the sender may send, it must decode
// and validate (events.Decode), its time may be at most 5 minutes ahead of the server's clock
// and at most 24 hours old (WithMaxEventAge). The good ones are emitted even when others are
// rejected; when none is accepted (and none was a duplicate) the status is 400, with the same
// body. A malformed body as a whole gets 400 {"error": "…"}.
//
// Every accepted event is emitted exactly once: the collector remembers the ids (per sender)
// of the last half million to million accepted events (WithDedupCapacity) and answers a
// repeated one as a duplicate without emitting it, so a client may retry a batch whose answer it did not get.
// When the producer cannot take more (its queue is full, or the process is stopping), the
// collector answers 503 with Retry-After and stops at that event: the client retries the whole
// batch, and the events accepted before the 503 come back as duplicates.
//
// # Metrics
//
//	cuepoint_collector_events_accepted_total{service,family}
//	cuepoint_collector_events_duplicate_total{service,family}
//	cuepoint_collector_events_rejected_total{service,reason}
//	cuepoint_collector_requests_refused_total{service,reason}
//
// plus the server's per-route request counts and latencies, and the producer's own metrics.
//
// Budget: the collector is on no request path with a latency budget of its own. Its cost per
// event, mostly decoding and validation, is measured in collector_bench_test.go.
package collector
