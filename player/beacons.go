package player

import (
	"context"
	"strconv"
	"time"
)

// due is one tracking event placed on the session's media timeline.
type due struct {
	key       string
	avail, ad string
	event     string
	at        time.Duration // media time
	urls      []string
}

// anchor ties a live stream's media time to its program date time (from a downloaded segment with
// EXT-X-PROGRAM-DATE-TIME), so live avails, placed by programDateTime, land on the media timeline.
type anchor struct {
	media time.Duration
	pdt   time.Time
}

// availStart returns where avail a starts on the media timeline: its startTime for a VOD (the
// presentation timeline is the media timeline from its start), its programDateTime through the
// anchor for live; ok is false when it cannot be placed yet.
func availStart(a *Avail, live bool, an *anchor) (time.Duration, bool) {
	if !live {
		return seconds(a.StartTime), true
	}
	if a.ProgramDateTime.IsZero() || an == nil {
		return 0, false
	}
	return an.media + a.ProgramDateTime.Sub(an.pdt), true
}

// schedule places every tracking event of t that has not fired yet; it returns them sorted by
// media time (insertion into an already sorted list: a tracking JSON holds a few dozen).
func schedule(dst []due, t *Tracking, live bool, an *anchor, fired map[string]bool) []due {
	dst = dst[:0]
	for i := range t.Avails {
		a := &t.Avails[i]
		start, ok := availStart(a, live, an)
		if !ok {
			continue
		}
		for j := range a.Ads {
			ad := &a.Ads[j]
			adStart := start + seconds(ad.StartTime-a.StartTime)
			for _, ev := range ad.TrackingEvents {
				key := a.ID + "|" + ad.ID + "|" + strconv.Itoa(ad.Sequence) + "|" + ev.Event + "|" + strconv.FormatFloat(ev.Offset, 'g', -1, 64)
				if fired[key] {
					continue
				}
				d := due{key: key, avail: a.ID, ad: ad.ID, event: ev.Event, at: adStart + seconds(ev.Offset), urls: ev.URLs}
				k := len(dst)
				dst = append(dst, d)
				for k > 0 && dst[k-1].at > d.at {
					dst[k], dst[k-1] = dst[k-1], dst[k]
					k--
				}
			}
		}
	}
	return dst
}

// fire sends a beacon's URLs (client-side beaconing) and records it.
func (s *session) fire(ctx context.Context, d due, now time.Time) {
	b := Beacon{Avail: d.avail, Ad: d.ad, Event: d.event, MediaTime: d.at, At: now.Sub(s.t0)}
	if s.cfg.beacons {
		for _, u := range d.urls {
			b.URLs++
			if _, err := s.f.segment(ctx, u); err != nil {
				b.Failed++
				s.fail(err)
			}
		}
	}
	s.fired[d.key] = true
	s.res.Beacons = append(s.res.Beacons, b)
}
