package events

import "time"

// Version is the schema version every event type of this package writes. Adding an optional
// field keeps the version (old readers ignore unknown fields, new readers see the zero value in
// old events); changing a field's type or meaning bumps it. Decode rejects a version it does not
// know, so a reader that is older than the writer dead-letters the event instead of misreading
// it.
const Version = 1

// Header holds the fields every event carries.
type Header struct {
	// V is the schema version the event was written with. Append always writes Version.
	V int `json:"v"`
	// ID identifies the event for deduplication: NewID gives a 32-character hex id.
	ID string `json:"id"`
	// Time is when the event happened, in UTC, written with millisecond precision.
	Time time.Time `json:"time"`
	// Service is the emitting service ("bidder", "adserver", "ssai", "player", "recs", …).
	Service string `json:"service"`
	// RequestID is the trace id shared by every service taking part in one viewer action: the
	// ssai request that asked the adserver, the auction it ran and the bid requests it sent.
	RequestID string `json:"request_id,omitempty"`
	// Received is when the first Cuepoint server accepted the event, in UTC with millisecond
	// precision. The collector stamps it on every event it accepts from a client, replacing
	// whatever the client sent, so it is the server's clock where Time is the client's. Events
	// a service emits itself leave it zero: they happen on a Cuepoint server, so they were
	// received at Time, and the sink stores Time in the received column for them.
	Received time.Time `json:"received,omitzero"`
}

// NewHeader returns a header for an event happening now: current version, a new id, the current
// time in UTC truncated to milliseconds.
func NewHeader(service, requestID string) Header {
	return Header{V: Version, ID: NewID(), Time: Now(), Service: service, RequestID: requestID}
}

// Now returns the current time as events carry it: UTC, millisecond precision.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// SetReceived stamps when a Cuepoint server accepted the event (the collector calls it).
func (h *Header) SetReceived(t time.Time) { h.Received = t.UTC().Truncate(time.Millisecond) }

// ReceivedOrTime returns Received, or Time when the event was emitted by a server (Received
// zero): what the raw tables' received column holds.
func (h *Header) ReceivedOrTime() time.Time {
	if h.Received.IsZero() {
		return h.Time
	}
	return h.Received
}

// EventHeader returns the common fields; every event type has it through embedding.
func (h *Header) EventHeader() *Header { return h }

func (h *Header) validate(c *checker) {
	c.token("id", h.ID, true)
	c.time("time", h.Time)
	c.token("service", h.Service, true)
	c.token("request_id", h.RequestID, false)
	if !h.Received.IsZero() {
		c.time("received", h.Received)
	}
}

// Typed is implemented by every event type of this package, and so by every Event that Decode
// returns: the producer's Event contract plus the wire type, validation and the common header.
type Typed interface {
	Event
	// Type is the value of the "type" field, unique within the family.
	Type() string
	// Validate reports the first field that is missing, out of range or not an allowed value.
	Validate() error
	// EventHeader returns the common fields.
	EventHeader() *Header
}
