package collector

import (
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// stampReceived records on an accepted event when the collector received it, beside the time
// the client says it happened (which a wrong clock can put anywhere the clock-skew and age
// limits allow). It replaces any received time the client sent: the collector is the first
// Cuepoint server to see a client's event, and only servers stamp it.
func stampReceived(ev events.Typed, t time.Time) {
	ev.EventHeader().SetReceived(t)
}
