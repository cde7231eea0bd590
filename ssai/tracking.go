package ssai

import (
	"strconv"
	"time"
)

// Tracking is a session's client-side tracking data (GET …/tracking.json): every break
// stitched so far, with its ads in play order, their times on the stitched presentation and
// their beacons. A player shows "Ad n of m" from it, and in client-side mode fires the beacons
// at their offsets.
type Tracking struct {
	Avails []Avail `json:"avails"`
}

// Avail is one stitched break.
type Avail struct {
	ID string `json:"id"`
	// StartTime is where the break starts on the stitched presentation, in seconds (a VOD's
	// video.currentTime). Live streams carry ProgramDateTime instead.
	StartTime       float64 `json:"startTime"`
	Duration        float64 `json:"duration"`
	ProgramDateTime string  `json:"programDateTime,omitempty"`
	Ads             []Ad    `json:"ads"`
}

// Ad is one ad of an avail.
type Ad struct {
	ID             string          `json:"id"` // the ad serving id
	Sequence       int             `json:"sequence"`
	StartTime      float64         `json:"startTime"`
	Duration       float64         `json:"duration"`
	AdID           string          `json:"adId,omitempty"`
	Creative       string          `json:"creative,omitempty"`
	Title          string          `json:"title,omitempty"`
	ClickThrough   string          `json:"clickThrough,omitempty"`
	TrackingEvents []TrackingEvent `json:"trackingEvents"`
}

// TrackingEvent is a beacon: URLs are empty when ssai fires them (server-side mode).
type TrackingEvent struct {
	Event  string   `json:"event"`
	Offset float64  `json:"offset"` // seconds into the ad
	URLs   []string `json:"urls"`
}

// tracking builds the session's tracking data from its plan and the reference rendition it was
// last updated from, and the decision cache. sess.mu is held.
func (s *Service) tracking(sess *session) Tracking {
	t := Tracking{Avails: []Avail{}}
	ref := sess.refSeen
	if ref == nil {
		return t
	}
	// Content time and program date-time of each reference segment in the window.
	starts := make([]time.Duration, len(ref.Segments)+1)
	for i := range ref.Segments {
		starts[i+1] = starts[i] + ref.Segments[i].Duration
	}
	pdtOf := func(seq uint64) time.Time {
		var pdt time.Time
		for i := range ref.Segments {
			if !ref.Segments[i].ProgramDateTime.IsZero() {
				pdt = ref.Segments[i].ProgramDateTime
			}
			if ref.MediaSequence+uint64(i) == seq {
				return pdt
			}
			if !pdt.IsZero() {
				pdt = pdt.Add(ref.Segments[i].Duration)
			}
		}
		return time.Time{}
	}
	var shift time.Duration // what earlier breaks added to the presentation
	for bi := range sess.planner.Plan.Breaks {
		br := &sess.planner.Plan.Breaks[bi]
		if !br.Stitched() {
			continue
		}
		var at time.Duration
		if i := int(br.First) - int(ref.MediaSequence); i >= 0 && i < len(starts) {
			at = starts[i]
		}
		var replaced time.Duration
		for i := int(br.First - min(br.First, ref.MediaSequence)); i < len(ref.Segments) && uint64(i)+ref.MediaSequence < br.End(); i++ {
			replaced += ref.Segments[i].Duration
		}
		av := Avail{ID: breakID(br.First), StartTime: (at + shift).Seconds(), Duration: br.Duration().Seconds(), Ads: []Ad{}}
		if !ref.EndList || sess.src.interstitials() {
			pdt := br.Start
			if pdt.IsZero() {
				pdt = pdtOf(br.First)
			}
			if pdt.IsZero() && ref.EndList { // interstitials in a VOD: the dates ssai added
				pdt = sess.c.Created.Add(at)
			}
			if !pdt.IsZero() {
				av.ProgramDateTime = pdt.UTC().Format("2006-01-02T15:04:05.000Z")
			}
			if !ref.EndList {
				av.StartTime = 0 // live: placed by programDateTime
			}
		}
		for k := 0; k < len(br.Fill); {
			pc := br.Fill[k]
			j := k
			for j < len(br.Fill) && br.Fill[j].Ad == pc.Ad {
				j++
			}
			if ad := sess.ads[pc.Ad]; !ad.slate {
				info, ok := s.decisions.get(ad.key)
				if !ok {
					info = &adInfo{}
				}
				a := Ad{ID: info.servingID, Sequence: len(av.Ads) + 1, StartTime: av.StartTime + pc.Offset.Seconds(),
					Duration: ad.dur.Seconds(), AdID: info.adID, Creative: info.creative, Title: info.title, ClickThrough: info.clickThrough}
				offsets := [numEvents]time.Duration{0, 0, ad.dur / 4, ad.dur / 2, ad.dur * 3 / 4, ad.dur}
				for e := range numEvents {
					te := TrackingEvent{Event: eventNames[e], Offset: offsets[e].Seconds(), URLs: []string{}}
					if sess.c.Client {
						te.URLs = append(te.URLs, info.beacons[e]...)
					}
					a.TrackingEvents = append(a.TrackingEvents, te)
				}
				av.Ads = append(av.Ads, a)
			}
			k = j
		}
		if ref.EndList && !sess.src.interstitials() {
			shift += br.Duration() - replaced
		}
		t.Avails = append(t.Avails, av)
	}
	return t
}

// breakID names a break of a session by its first media sequence number: stable across
// refreshes, shared with the adserver's decision and the tracking data.
func breakID(first uint64) string { return "b" + strconv.FormatUint(first, 10) }
