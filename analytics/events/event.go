package events

// Family is a family of events; each family has one Kafka topic and one raw ClickHouse table.
type Family string

// The event families. Their topics are "cuepoint.<family>".
const (
	FamilyBids     Family = "bids"
	FamilyWins     Family = "wins"
	FamilyAds      Family = "ads"
	FamilyPlayback Family = "playback"
	FamilyRecs     Family = "recs"
)

// Families lists every family, in a stable order.
var Families = []Family{FamilyBids, FamilyWins, FamilyAds, FamilyPlayback, FamilyRecs}

// Topic returns the Kafka topic of the family.
func (f Family) Topic() string { return "cuepoint." + string(f) }

// DeadLetterTopic receives records the sink could not decode, with the reason in a header.
const DeadLetterTopic = "cuepoint.deadletter"

// Event is implemented by every event type. The producer needs nothing else to send one.
type Event interface {
	// Family is the event's family, which names its topic.
	Family() Family
	// Key is the partition key: events with one key stay in order (a request or session id).
	Key() string
	// Append appends the event's wire encoding to dst.
	Append(dst []byte) ([]byte, error)
}
