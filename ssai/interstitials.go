package ssai

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/origin/hls"
	"github.com/cuepoint/cuepoint/ssai/stitch"
)

// Source modes.
const (
	modeStitched      = "stitched"      // ads spliced into the media playlists (the default)
	modeInterstitials = "interstitials" // HLS Interstitials: the player switches to the ads
)

// interstitialClass is the DATERANGE CLASS of an HLS Interstitial (RFC 8216bis, Appendix D).
const interstitialClass = "com.apple.hls.interstitial"

// appendInterstitials writes rendition src unchanged, with an EXT-X-DATERANGE interstitial
// before each decided break: the player fetches the break's asset list
// (assets/b{first}.json) and plays the ads from their own playlists, then resumes the content
// X-RESUME-OFFSET later (past the cue span it replaces; 0 for an insertion). A playlist without
// EXT-X-PROGRAM-DATE-TIME (a VOD) gets one on its first segment: interstitials are placed on
// the program date-time timeline. Every rendition writes the same dates: those of ref, the
// reference rendition (an audio rendition's AAC framing drifts a few ms from the video's).
func appendInterstitials(b []byte, src, ref *hls.MediaPlaylist, plan *stitch.Plan, epoch time.Time, adDur func(br *stitch.Break) time.Duration) []byte {
	head := *src
	head.Segments, head.Trailer, head.EndList = nil, nil, false
	b = head.AppendTo(b)
	hasPDT := false
	for i := range src.Segments {
		if !src.Segments[i].ProgramDateTime.IsZero() {
			hasPDT = true
			break
		}
	}
	pdt := epoch
	if !hasPDT && src.MediaSequence > 0 { // a live window without dates: place it on the grid
		pdt = epoch.Add(time.Duration(src.MediaSequence) * stitch.Nominal(src))
	}
	bi := 0
	for i := range src.Segments {
		seg := src.Segments[i] // a copy: the source playlist is shared
		seq := src.MediaSequence + uint64(i)
		if !seg.ProgramDateTime.IsZero() {
			pdt = seg.ProgramDateTime
		} else if i == 0 && !hasPDT {
			seg.ProgramDateTime = pdt
		}
		for bi < len(plan.Breaks) && plan.Breaks[bi].First < seq {
			bi++
		}
		if bi < len(plan.Breaks) && plan.Breaks[bi].First == seq {
			br := &plan.Breaks[bi]
			if d := adDur(br); d > 0 {
				cue := ""
				if src.EndList && seq == src.MediaSequence && br.Count == 0 {
					cue = "PRE"
				}
				b = appendInterstitial(b, br, dateOf(ref, seq, epoch, pdt), d, time.Duration(br.Count)*stitch.Nominal(ref), cue)
			}
		}
		b = seg.AppendTo(b)
		pdt = pdt.Add(seg.Duration)
	}
	last := src.MediaSequence + uint64(len(src.Segments))
	for ; bi < len(plan.Breaks); bi++ {
		if br := &plan.Breaks[bi]; br.First == last && src.EndList {
			if d := adDur(br); d > 0 {
				b = appendInterstitial(b, br, dateOf(ref, last, epoch, pdt), d, 0, "POST")
			}
		}
	}
	for _, t := range src.Trailer {
		b = append(b, t.Line...)
		b = append(b, '\n')
	}
	if src.EndList {
		b = append(b, "#EXT-X-ENDLIST\n"...)
	}
	return b
}

// dateOf returns the program date-time of media sequence number seq on ref's timeline (epoch at
// its first segment when it has no dates), or def when ref does not reach seq.
func dateOf(ref *hls.MediaPlaylist, seq uint64, epoch, def time.Time) time.Time {
	if ref == nil || seq < ref.MediaSequence {
		return def
	}
	pdt := epoch
	if ref.MediaSequence > 0 {
		pdt = epoch.Add(time.Duration(ref.MediaSequence) * stitch.Nominal(ref))
	}
	for i := range ref.Segments {
		if !ref.Segments[i].ProgramDateTime.IsZero() {
			pdt = ref.Segments[i].ProgramDateTime
		}
		if ref.MediaSequence+uint64(i) == seq {
			return pdt
		}
		pdt = pdt.Add(ref.Segments[i].Duration)
	}
	if ref.MediaSequence+uint64(len(ref.Segments)) == seq {
		return pdt
	}
	return def
}

func appendInterstitial(b []byte, br *stitch.Break, start time.Time, dur, resume time.Duration, cue string) []byte {
	id := breakID(br.First)
	b = append(b, `#EXT-X-DATERANGE:ID="`...)
	b = append(b, id...)
	b = append(b, `",CLASS="`+interstitialClass+`",START-DATE="`...)
	b = start.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, `",DURATION=`...)
	b = hls.AppendSeconds(b, dur)
	b = append(b, `,X-ASSET-LIST="assets/`...)
	b = append(b, id...)
	b = append(b, `.json",X-RESUME-OFFSET=`...)
	b = hls.AppendSeconds(b, resume)
	b = append(b, `,X-RESTRICT="SKIP,JUMP"`...)
	if cue != "" {
		b = append(b, `,CUE="`...)
		b = append(b, cue...)
		b = append(b, '"')
	}
	return append(b, '\n')
}

// AssetList is an HLS Interstitials asset list: the ads of one break, in play order.
type AssetList struct {
	Assets []Asset `json:"ASSETS"`
}

// Asset is one ad: its multivariant playlist and duration in seconds.
type Asset struct {
	URI      string  `json:"URI"`
	Duration float64 `json:"DURATION"`
}

// adsOf returns the ads a break plays, in order (each once, slate excluded). sess.mu is held.
func (sess *session) adsOf(br *stitch.Break) []int {
	var out []int
	for _, pc := range br.Fill {
		if pc.Ad != 0 && (len(out) == 0 || out[len(out)-1] != pc.Ad) {
			out = append(out, pc.Ad)
		}
	}
	return out
}

// adDuration is the time the ads of a break play. sess.mu is held.
func (sess *session) adDuration(br *stitch.Break) time.Duration {
	var d time.Duration
	for _, a := range sess.adsOf(br) {
		d += sess.ads[a].dur
	}
	return d
}

// assetList serves assets/b{first}.json: the break's ads as multivariant playlists of this
// service (i/{ad}/master.m3u8), which list the ad's renditions matched to the content's.
func (s *Service) assetList(ctx *fasthttp.RequestCtx, sess *session, name string) {
	first, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSuffix(name, ".json"), "b"), 10, 64)
	if err != nil {
		httpError(ctx, fasthttp.StatusNotFound, "no such asset list")
		return
	}
	list := AssetList{Assets: []Asset{}}
	found := false
	sess.mu.Lock()
	for i := range sess.planner.Plan.Breaks {
		br := &sess.planner.Plan.Breaks[i]
		if br.First != first {
			continue
		}
		found = true
		for _, a := range sess.adsOf(br) {
			list.Assets = append(list.Assets, Asset{URI: "../i/" + strconv.Itoa(a) + "/master.m3u8", Duration: sess.ads[a].dur.Seconds()})
		}
	}
	sess.mu.Unlock()
	if !found {
		httpError(ctx, fasthttp.StatusNotFound, "no such break in this session")
		return
	}
	ctx.Response.Header.Set("Cache-Control", "no-store")
	writeJSON(ctx, list)
}

// adMaster serves i/{ad}/master.m3u8: the content's multivariant playlist with every variant
// and audio rendition pointing at the ad's matching rendition (other renditions dropped), so
// the player switches between ad and content on the same ladder; subtitles stay the content's.
func (s *Service) adMaster(ctx *fasthttp.RequestCtx, sess *session, rest string) {
	idx, err := strconv.Atoi(strings.TrimSuffix(rest, "/master.m3u8"))
	sess.mu.Lock()
	var ad *adRef
	if err == nil && idx > 0 && idx < len(sess.ads) {
		ad = sess.ads[idx]
	}
	sess.mu.Unlock()
	if ad == nil || !strings.HasSuffix(rest, "/master.m3u8") {
		httpError(ctx, fasthttp.StatusNotFound, "no such ad in this session")
		return
	}
	rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	mp, err := s.fetch.master(rctx, sess.src.URL)
	if err != nil {
		httpError(ctx, fasthttp.StatusBadGateway, err.Error())
		return
	}
	n := 0
	for i := range mp.Variants {
		mp.Variants[i].URI = ad.media[n]
		n++
	}
	keep := mp.Renditions[:0]
	for _, r := range mp.Renditions {
		if r.URI() == "" {
			keep = append(keep, r)
			continue
		}
		switch {
		case sess.kinds[n].kind == kindAudio && ad.media[n] != "":
			r.Attrs = r.Attrs.SetQuoted("URI", ad.media[n])
			keep = append(keep, r)
		case sess.kinds[n].kind == kindOther: // subtitles: the content's (the ad has none)
			r.Attrs = r.Attrs.SetQuoted("URI", sess.media[n])
			keep = append(keep, r)
		}
		n++
	}
	mp.Renditions, mp.IFrameVariants = keep, nil
	ctx.SetContentType("application/vnd.apple.mpegurl")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(mp.AppendTo(nil))
}
