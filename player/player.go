package player

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/valyala/fasthttp"
)

// Player plays sessions. One Player is shared by any number of concurrent sessions (Play is safe
// for concurrent use); they share its HTTP connections.
type Player struct {
	cfg      config
	client   *fasthttp.Client
	fetchers sync.Pool // *fetcher: sessions reuse request and response buffers
}

// New returns a Player with the options applied over the defaults.
func New(opts ...Option) *Player {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	p := &Player{cfg: cfg, client: newClient(cfg.connections, cfg.userAgent)}
	p.fetchers.New = func() any { return newFetcher(p.client, cfg.timeout) }
	return p
}

// Close releases the Player's idle connections.
func (p *Player) Close() { p.client.CloseIdleConnections() }

// session is one viewer's playback: everything Play keeps between steps.
type session struct {
	cfg      config
	clock    Clock
	f        *fetcher
	fetchers *sync.Pool // more fetchers, for requests in parallel
	t0       time.Time
	req      SessionRequest
	source   string // the SSAI source named by the URL, when there is one
	id       string

	master  *hls.MasterPlaylist
	base    *url.URL // the multivariant playlist's URL
	ladder  ladder
	est     *estimator
	tracks  []*track // video (the variant's playlist) first, then audio
	since   int      // video segments since the last switch
	pb      playback
	firstOK bool
	consec  int // consecutive failed requests

	tracking *Tracking
	nextPoll time.Time
	fired    map[string]bool
	dues     []due
	anchor   *anchor
	played   []played // video segments, for counting ad segments at the end

	qoe qoe
	res Result
}

// played is a downloaded video segment's place on the timelines.
type played struct {
	media, dur time.Duration
	pdt        time.Time
}

// Play plays one session from entry and returns what it measured. entry is either
//
//   - a multivariant (or media) playlist URL, such as http://ssai:8083/ssai/demo/master.m3u8?uid=v1;
//   - an SSAI sessions endpoint with the request in its query, such as
//     http://ssai:8083/v1/sessions?source=demo&uid=v1&beacons=client (SessionsURL builds one):
//     Play POSTs {"source":…,"uid":…} and plays the manifestUrl of the answer, firing beacons
//     from its trackingUrl.
//
// A session ends when a VOD has played to its end, after WithWatchTime of playback, after the
// first segment with WithStartupOnly, or when ctx is done (a live session's normal end: the
// result has no error once playback started). The Result is returned with any error.
func (p *Player) Play(ctx context.Context, entry string) (*Result, error) {
	s := &session{cfg: p.cfg, clock: p.cfg.clock(), f: p.fetchers.Get().(*fetcher), fetchers: &p.fetchers, fired: map[string]bool{}}
	defer p.fetchers.Put(s.f)
	s.est = newEstimator(s.cfg.abr, s.cfg.startBandwidth)
	s.t0 = s.clock.Now()
	err := s.run(ctx, entry)
	if err != nil && ctx.Err() != nil && s.res.Started && !s.cfg.startupOnly {
		err = nil // a session stopped by its context after it played
	}
	if err != nil {
		s.fail(err)
	}
	s.finish()
	return &s.res, err
}

// fail counts a failed request (or session).
func (s *session) fail(err error) {
	s.res.Errors++
	s.res.LastError = err.Error()
}

func (s *session) finish() {
	now := s.clock.Now()
	s.advance(context.Background(), now, false)
	if s.pb.stalled {
		s.pb.rebufferTime += now.Sub(s.pb.stallStart)
		s.pb.stalled = false
	}
	r := &s.res
	r.WatchTime, r.Rebuffers, r.RebufferTime = s.pb.watch, s.pb.rebuffers, s.pb.rebufferTime
	r.Ended = s.pb.ended
	r.Duration = now.Sub(s.t0)
	if s.tracking != nil {
		r.Avails = len(s.tracking.Avails)
		live := len(s.tracks) > 0 && s.tracks[0].live()
		for i, pl := range s.played {
			if id := s.inAvail(pl, live); id != "" {
				r.AdSegments++
				if i == 0 {
					r.FirstSegmentAvail = id
				}
			}
		}
	}
	s.report(true)
}

// run is the session: start, pick a variant, then fetch, play and reload until the end.
func (s *session) run(ctx context.Context, entry string) error {
	u, err := url.Parse(entry)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("player: %q is not an absolute http(s) URL", entry)
	}
	if err := s.start(ctx, u); err != nil {
		return err
	}
	for {
		now := s.clock.Now()
		s.advance(ctx, now, true)
		if s.done() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		s.pollTracking(ctx, now)
		if s.cfg.emitter != nil && s.res.Started && !now.Before(s.qoe.next) {
			s.report(false)
			s.qoe.next = now.Add(s.cfg.qoeInterval)
		}

		t := s.lagging()
		if t == nil && !s.pb.started {
			return errNoMedia // every segment downloaded and not a millisecond to play
		}
		if t == nil { // every track downloaded: play out the buffer
			if err := s.wait(ctx, now, s.pb.ahead(s.bufferEnd())); err != nil {
				return err
			}
			continue
		}
		if s.pb.started {
			if ahead := s.pb.ahead(s.bufferEnd()); ahead >= s.cfg.maxBuffer {
				if err := s.wait(ctx, now, ahead-s.cfg.maxBuffer+time.Millisecond); err != nil {
					return err
				}
				continue
			}
		}
		idx, jumped := t.next()
		if jumped {
			s.fail(fmt.Errorf("player: %s fell behind the live window", t.name))
		}
		if idx < 0 {
			if !t.live() {
				t.complete = true
				continue
			}
			if now.Before(t.nextReload) {
				if err := s.wait(ctx, now, t.nextReload.Sub(now)); err != nil {
					return err
				}
				continue
			}
			s.res.Reloads++
			if err := t.load(ctx, s.f, now); err != nil {
				if err := s.failed(ctx, err); err != nil {
					return err
				}
				t.nextReload = s.clock.Now().Add(targetDuration(t.pl) / 2)
			} else {
				s.consec = 0
			}
			continue
		}
		if t == s.tracks[0] && s.cfg.pinVariant < 0 && s.firstOK {
			if v := s.est.choose(&s.ladder, t.variant, s.since); v != t.variant {
				if err := s.switchTo(ctx, v); err != nil {
					if err := s.failed(ctx, err); err != nil {
						return err
					}
				}
				continue
			}
		}
		if err := s.download(ctx, t, idx); err != nil {
			if err := s.failed(ctx, err); err != nil {
				return err
			}
			continue
		}
		if s.cfg.startupOnly && s.firstOK {
			return nil
		}
	}
}

// failed counts a failed request and, unless too many failed in a row, waits a little before
// the player tries again.
func (s *session) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.fail(err)
	s.consec++
	if s.consec >= s.cfg.maxErrors {
		return fmt.Errorf("player: %d requests failed in a row, last: %w", s.consec, err)
	}
	return s.clock.Sleep(ctx, 250*time.Millisecond)
}

// done reports whether the session has ended.
func (s *session) done() bool {
	if s.pb.ended {
		return true
	}
	return s.cfg.watchTime > 0 && s.pb.watch >= s.cfg.watchTime
}

// wait sleeps d, or less when something is due sooner: a beacon, a tracking poll, a QoE report,
// the end of the watch time.
func (s *session) wait(ctx context.Context, now time.Time, d time.Duration) error {
	if s.pb.started && !s.pb.stalled {
		if len(s.dues) > 0 {
			d = min(d, s.dues[0].at-s.pb.playhead)
		}
		if s.cfg.watchTime > 0 {
			d = min(d, s.cfg.watchTime-s.pb.watch)
		}
		if s.cfg.emitter != nil {
			d = min(d, s.qoe.next.Sub(now))
		}
	}
	if s.tracking != nil || s.res.Info.TrackingURL != "" {
		d = min(d, s.nextPoll.Sub(now))
	}
	return s.clock.Sleep(ctx, max(d, time.Millisecond))
}

// bufferEnd is the media time every track has buffered up to.
func (s *session) bufferEnd() time.Duration {
	end := s.tracks[0].end
	for _, t := range s.tracks[1:] {
		end = min(end, t.end)
	}
	return end
}

// endOfStream reports whether every track is downloaded to the end of a VOD.
func (s *session) endOfStream() bool {
	for _, t := range s.tracks {
		if !t.complete {
			return false
		}
	}
	return true
}

// lagging returns the track with the least buffered that still has segments to fetch.
func (s *session) lagging() *track {
	var best *track
	for _, t := range s.tracks {
		if !t.complete && (best == nil || t.end < best.end) {
			best = t
		}
	}
	return best
}

// advance moves the playhead to now and fires the tracking events it passed.
func (s *session) advance(ctx context.Context, now time.Time, fire bool) {
	if len(s.tracks) == 0 {
		return
	}
	s.pb.advance(now, s.bufferEnd(), s.endOfStream())
	for fire && len(s.dues) > 0 && s.pb.started && s.dues[0].at <= s.pb.playhead {
		d := s.dues[0]
		s.dues = s.dues[1:]
		s.fire(ctx, d, now)
	}
}
