package adserver

import (
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/beacon"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/server"
)

// beaconEventNames are the events /t/{event} takes.
var beaconEventNames = map[string]bool{
	eventImpression: true, eventClick: true, eventError: true, vast.EventSkip: true,
	vast.EventStart: true, vast.EventFirstQuartile: true, vast.EventMidpoint: true,
	vast.EventThirdQuartile: true, vast.EventComplete: true, vast.EventPause: true, vast.EventResume: true,
	vast.EventMute: true, vast.EventUnmute: true,
}

// HandleBeacon serves GET (and POST) /t/{event}: a tracking beacon.
//
//	204  counted — or a replay of a beacon already counted, which is acknowledged and not
//	     counted again (cuepoint_adserver_beacons_total{result="replay"})
//	403  unsigned, tampered with, signed by an unknown key, or expired: refused and counted
//	     (result="forged" or "expired"), never an impression nor revenue
//	404  an unknown event
//
// A counted impression records the viewer's frequency, fires the winning bid's billing
// notice, and — like every counted event — the third-party trackers its beacon carries
// (server-side tracking), with the X-Device-IP and X-Device-User-Agent the stitcher sent.
// Sent by a stitcher (X-Device-IP present, or ?src=server) the event's source is "server",
// else "client".
func (a *AdServer) HandleBeacon(ctx *fasthttp.RequestCtx) {
	event := server.Param(ctx, "event")
	if !beaconEventNames[event] {
		ctx.Error("unknown tracking event "+event, fasthttp.StatusNotFound)
		return
	}
	now := a.now()
	b, err := a.signer.Verify(event, ctx.QueryArgs(), now)
	if err != nil {
		if errors.Is(err, beacon.ErrExpired) {
			a.beaconsOld.Inc()
		} else {
			a.beaconsForged.Inc()
		}
		ctx.Error("beacon refused: "+err.Error(), fasthttp.StatusForbidden)
		return
	}
	if a.replays.Seen(b.AdServingID, event, now) {
		a.beaconsReplay.Inc()
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return
	}
	a.beaconsOK.Inc()
	var hdr []safehttp.Header
	source := events.SourceClient
	if ip := ctx.Request.Header.Peek("X-Device-IP"); len(ip) > 0 {
		hdr = append(hdr, safehttp.Header{Name: "X-Device-IP", Value: string(ip)})
		source = events.SourceServer
	}
	if ua := ctx.Request.Header.Peek("X-Device-User-Agent"); len(ua) > 0 {
		hdr = append(hdr, safehttp.Header{Name: "X-Device-User-Agent", Value: string(ua)})
	}
	if string(ctx.QueryArgs().Peek("src")) == events.SourceServer {
		source = events.SourceServer
	}
	if event == eventImpression {
		if b.Viewer != "" && b.ADomain != "" {
			a.recordImpression(b.Viewer, b.ADomain, b.AdServingID, now)
		}
		a.pinger.Fire(safehttp.KindBill, b.BillingURL, nil)
	}
	code := vast.ErrorCode(b.ErrorCode)
	if code == 0 {
		code = vast.ErrUndefined
	}
	for _, u := range b.ThirdParty {
		kind := safehttp.KindTracker
		if event == eventError {
			u, kind = errorURL(u, code), safehttp.KindError
		}
		a.pinger.Fire(kind, u, hdr)
	}
	a.emitTracking(b, source, string(ctx.Request.Header.Peek("X-Request-Id")))
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}
