package player

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Tracking is an SSAI session's tracking JSON: the ad avails on the stitched presentation
// timeline, their ads, and each ad's tracking events.
type Tracking struct {
	Avails []Avail `json:"avails"`
}

// Avail is one ad break: StartTime and Duration in seconds on the stitched presentation
// timeline (VOD: from the start of the presentation); live avails also carry ProgramDateTime.
type Avail struct {
	ID              string    `json:"id"`
	StartTime       float64   `json:"startTime"`
	Duration        float64   `json:"duration"`
	ProgramDateTime time.Time `json:"programDateTime"`
	Ads             []Ad      `json:"ads"`
}

// Ad is one ad of an avail, in play order.
type Ad struct {
	ID             string          `json:"id"`
	Sequence       int             `json:"sequence"`
	StartTime      float64         `json:"startTime"`
	Duration       float64         `json:"duration"`
	AdID           string          `json:"adId"`
	Creative       string          `json:"creative"`
	ClickThrough   string          `json:"clickThrough"`
	TrackingEvents []TrackingEvent `json:"trackingEvents"`
}

// TrackingEvent is one beacon: Offset seconds after the ad's start, GET each URL once (client-side
// beaconing; server-side sessions list the events with no URLs).
type TrackingEvent struct {
	Event  string   `json:"event"`
	Offset float64  `json:"offset"`
	URLs   []string `json:"urls"`
}

// Limits on what a tracking JSON may hold; anything beyond is refused, not truncated.
const (
	maxAvails    = 1000
	maxAdsPer    = 100
	maxEventsPer = 100
	maxURLsPer   = 20
	maxTimelineS = 366 * 24 * 3600 // a year of presentation time
)

// ParseTracking reads and checks a tracking JSON: times finite and within a year, durations
// non-negative, beacon URLs absolute http(s). A bad document is an error, never a panic.
func ParseTracking(b []byte) (*Tracking, error) {
	if len(b) > maxDocument {
		return nil, fmt.Errorf("player: tracking JSON of %d bytes", len(b))
	}
	var t Tracking
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("player: tracking JSON: %w", err)
	}
	if len(t.Avails) > maxAvails {
		return nil, fmt.Errorf("player: tracking JSON: %d avails", len(t.Avails))
	}
	for i := range t.Avails {
		a := &t.Avails[i]
		if err := checkSpan(a.StartTime, a.Duration); err != nil {
			return nil, fmt.Errorf("player: tracking JSON: avail %q: %w", a.ID, err)
		}
		if len(a.Ads) > maxAdsPer {
			return nil, fmt.Errorf("player: tracking JSON: avail %q: %d ads", a.ID, len(a.Ads))
		}
		for j := range a.Ads {
			ad := &a.Ads[j]
			if err := checkSpan(ad.StartTime, ad.Duration); err != nil {
				return nil, fmt.Errorf("player: tracking JSON: ad %q: %w", ad.ID, err)
			}
			if len(ad.TrackingEvents) > maxEventsPer {
				return nil, fmt.Errorf("player: tracking JSON: ad %q: %d tracking events", ad.ID, len(ad.TrackingEvents))
			}
			for _, ev := range ad.TrackingEvents {
				if !(ev.Offset >= 0 && ev.Offset <= maxTimelineS) {
					return nil, fmt.Errorf("player: tracking JSON: ad %q: event %q offset %v", ad.ID, ev.Event, ev.Offset)
				}
				if len(ev.URLs) > maxURLsPer {
					return nil, fmt.Errorf("player: tracking JSON: ad %q: event %q has %d urls", ad.ID, ev.Event, len(ev.URLs))
				}
				for _, u := range ev.URLs {
					if err := checkURL("beacon", u, true); err != nil {
						return nil, fmt.Errorf("player: tracking JSON: ad %q: %w", ad.ID, err)
					}
				}
			}
		}
	}
	return &t, nil
}

func checkSpan(start, dur float64) error {
	if math.IsNaN(start) || math.IsNaN(dur) || start < 0 || start > maxTimelineS || dur < 0 || dur > maxTimelineS {
		return fmt.Errorf("startTime %v, duration %v out of range", start, dur)
	}
	return nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
