package player

import (
	"context"
	"time"
)

// download fetches segment idx of t (and its EXT-X-MAP when it changed), applies the simulated
// bandwidth, and adds it to the buffer.
func (s *session) download(ctx context.Context, t *track, idx int) error {
	seg := &t.pl.Segments[idx]
	start := s.clock.Now()
	var n int64
	if m := t.initURI(idx); m != "" && m != t.mapURI {
		k, err := s.f.segment(ctx, m)
		if err != nil {
			return err
		}
		n += k
		t.mapURI = m
	}
	su, err := resolve(t.url, seg.URI)
	if err != nil {
		return err
	}
	k, err := s.f.segment(ctx, su.String())
	if err != nil {
		return err
	}
	n += k
	took := s.clock.Now().Sub(start)
	if bw := s.bandwidthAt(start.Sub(s.t0)); bw > 0 {
		if need := time.Duration(float64(n) * 8 / float64(bw) * float64(time.Second)); need > took {
			if err := s.clock.Sleep(ctx, need-took); err != nil {
				return err
			}
			took = need
		}
	}
	s.consec = 0
	s.est.sample(n, took)
	now := s.clock.Now()
	media := t.end
	t.end += seg.Duration
	t.nextSeq++
	s.res.Segments++
	s.res.Bytes += n
	info := SegmentInfo{Track: t.name, Variant: t.variant, Bandwidth: t.bandwidth, URI: su.String(),
		Sequence: t.pl.MediaSequence + uint64(idx), MediaTime: media, Duration: seg.Duration,
		Discontinuity: seg.Discontinuity, Bytes: n, Took: took}
	if t == s.tracks[0] {
		s.since++
		if seg.Discontinuity {
			s.res.Discontinuities++
		}
		if !seg.ProgramDateTime.IsZero() {
			s.anchor = &anchor{media: media, pdt: seg.ProgramDateTime}
		}
		pl := played{media: media, dur: seg.Duration, pdt: seg.ProgramDateTime}
		s.played = append(s.played, pl)
		s.qoe.bitsWeighted += float64(t.bandwidth) * seg.Duration.Seconds()
		s.qoe.mediaWeighted += seg.Duration.Seconds()
		if s.tracking != nil {
			info.InAvail = s.inAvail(pl, t.live())
		}
		if !s.firstOK {
			s.firstOK = true
			s.res.Startup.FirstSegment = now.Sub(start)
			s.res.Startup.ToFirstSegment = now.Sub(s.t0)
		}
	}
	// Playback starts when every track has media; a stall ends when enough is buffered again.
	s.advance(ctx, now, true)
	if !s.pb.started && s.bufferEnd() > 0 && !s.cfg.startupOnly {
		s.pb.start(now)
		s.res.Started = true
		s.res.Startup.ToPlayback = now.Sub(s.t0)
		s.qoe.next = now // the first report (with the startup time) goes out at once
	}
	s.pb.data(now, s.bufferEnd(), s.endOfStream() || (!t.live() && idx == len(t.pl.Segments)-1), s.cfg.resumeBuffer)
	if s.cfg.onSegment != nil {
		s.cfg.onSegment(info)
	}
	return nil
}

// bandwidthAt is the simulated bandwidth at session time at (0: uncapped).
func (s *session) bandwidthAt(at time.Duration) int64 {
	var bw int64
	for _, st := range s.cfg.profile {
		if st.At > at {
			break
		}
		bw = st.Bandwidth
	}
	return bw
}
