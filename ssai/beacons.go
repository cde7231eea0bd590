package ssai

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/metrics"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

var (
	beaconsFired   = metrics.Counter(`cuepoint_ssai_beacons_total{result="fired"}`)
	beaconsFailed  = metrics.Counter(`cuepoint_ssai_beacons_total{result="failed"}`)
	beaconsDropped = metrics.Counter(`cuepoint_ssai_beacons_total{result="dropped"}`)
	adRedirects    = metrics.Counter(`cuepoint_ssai_ad_segments_total`)
)

// beaconer fires tracking URLs off the request path: a bounded queue drained by a few workers,
// each request carrying the viewer's device (X-Device-IP, X-Device-User-Agent) and the trace id.
// A full queue drops the beacon and counts it (the redirect never waits); the adserver dedupes
// replays, so a beacon fired twice (two instances, a retry) counts once.
type beaconer struct {
	client *http.Client
	log    *slog.Logger
	q      chan beaconJob
	wg     sync.WaitGroup
	once   sync.Once
}

type beaconJob struct{ url, ip, ua, requestID string }

func newBeaconer(client *http.Client, log *slog.Logger, workers, queue int) *beaconer {
	b := &beaconer{client: client, log: log, q: make(chan beaconJob, queue)}
	for range workers {
		b.wg.Go(b.run)
	}
	return b
}

func (b *beaconer) fire(u, ip, ua, requestID string) {
	select {
	case b.q <- beaconJob{u, ip, ua, requestID}:
	default:
		beaconsDropped.Inc()
		b.log.Warn("beacon queue full: beacon dropped")
	}
}

func (b *beaconer) run() {
	for j := range b.q {
		b.send(j)
	}
}

func (b *beaconer) send(j beaconJob) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		beaconsFailed.Inc()
		return
	}
	if j.ip != "" {
		req.Header.Set("X-Device-IP", j.ip)
	}
	if j.ua != "" {
		req.Header.Set("X-Device-User-Agent", j.ua)
	}
	if j.requestID != "" {
		req.Header.Set("X-Request-Id", j.requestID)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		beaconsFailed.Inc()
		b.log.Debug("beacon", "err", err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		beaconsFailed.Inc()
		b.log.Debug("beacon", "status", resp.StatusCode)
		return
	}
	beaconsFired.Inc()
}

// close drains the queue (beacons accepted are sent) and stops the workers.
func (b *beaconer) close() {
	b.once.Do(func() { close(b.q) })
	b.wg.Wait()
}

// adSegment redirects a player to an ad segment: GET /ssai/{source}/s/{session}/a/{i}/{break}/{piece}{ext}.
// In server-side beacon mode it fires the ad's impression, start, quartiles and complete as the
// player reaches them (each once per session).
func (s *Service) adSegment(ctx *fasthttp.RequestCtx, sess *session, rest string) {
	rest, _, _ = strings.Cut(rest, ".")
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		httpError(ctx, fasthttp.StatusNotFound, "no such ad segment")
		return
	}
	idx, err1 := strconv.Atoi(parts[0])
	first, err2 := strconv.ParseUint(parts[1], 10, 64)
	k, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || idx < 0 || idx >= len(sess.media) || k < 0 {
		httpError(ctx, fasthttp.StatusNotFound, "no such ad segment")
		return
	}
	sess.mu.Lock()
	var (
		pc    stitch.Piece
		ad    *adRef
		found bool
		fire  [numEvents]bool
	)
	for i := range sess.planner.Plan.Breaks {
		br := &sess.planner.Plan.Breaks[i]
		if br.First != first || k >= len(br.Fill) {
			continue
		}
		pc, ad, found = br.Fill[k], sess.ads[br.Fill[k].Ad], true
		if !ad.slate && !sess.c.Client {
			fire = s.reached(sess, br, k)
		}
		break
	}
	sess.mu.Unlock()
	if !found || ad.media == nil || ad.media[idx] == "" {
		httpError(ctx, fasthttp.StatusNotFound, "no such ad segment (the break slid out of the session)")
		return
	}
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	p, err := s.fetch.media(rctx, ad.media[idx])
	cancel()
	if err != nil || pc.Seg >= len(p.Segments) {
		httpError(ctx, fasthttp.StatusBadGateway, "ad rendition unavailable")
		return
	}
	if fire != ([numEvents]bool{}) {
		if info, ok := s.decisions.get(ad.key); ok {
			ip, ua := sess.device()
			for e, ok := range fire {
				if ok {
					for _, u := range info.beacons[e] {
						s.beacons.fire(u, ip, ua, sess.requestID)
					}
				}
			}
		}
	}
	adRedirects.Inc()
	ctx.Response.Header.Set("Location", p.Segments[pc.Seg].URI)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetStatusCode(fasthttp.StatusFound)
}

// reached returns the events that piece k of br reaches in its ad and that the session has not
// fired yet, and marks them fired. sess.mu is held.
func (s *Service) reached(sess *session, br *stitch.Break, k int) (fire [numEvents]bool) {
	pc := br.Fill[k]
	ad := sess.ads[pc.Ad]
	start := k
	for start > 0 && br.Fill[start-1].Ad == pc.Ad {
		start--
	}
	from := pc.Offset - br.Fill[start].Offset
	to := from + pc.Dur
	d := ad.dur
	at := func(e int, t time.Duration) {
		if t >= from && t < to {
			fire[e] = true
		}
	}
	at(evImpression, 0)
	at(evStart, 0)
	at(evFirstQuartile, d/4)
	at(evMidpoint, d/2)
	at(evThirdQuartile, d*3/4)
	if to >= d-stitch.MinSegment/5 {
		fire[evComplete] = true
	}
	for e := range fire {
		bit := uint8(1) << e
		if sess.fired[pc.Ad]&bit != 0 {
			fire[e] = false
		} else if fire[e] {
			sess.fired[pc.Ad] |= bit
		}
	}
	return fire
}

// remoteDevice returns the viewer's IP and user agent as this request shows them.
func remoteDevice(ctx *fasthttp.RequestCtx) (ip, ua string) {
	return ctx.RemoteIP().String(), string(ctx.UserAgent())
}
