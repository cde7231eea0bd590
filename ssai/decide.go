package ssai

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/internal/metrics"
	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/ssai/ads"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

// The VAST events a stitched ad reports, in playback order: the index of each is its bit in a
// session's fired set and its slot in adRef.beacons.
const (
	evImpression = iota
	evStart
	evFirstQuartile
	evMidpoint
	evThirdQuartile
	evComplete
	numEvents
)

var eventNames = [numEvents]string{"impression", "start", "firstQuartile", "midpoint", "thirdQuartile", "complete"}

// adRef is an ad (or the slate) that the pieces of a session's breaks refer to by index.
type adRef struct {
	slate bool
	// media is, for each of the session's media playlists, the URL of this ad's rendition that
	// matches it ("" when the ad has none); interned, shared by the sessions playing the ad.
	media []string
	// dur is the ad's duration on the reference rendition (the sum of its segments).
	dur time.Duration
	// key is where the decision cache keeps the ad's adInfo ("" for the slate); info is set
	// while the ad is being decided, and nil once the session holds the ad.
	key  string
	info *adInfo
}

// decision is the fill the adserver gave one break: pieces whose Ad indexes ads (0-based, the
// slate being len(ads) when used), before they are merged into the session.
type decision struct {
	pieces []stitch.Piece
	ads    []*adRef
}

var (
	decisionsOK      = metrics.Counter(`cuepoint_ssai_decisions_total{result="filled"}`)
	decisionsEmpty   = metrics.Counter(`cuepoint_ssai_decisions_total{result="empty"}`)
	decisionsFailed  = metrics.Counter(`cuepoint_ssai_decisions_total{result="failed"}`)
	decisionLatency  = metrics.Latency(`cuepoint_ssai_decision_seconds`)
	adsUnplayable    = metrics.Counter(`cuepoint_ssai_ads_unplayable_total`)
	maxVAST          = int64(1 << 20)
	errNoDecisionURL = fmt.Errorf("no adserver configured")
)

// breakRequest is what the adserver is asked for one break.
type breakRequest struct {
	pos       string // pre, mid or post
	dur       time.Duration
	breakID   string
	live      bool
	requestID string
}

// decide asks the adserver for a break and turns its VAST into a fill on the reference
// rendition ref: whole ads first, then slate for the remainder of a break that replaces content
// (insertions get ads only). Any failure (adserver down, slow, invalid VAST, no playable ad)
// leaves the slate, or nothing: then the content plays — never a stall.
func (s *Service) decide(sess *session, ref *hls.MediaPlaylist, br breakRequest, replace bool) decision {
	var d decision
	adSegs, err := s.requestAds(sess, ref, br, &d)
	switch {
	case err == errNoDecisionURL:
	case err != nil:
		decisionsFailed.Inc()
		s.log.Warn("ad decision", "source", sess.c.Source, "session", sess.c.SessionID(), "break", br.breakID, "err", err)
	case len(d.ads) == 0:
		decisionsEmpty.Inc()
	default:
		decisionsOK.Inc()
	}
	slate, slateSegs := -1, []time.Duration(nil)
	if replace && sess.slate != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.decisionTimeout)
		if p, err := s.fetch.media(ctx, sess.slate[sess.ref]); err == nil && len(p.Segments) > 0 {
			slate = len(d.ads)
			for i := range p.Segments {
				slateSegs = append(slateSegs, p.Segments[i].Duration)
			}
		}
		cancel()
	}
	fill, err := stitch.Fill(nil, br.dur, adSegs, slate, slateSegs)
	if err != nil {
		return decision{}
	}
	used := make([]bool, len(d.ads))
	for _, pc := range fill {
		if pc.Ad < len(d.ads) {
			used[pc.Ad] = true
		}
	}
	for i, u := range used {
		if !u { // did not fit the break after all: the adserver hears nothing played
			s.fireError(d.ads[i], 203, sess) // VAST 203: duration not what the player expected
		}
	}
	d.pieces = fill
	return d
}

// requestAds asks the adserver and fills d.ads with the playable ads of its answer, returning
// each one's segment durations on the reference rendition.
func (s *Service) requestAds(sess *session, ref *hls.MediaPlaylist, br breakRequest, d *decision) ([][]time.Duration, error) {
	if s.adserver == "" {
		return nil, errNoDecisionURL
	}
	start := time.Now()
	defer metrics.Since(decisionLatency, start)
	ctx, cancel := context.WithTimeout(context.Background(), s.decisionTimeout)
	defer cancel()
	doc, err := s.fetchVAST(ctx, sess, br)
	if err != nil {
		return nil, err
	}
	var segs [][]time.Duration
	for i := range doc.Ads {
		ad := &doc.Ads[i]
		a, ok := newAdRef(ad, sess)
		if !ok {
			continue // a wrapper, or no linear creative: the adserver resolves wrappers for us
		}
		if !sess.playable(a.media) {
			adsUnplayable.Inc()
			s.fireError(a, 403, sess) // VAST 403: no supported MediaFile
			continue
		}
		p, err := s.fetch.media(ctx, a.media[sess.ref])
		if err != nil || len(p.Segments) == 0 {
			adsUnplayable.Inc()
			s.fireError(a, 405, sess) // VAST 405: problem displaying the MediaFile
			continue
		}
		durs := make([]time.Duration, len(p.Segments))
		for j := range p.Segments {
			durs[j] = p.Segments[j].Duration
			a.dur += durs[j]
		}
		d.ads = append(d.ads, a)
		segs = append(segs, durs)
	}
	return segs, nil
}

func (s *Service) fetchVAST(ctx context.Context, sess *session, br breakRequest) (*vast.Document, error) {
	q := url.Values{}
	q.Set("dur", strconv.FormatFloat(br.dur.Seconds(), 'f', 3, 64))
	q.Set("pos", br.pos)
	q.Set("session", sess.c.SessionID())
	q.Set("break", br.breakID)
	q.Set("sst", "1")
	if sess.c.UID != "" {
		q.Set("uid", sess.c.UID)
	}
	if sess.c.Content != "" {
		q.Set("content", sess.c.Content)
	}
	if br.live {
		q.Set("live", "1")
	}
	if sess.restored {
		q.Set("again", "1")
	}
	ip, ua := sess.device()
	if ip != "" {
		q.Set("ip", ip)
	}
	if ua != "" {
		q.Set("ua", ua)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.adserver+"/vast?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Request-Id", br.requestID)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("adserver: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("adserver: %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxVAST+1))
	if err != nil {
		return nil, fmt.Errorf("adserver: %w", err)
	}
	if int64(len(body)) > maxVAST {
		return nil, fmt.Errorf("adserver: VAST larger than %d bytes", maxVAST)
	}
	doc, err := vast.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("adserver VAST: %w", err)
	}
	slices.SortStableFunc(doc.Ads, func(a, b vast.Ad) int { return seqOf(a) - seqOf(b) })
	return doc, nil
}

// seqOf orders a pod: ads with a sequence first, in sequence order; stand-alone ads after.
func seqOf(a vast.Ad) int {
	if a.Sequence > 0 {
		return a.Sequence
	}
	return 1 << 30
}

// newAdRef reads an inline ad's first linear creative: its rendition for each of the session's
// media playlists, its beacons and click-through.
func newAdRef(ad *vast.Ad, sess *session) (*adRef, bool) {
	in := ad.InLine
	if in == nil {
		return nil, false
	}
	var lin *vast.Linear
	var cr *vast.Creative
	for i := range in.Creatives {
		if in.Creatives[i].Linear != nil {
			cr, lin = &in.Creatives[i], in.Creatives[i].Linear
			break
		}
	}
	if lin == nil {
		return nil, false
	}
	info := &adInfo{servingID: in.AdServingID, adID: ad.ID, creative: cr.ID, title: in.AdTitle, clickThrough: lin.ClickThrough}
	if info.servingID == "" {
		info.servingID = ad.ID
	}
	if info.creative == "" {
		info.creative = cr.AdID
	}
	a := &adRef{info: info}
	a.media = make([]string, len(sess.kinds))
	audio := ads.MatchAudio(lin.MediaFiles)
	for i, k := range sess.kinds {
		j := -1
		switch k.kind {
		case kindVariant:
			j = ads.Match(lin.MediaFiles, k.w, k.h, k.bw)
		case kindAudio:
			j = audio
		}
		if j >= 0 {
			a.media[i] = lin.MediaFiles[j].URL
		}
	}
	for _, im := range in.Impressions {
		if im.URL != "" {
			info.beacons[evImpression] = append(info.beacons[evImpression], im.URL)
		}
	}
	for _, t := range lin.Tracking {
		for e, name := range eventNames {
			if e != evImpression && t.Event == name && t.URL != "" {
				info.beacons[e] = append(info.beacons[e], t.URL)
			}
		}
	}
	info.errors = in.Errors
	return a, true
}

// fireError reports a VAST error code to an ad's error URLs (server-side, whatever the
// session's beacon mode: the player never learns of an ad the stitcher dropped).
func (s *Service) fireError(a *adRef, code int, sess *session) {
	if a.info == nil || len(a.info.errors) == 0 {
		return
	}
	c := strconv.Itoa(code)
	ip, ua := sess.device()
	for _, u := range a.info.errors {
		u = strings.ReplaceAll(strings.ReplaceAll(u, "[ERRORCODE]", c), "%5BERRORCODE%5D", c)
		s.beacons.fire(u, ip, ua, sess.requestID)
	}
}

// predecide decides the breaks of the reference rendition's first refresh in parallel (a VOD's
// pre-roll and mid-rolls are all known at session start) so that the session's start waits for
// the slowest decision, not their sum. It returns the decisions by break (media sequence
// number); the planner's Decide takes them from there.
func (s *Service) predecide(sess *session, ref *hls.MediaPlaylist) map[uint64]decision {
	spans := sess.planner.Spans(nil, ref)
	if len(spans) == 0 {
		return nil
	}
	out := make(map[uint64]decision, len(spans))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, sp := range spans {
		wg.Go(func() {
			d := s.decide(sess, ref, sess.breakRequest(ref, sp), sp.Count > 0 && !sess.src.interstitials())
			mu.Lock()
			out[sp.First] = d
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
