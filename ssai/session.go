package ssai

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

// rendition kinds: what an ad must offer to fill one of the session's media playlists.
const (
	kindVariant = iota // a video variant: the ad's rendition of the nearest resolution
	kindAudio          // an audio rendition: the ad's separate audio
	kindOther          // subtitles, captions: served without the break
)

type rendKind struct {
	kind int
	w, h int
	bw   int64
}

// session is one playback. Everything in it can be rebuilt from its signed token (claims) and
// the shared source playlists, except the ad decisions: an instance that did not make them
// asks the adserver again (see docs/ssai.md, "Scale").
type session struct {
	*ladder
	tok       string
	c         claims
	src       *Source
	requestID string // the session start's trace id, shared with the adserver and bidders
	// restored: rebuilt from its token by an instance that had not seen it; its breaks may have
	// been decided elsewhere, so the adserver is asked for them again (again=1), and answers
	// the pods it gave then.
	restored bool

	used atomic.Int64 // unix nanoseconds of the last request
	dev  atomic.Pointer[device]

	mu      sync.Mutex
	planner stitch.Planner
	refSeen *hls.MediaPlaylist // the reference refresh the plan was last updated from
	pending map[uint64]decision
	ads     []*adRef // what the plan's pieces refer to: ads[0] is the slate
	fired   []uint8  // per ads: the beacons fired (bit per event), server-side mode
}

// device is the viewer's device as its latest request showed it: forwarded to the adserver
// and with server-side beacons.
type device struct{ ip, ua string }

func (sess *session) device() (ip, ua string) {
	if d := sess.dev.Load(); d != nil {
		return d.ip, d.ua
	}
	return "", ""
}

// seen records a request of the session's player.
func (sess *session) seen(now time.Time, ip, ua string) {
	sess.used.Store(now.UnixNano())
	if d := sess.dev.Load(); d == nil || d.ip != ip || d.ua != ua {
		sess.dev.Store(&device{ip, ua})
	}
}

// playable reports whether an ad has a rendition for every video and audio playlist.
func (sess *session) playable(media []string) bool {
	for i, k := range sess.kinds {
		if k.kind != kindOther && media[i] == "" {
			return false
		}
	}
	return true
}

// breakRequest describes span sp of the reference rendition to the adserver.
func (sess *session) breakRequest(ref *hls.MediaPlaylist, sp stitch.Span) breakRequest {
	br := breakRequest{pos: "mid", breakID: breakID(sp.First), live: !ref.EndList, requestID: newID()}
	if ref.EndList {
		switch {
		case sp.Count == 0 && sp.First == ref.MediaSequence:
			br.pos, br.requestID = "pre", sess.requestID
		case sp.First >= ref.MediaSequence+uint64(len(ref.Segments)):
			br.pos = "post"
		}
	}
	switch {
	case sp.Count > 0:
		br.dur = time.Duration(sp.Count) * stitch.Nominal(ref)
	default:
		br.dur = sp.Planned
	}
	return br
}

// ladder is what every session of a source shares: its media playlists and what each is, the
// slate's matching renditions, and the writers that point ad segments at this service.
type ladder struct {
	media   []string   // source media playlist URLs: variants first, then renditions
	kinds   []rendKind // what each of media is
	slate   []string   // the slate's media playlist matching each of media ("" when none)
	ref     int        // index in media of the reference rendition (the first variant)
	writers []stitch.Writer
	slateAd *adRef // ads[0] of every session

	key string // the multivariant playlist and slate it was built from
}

// ladderOf returns the source's ladder, built once per change of its multivariant playlist.
func (s *Service) ladderOf(ctx context.Context, src *Source) (*ladder, error) {
	mp, text, err := s.fetch.masterText(ctx, src.URL)
	if err != nil {
		return nil, err
	}
	key := src.URL + "\n" + src.Slate + "\n" + text
	if v, ok := s.ladders.Load(src.Name); ok && v.(*ladder).key == key {
		return v.(*ladder), nil
	}
	lad := &ladder{key: key}
	base, _ := url.Parse(src.URL)
	for _, v := range mp.Variants {
		w, h := v.Resolution()
		lad.media = append(lad.media, resolve(base, v.URI))
		lad.kinds = append(lad.kinds, rendKind{kind: kindVariant, w: w, h: h, bw: v.Bandwidth()})
	}
	for _, r := range mp.Renditions {
		if r.URI() == "" {
			continue
		}
		k := kindOther
		if r.Type() == "AUDIO" {
			k = kindAudio
		}
		lad.media = append(lad.media, resolve(base, r.URI()))
		lad.kinds = append(lad.kinds, rendKind{kind: k})
	}
	if len(mp.Variants) == 0 {
		return nil, errors.New("source master playlist has no variant streams")
	}
	if src.Slate != "" {
		if err := s.matchSlate(ctx, lad, src.Slate, mp, len(mp.Variants)); err != nil {
			s.log.Warn("slate", "source", src.Name, "err", err) // breaks play the content
			lad.slate = nil
		}
	}
	lad.slateAd = &adRef{slate: true, media: lad.slate}
	lad.writers = make([]stitch.Writer, len(lad.media))
	for i := range lad.writers {
		lad.writers[i].AdURI = adURI(i)
	}
	s.ladders.Store(src.Name, lad)
	return lad, nil
}

// errUnknownSource is returned when a session names a source that is not registered (here).
var errUnknownSource = errors.New("no such source: register it with PUT /v1/sources/{name}")

// open builds a session from its claims: the source's multivariant playlist (shared, fetched
// once per refresh), the slate renditions, and the plan of the reference rendition's first
// refresh, with its breaks decided (in parallel) before the player asks for a playlist. It
// returns the session and how long it waited for ad decisions.
func (s *Service) open(ctx context.Context, c claims, ip, ua, requestID string, restored bool) (*session, time.Duration, error) {
	src, ok := s.sources.get(c.Source)
	if !ok {
		return nil, 0, errUnknownSource
	}
	lad, err := s.ladderOf(ctx, src)
	if err != nil {
		return nil, 0, err
	}
	sess := &session{ladder: lad, c: c, src: src, tok: c.sign(s.keys[0]), requestID: requestID, restored: restored}
	sess.seen(s.now(), ip, ua)
	sess.ads = []*adRef{lad.slateAd}
	sess.fired = []uint8{0}
	sess.planner.Extra = src.schedule
	sess.planner.Decide = func(dst []stitch.Piece, sp stitch.Span) []stitch.Piece {
		d, ok := sess.pending[sp.First]
		if ok {
			delete(sess.pending, sp.First)
		} else {
			d = s.decide(sess, sess.refSeen, sess.breakRequest(sess.refSeen, sp), sp.Count > 0 && !src.interstitials())
		}
		return s.merge(sess, dst, d)
	}

	// The first refresh of the reference rendition: decide its breaks now (a pre-roll must be
	// in the first playlist the player reads).
	var waited time.Duration
	if ref, err := s.fetch.media(ctx, sess.media[sess.ref]); err == nil {
		t0 := time.Now()
		pending := s.predecide(sess, ref)
		if len(pending) > 0 {
			waited = time.Since(t0)
		}
		sess.mu.Lock()
		sess.pending = pending
		sess.refSeen = ref
		sess.planner.Update(ref)
		sess.pending = nil
		sess.mu.Unlock()
	}
	return sess, waited, nil
}

// merge adds a decision's ads to the session (their adInfo to the decision cache, their media
// interned) and appends its pieces, renumbered, to dst.
func (s *Service) merge(sess *session, dst []stitch.Piece, d decision) []stitch.Piece {
	base := len(sess.ads)
	for i, a := range d.ads {
		a.key = sess.c.SessionID() + "/" + strconv.Itoa(base+i)
		s.decisions.put(a.key, a.info)
		a.info = nil
		a.media = s.mediaSets.intern(a.media)
	}
	sess.ads = append(sess.ads, d.ads...)
	sess.fired = append(sess.fired, make([]uint8, len(d.ads))...)
	for _, pc := range d.pieces {
		if pc.Ad == len(d.ads) {
			pc.Ad = 0 // the slate
		} else {
			pc.Ad += base
		}
		dst = append(dst, pc)
	}
	return dst
}

// prerollAds counts the ads of the session's pre-roll (a VOD break before its first segment).
func (sess *session) prerollAds() int {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.refSeen == nil || !sess.refSeen.EndList {
		return 0
	}
	n := 0
	for _, br := range sess.planner.Plan.Breaks {
		if br.First == sess.refSeen.MediaSequence && br.Count == 0 {
			last := -1
			for _, pc := range br.Fill {
				if pc.Ad != 0 && pc.Ad != last {
					n++
					last = pc.Ad
				}
			}
		}
	}
	return n
}

// adURI writes an ad segment's URI as this service's redirect for media playlist i:
// a/{i}/{break}/{piece}{ext}, relative to the media playlist. Slate (ads[0]) has no beacons:
// its segments point at the slate's origin.
func adURI(i int) func(b []byte, br *stitch.Break, k int, uri string) []byte {
	return func(b []byte, br *stitch.Break, k int, uri string) []byte {
		if br.Fill[k].Ad == 0 {
			return append(b, uri...)
		}
		b = append(b, "a/"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, '/')
		b = strconv.AppendUint(b, br.First, 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(k), 10)
		return append(b, extOf(uri)...)
	}
}

// extOf returns the extension of a URI's path (".ts", ".m4s", ".aac"), or "" when it has none
// players recognize.
func extOf(uri string) string {
	end := len(uri)
	for i := 0; i < len(uri); i++ {
		if uri[i] == '?' || uri[i] == '#' {
			end = i
			break
		}
	}
	for i := end - 1; i >= 0 && end-i <= 5; i-- {
		switch uri[i] {
		case '.':
			return uri[i:end]
		case '/':
			return ""
		}
	}
	return ""
}

func resolve(base *url.URL, ref string) string {
	r, err := url.Parse(ref)
	if err != nil || base == nil {
		return ref
	}
	return base.ResolveReference(r).String()
}
