package collector

import (
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// receivedStamper is implemented by events that record when the collector received them,
// beside the time the client says they happened (which a wrong clock can put anywhere the
// clock-skew and age limits allow).
type receivedStamper interface {
	SetReceived(time.Time)
}

// stampReceived records the receive time on events whose type carries one. The schema of
// analytics/events v1 has no such field yet: until it has, the time an event was received is
// the Kafka timestamp of its record, for events produced directly.
func stampReceived(ev events.Event, t time.Time) {
	if s, ok := ev.(receivedStamper); ok {
		s.SetReceived(t.UTC().Truncate(time.Millisecond))
	}
}
