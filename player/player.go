package player

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
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

// start begins the session (POST /v1/sessions or GET of the playlist), reads the multivariant
// playlist, picks the first variant and loads its media playlists.
func (s *session) start(ctx context.Context, u *url.URL) error {
	req, isSession, err := sessionEntry(u)
	if err != nil {
		return err
	}
	s.req = req
	t := s.clock.Now()
	var body []byte
	if isSession {
		payload, _ := json.Marshal(req)
		sessions := *u
		sessions.RawQuery = ""
		b, err := s.f.document(ctx, "POST", sessions.String(), "application/json", payload)
		if err != nil {
			return fmt.Errorf("player: start session: %w", err)
		}
		info, err := parseSessionResponse(b)
		if err != nil {
			return err
		}
		if id := s.f.header("X-Request-Id"); id != "" {
			info.RequestID = id
		}
		s.res.Info = info
		now := s.clock.Now()
		s.res.Startup.Session = now.Sub(t)
		t = now
		if u, err = url.Parse(info.ManifestURL); err != nil {
			return err
		}
		if body, err = s.f.document(ctx, "GET", info.ManifestURL, "", nil); err != nil {
			return fmt.Errorf("player: multivariant playlist: %w", err)
		}
		now = s.clock.Now()
		s.res.Startup.Master = now.Sub(t)
		t = now
	} else {
		if body, err = s.f.document(ctx, "GET", u.String(), "", nil); err != nil {
			return fmt.Errorf("player: multivariant playlist: %w", err)
		}
		s.res.Info = SessionInfo{ManifestURL: u.String(), RequestID: s.f.header("X-Request-Id")}
		now := s.clock.Now()
		s.res.Startup.Session = now.Sub(t)
		t = now
	}
	s.base = u
	if parts := strings.Split(u.Path, "/"); len(parts) > 2 && parts[1] == "ssai" {
		s.source = parts[2]
	}
	text := string(body) // a copy: the fetcher reuses body
	if !hls.IsMaster(text) {
		// A media playlist given directly: one track, no ABR.
		s.tracks = []*track{{name: "video", url: u}}
	} else {
		if s.master, err = hls.ParseMasterString(text); err != nil {
			return fmt.Errorf("player: multivariant playlist: %w", err)
		}
		if len(s.master.Variants) == 0 {
			return errNoVariant
		}
		s.ladder = newLadder(s.master)
		v := s.cfg.pinVariant
		if v < 0 || v >= len(s.master.Variants) {
			// From the top rung down to the best that fits the start estimate.
			v = s.est.choose(&s.ladder, s.ladder.order[len(s.ladder.order)-1], 0)
		}
		if err := s.setVariant(v); err != nil {
			return err
		}
	}
	// The media playlists load in parallel, as a browser player's do (the audio one on a
	// fetcher of its own).
	errs := make([]error, len(s.tracks))
	var wg sync.WaitGroup
	for i, tr := range s.tracks[1:] {
		wg.Go(func() {
			f := s.fetchers.Get().(*fetcher)
			errs[i+1] = tr.load(ctx, f, s.clock.Now())
			s.fetchers.Put(f)
		})
	}
	errs[0] = s.tracks[0].load(ctx, s.f, s.clock.Now())
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("player: %s playlist: %w", s.tracks[i].name, err)
		}
	}
	s.tracks[0].position()
	for _, tr := range s.tracks[1:] {
		tr.positioned, tr.nextSeq = true, s.tracks[0].nextSeq
	}
	s.res.Startup.Media = s.clock.Now().Sub(t)
	return nil
}

// newLadder orders the variants by bandwidth.
func newLadder(m *hls.MasterPlaylist) ladder {
	l := ladder{}
	for i := range m.Variants {
		l.order = append(l.order, i)
	}
	bw := func(i int) int64 { return m.Variants[i].Bandwidth() }
	for i := 1; i < len(l.order); i++ { // insertion sort: ladders have a handful of rungs
		for j := i; j > 0 && bw(l.order[j-1]) > bw(l.order[j]); j-- {
			l.order[j-1], l.order[j] = l.order[j], l.order[j-1]
		}
	}
	for _, i := range l.order {
		l.bw = append(l.bw, bw(i))
	}
	return l
}

// setVariant makes variant v's playlist the video track, and its audio group's default
// rendition (one with a URI) the audio track. Nothing is loaded.
func (s *session) setVariant(v int) error {
	va := s.master.Variants[v]
	u, err := resolve(s.base, va.URI)
	if err != nil {
		return fmt.Errorf("player: variant %d: %w", v, err)
	}
	video := &track{name: "video", variant: v, bandwidth: va.Bandwidth(), url: u}
	s.tracks = []*track{video}
	if group := va.Audio(); group != "" {
		var pick *hls.Rendition
		for i := range s.master.Renditions {
			r := &s.master.Renditions[i]
			if r.Type() != "AUDIO" || r.GroupID() != group || r.URI() == "" {
				continue
			}
			if pick == nil || r.Default() {
				pick = r
			}
		}
		if pick != nil {
			au, err := resolve(s.base, pick.URI())
			if err != nil {
				return fmt.Errorf("player: audio rendition: %w", err)
			}
			s.tracks = append(s.tracks, &track{name: "audio", url: au})
		}
	}
	return nil
}

// switchTo changes the video track to variant v, continuing at the same media sequence number
// and media time. The audio track is kept when the new variant uses the same one.
func (s *session) switchTo(ctx context.Context, v int) error {
	old := s.tracks
	if err := s.setVariant(v); err != nil {
		return err
	}
	nt := s.tracks
	s.tracks = old
	if err := nt[0].load(ctx, s.f, s.clock.Now()); err != nil {
		return err
	}
	nt[0].positioned, nt[0].nextSeq, nt[0].end = true, old[0].nextSeq, old[0].end
	for _, t := range nt[1:] {
		kept := false
		for _, o := range old[1:] {
			if o.url.String() == t.url.String() {
				*t, kept = *o, true
			}
		}
		if !kept {
			if err := t.load(ctx, s.f, s.clock.Now()); err != nil {
				return err
			}
			t.positioned, t.nextSeq, t.end = true, old[0].nextSeq, old[0].end
		}
	}
	s.tracks = nt
	s.res.Switches++
	s.since = 0
	return nil
}

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
