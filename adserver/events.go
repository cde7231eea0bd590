package adserver

import (
	"github.com/cuepoint/cuepoint/adserver/beacon"
	"github.com/cuepoint/cuepoint/analytics/events"
)

// Analytics: one AdDecision per decided break, one AdTracking per counted beacon (family
// ads, keyed by session). Tracking events carry a deterministic id (beacon.EventID), so a
// beacon counted by two instances is one row after the sink's deduplication.

const serviceName = "adserver"

func (a *AdServer) emitDecision(d *Decision) {
	e := &events.AdDecision{
		Header:           events.NewHeader(serviceName, d.Break.RequestID),
		SessionID:        d.Break.Session,
		BreakID:          d.Break.ID,
		ContentID:        d.Break.Content,
		RequestedMS:      d.Break.Duration.Milliseconds(),
		FilledMS:         d.Filled().Milliseconds(),
		PodSize:          d.Break.PodSize,
		Bidders:          d.Bidders,
		Bids:             d.Bids,
		AuctionLatencyUS: d.AuctionLatency.Microseconds(),
		LatencyUS:        d.Latency.Microseconds(),
	}
	for i := range d.Ads {
		e.Creatives = append(e.Creatives, d.Ads[i].CreativeID)
	}
	a.emit.Emit(e)
}

// trackingKinds maps beacon events to analytics tracking kinds: every beacon /t/{event}
// takes.
var trackingKinds = map[string]events.TrackingKind{
	eventImpression: events.TrackImpression,
	"start":         events.TrackStart,
	"firstQuartile": events.TrackFirstQuartile,
	"midpoint":      events.TrackMidpoint,
	"thirdQuartile": events.TrackThirdQuartile,
	"complete":      events.TrackComplete,
	eventClick:      events.TrackClick,
	eventError:      events.TrackError,
	"pause":         events.TrackPause,
	"resume":        events.TrackResume,
	"skip":          events.TrackSkip,
	"mute":          events.TrackMute,
	"unmute":        events.TrackUnmute,
}

// emitTracking emits a counted beacon. Everything in it comes from the signed beacon: the
// viewer, and the ad's clearing price (CPM micros) and currency — on every event of the ad;
// revenue counts impressions only (analytics/events.AdTracking). A beacon that failed its
// signature never gets here.
func (a *AdServer) emitTracking(b *beacon.Beacon, source, requestID string) {
	kind, ok := trackingKinds[b.Event]
	if !ok {
		return
	}
	h := events.NewHeader(serviceName, requestID)
	h.ID = beacon.EventID(b.Issued, b.AdServingID, b.Event)
	e := &events.AdTracking{
		Header: h, Kind: kind, SessionID: b.Session, BreakID: b.Break, AdID: b.AdServingID,
		Creative: b.Creative, Campaign: b.Campaign, Position: b.Position, Source: source,
		Viewer: b.Viewer, PriceMicros: b.PriceMicros, Currency: b.Currency,
	}
	if kind == events.TrackError {
		e.VASTError = b.ErrorCode
		if e.VASTError == 0 {
			e.VASTError = 900
		}
	}
	a.emit.Emit(e)
}
