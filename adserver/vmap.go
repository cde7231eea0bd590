package adserver

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

// VMAP (IAB Video Multiple Ad Playlist 1.0) tells a VOD player or stitcher where the breaks of
// a title are — a pre-roll, mid-rolls at given offsets, a post-roll — and, for each, the ad
// tag to ask: this adserver's /vast with the break's length and position.

// vmapBreak is one break of a schedule.
type vmapBreak struct {
	offset string // "start", "end" or HH:MM:SS.mmm
	id     string
	pos    Position
	dur    time.Duration
}

// maxMidRolls bounds a schedule.
const maxMidRolls = 64

// HandleVMAP serves GET /vmap: the ad schedule of one title.
//
//	dur     the title's length in seconds (required)
//	mids    mid-roll offsets in seconds, comma-separated; or
//	every   a mid-roll every so many seconds
//	pre, mid, post  each break's length in seconds (defaults 30, 60, 30; 0: no such break)
//
// uid, content, session, ip, ua, min, max, ps and the privacy parameters are passed on to
// every ad tag. 400 names a bad parameter.
func (a *AdServer) HandleVMAP(ctx *fasthttp.RequestCtx) {
	q := ctx.QueryArgs()
	breaks, err := a.schedule(q)
	if err != nil {
		a.badRequests.Inc()
		ctx.SetStatusCode(fasthttp.StatusBadRequest)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString(err.Error() + "\n")
		return
	}
	pass := url.Values{}
	for _, k := range []string{"uid", "content", "session", "ip", "ua", "min", "max", "ps", "durs", "sst", "gdpr", "gdpr_consent", "us_privacy", "coppa", "ifa", "lmt"} {
		if v := q.Peek(k); len(v) > 0 {
			pass.Set(k, string(v))
		}
	}
	out := []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<vmap:VMAP xmlns:vmap="http://www.iab.net/videosuite/vmap" version="1.0">`)
	for _, b := range breaks {
		v := url.Values{}
		for k, vs := range pass {
			v[k] = vs
		}
		v.Set("dur", strconv.FormatFloat(b.dur.Seconds(), 'f', -1, 64))
		v.Set("pos", b.pos.String())
		v.Set("break", b.id)
		tag := a.cfg.PublicURL + "/vast?" + v.Encode()
		out = append(out, `<vmap:AdBreak timeOffset="`...)
		out = vast.AppendAttr(out, b.offset)
		out = append(out, `" breakType="linear" breakId="`...)
		out = vast.AppendAttr(out, b.id)
		out = append(out, `"><vmap:AdSource id="`...)
		out = vast.AppendAttr(out, b.id)
		out = append(out, `-ads" allowMultipleAds="true" followRedirects="true"><vmap:AdTagURI templateType="vast4"><![CDATA[`...)
		out = append(out, vast.EncodeURI(tag)...)
		out = append(out, `]]></vmap:AdTagURI></vmap:AdSource></vmap:AdBreak>`...)
	}
	out = append(out, "</vmap:VMAP>\n"...)
	ctx.SetContentType("application/xml; charset=utf-8")
	ctx.Response.Header.Set(fasthttp.HeaderCacheControl, "no-store")
	ctx.SetBody(out)
}

func (a *AdServer) schedule(q Args) ([]vmapBreak, error) {
	if !q.Has("dur") {
		return nil, badParam("dur", "required: the title's length in seconds")
	}
	total, err := seconds(q, "dur")
	if err != nil {
		return nil, err
	}
	if total <= 0 || total > 48*time.Hour {
		return nil, badParam("dur", "%s is outside (0, 48h]", total)
	}
	length := func(name string, def time.Duration) (time.Duration, error) {
		if !q.Has(name) {
			return def, nil
		}
		d, err := seconds(q, name)
		if err == nil && (d < 0 || d > a.cfg.MaxBreak) {
			err = badParam(name, "%s is outside [0, %s]", d, a.cfg.MaxBreak)
		}
		return d, err
	}
	pre, err := length("pre", 30*time.Second)
	if err != nil {
		return nil, err
	}
	mid, err := length("mid", 60*time.Second)
	if err != nil {
		return nil, err
	}
	post, err := length("post", 30*time.Second)
	if err != nil {
		return nil, err
	}
	var offsets []time.Duration
	if v := q.Peek("mids"); len(v) > 0 {
		for _, s := range strings.Split(string(v), ",") {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || f <= 0 || f*float64(time.Second) >= float64(total) {
				return nil, badParam("mids", "%q: want offsets in seconds inside the title", s)
			}
			offsets = append(offsets, time.Duration(f*float64(time.Second)).Round(time.Millisecond))
		}
	} else if q.Has("every") {
		every, err := seconds(q, "every")
		if err != nil {
			return nil, err
		}
		if every < time.Minute {
			return nil, badParam("every", "%s: mid-rolls at least a minute apart", every)
		}
		for t := every; t < total; t += every {
			offsets = append(offsets, t)
		}
	}
	if len(offsets) > maxMidRolls {
		return nil, badParam("mids", "at most %d mid-rolls", maxMidRolls)
	}
	var out []vmapBreak
	if pre > 0 {
		out = append(out, vmapBreak{offset: "start", id: "preroll", pos: PositionPre, dur: pre})
	}
	if mid > 0 {
		for i, off := range offsets {
			out = append(out, vmapBreak{offset: string(vast.AppendDuration(nil, off)), id: fmt.Sprintf("midroll-%d", i+1), pos: PositionMid, dur: mid})
		}
	}
	if post > 0 {
		out = append(out, vmapBreak{offset: "end", id: "postroll", pos: PositionPost, dur: post})
	}
	return out, nil
}
