package player

import (
	"context"
	"errors"
	"time"
)

// inAvail returns the id of the avail a played segment's middle falls in ("" for content).
func (s *session) inAvail(pl played, live bool) string {
	if s.tracking == nil {
		return ""
	}
	mid := pl.dur / 2
	for i := range s.tracking.Avails {
		a := &s.tracking.Avails[i]
		if live {
			if a.ProgramDateTime.IsZero() || pl.pdt.IsZero() {
				continue
			}
			m := pl.pdt.Add(mid)
			if !m.Before(a.ProgramDateTime) && m.Before(a.ProgramDateTime.Add(seconds(a.Duration))) {
				return a.ID
			}
			continue
		}
		m := pl.media + mid
		if m >= seconds(a.StartTime) && m < seconds(a.StartTime+a.Duration) {
			return a.ID
		}
	}
	return ""
}

// pollTracking reads the tracking JSON when it is due (not before the first segment: the start
// of a session is the budget), and places its events on the media timeline.
func (s *session) pollTracking(ctx context.Context, now time.Time) {
	if s.res.Info.TrackingURL == "" || !s.firstOK || now.Before(s.nextPoll) {
		return
	}
	s.nextPoll = now.Add(s.cfg.trackingPoll)
	b, err := s.f.document(ctx, "GET", s.res.Info.TrackingURL, "", nil)
	if err == nil {
		var t *Tracking
		if t, err = ParseTracking(b); err == nil {
			s.tracking = t
		}
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			s.fail(err)
		}
		return
	}
	s.dues = schedule(s.dues, s.tracking, len(s.tracks) > 0 && s.tracks[0].live(), s.anchor, s.fired)
	// Events before where this viewer began (a live session joined in the middle of a break)
	// were never reached: they are skipped, not fired late.
	for len(s.dues) > 0 && s.dues[0].at < 0 {
		s.fired[s.dues[0].key] = true
		s.res.BeaconsSkipped++
		s.dues = s.dues[1:]
	}
}
