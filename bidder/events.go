package bidder

import (
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// Events (analytics/events, emitted through an Emitter that never blocks):
//
//   - one events.BidRequest per parsed bid request, with its bids or its no-bid reason (nbr, the
//     OpenRTB code, and reason, the bidder's own: deadline, no_matching_campaign, below_floor,
//     budget, frequency_cap, …) and the server time; family bids, key the request id.
//   - one events.Notice per win, billing and loss notice, replays included; family wins.
//
// Requests shed for overload and malformed requests (400) are not parsed, so they are counted
// in metrics (cuepoint_bidder_nobids_total{reason="overload"}, cuepoint_bidder_invalid_requests_total)
// rather than emitted. Impression and tracking pixels are counted in
// cuepoint_bidder_notices_total; the adserver's ads family records playback-side events.

const serviceName = "bidder"

// OpenRTB no-bid reason codes (2.x, section 5.24) the bidder sends in events.
const (
	nbrUnknown   = 0
	nbrTechnical = 1
	nbrBlocked   = 7
)

func nbrOf(reason string) int {
	switch reason {
	case reasonDeadline, reasonOverload:
		return nbrTechnical
	case reasonSeat:
		return nbrBlocked
	}
	return nbrUnknown
}

// exchangeOf names the SSP: the first supply chain node's system, else the publisher's domain.
func exchangeOf(rc *requestCtx) string {
	if sc := rc.facts.schain; sc != nil && len(sc.Nodes) > 0 && sc.Nodes[0].ASI != "" {
		return token(sc.Nodes[0].ASI)
	}
	if s := rc.req.Site; s != nil && s.Publisher != nil && s.Publisher.Domain != "" {
		return token(s.Publisher.Domain)
	}
	if a := rc.req.App; a != nil && a.Publisher != nil && a.Publisher.Domain != "" {
		return token(a.Publisher.Domain)
	}
	return "unknown"
}

// token makes outside text fit an event token: no spaces, quotes, backslashes or controls,
// at most events.MaxTokenLen bytes.
func token(s string) string {
	if len(s) > events.MaxTokenLen {
		s = s[:events.MaxTokenLen]
	}
	ok := true
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b >= 0x7f || b == '"' || b == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, s)
}

// emitRequest emits the request's event: its bids, or its no-bid reason.
func (b *Bidder) emitRequest(rc *requestCtx, traceID string, reason string, took time.Duration) {
	req := &rc.req
	e := &events.BidRequest{
		Header:    events.NewHeader(serviceName, token(traceID)),
		AuctionID: token(req.ID),
		Exchange:  exchangeOf(rc),
		Imps:      len(req.Imp),
		TmaxMS:    int(min(req.TMax, 60_000)),
		LatencyUS: took.Microseconds(),
	}
	if s := req.Site; s != nil && s.Publisher != nil {
		e.Publisher = token(s.Publisher.ID)
	} else if a := req.App; a != nil && a.Publisher != nil {
		e.Publisher = token(a.Publisher.ID)
	}
	var formats [4]bool
	for i := range req.Imp {
		imp := &req.Imp[i]
		formats[0] = formats[0] || imp.Video != nil
		formats[1] = formats[1] || imp.Audio != nil
		formats[2] = formats[2] || imp.Banner != nil
		formats[3] = formats[3] || imp.Native != nil
		if f, ok := toUSD(imp.BidFloor, imp.BidFloorCur, b.cfg.FX); ok {
			e.FloorMicros = max(e.FloorMicros, f)
		}
	}
	for i, name := range [...]string{events.FormatVideo, events.FormatAudio, events.FormatBanner, events.FormatNative} {
		if formats[i] {
			e.Formats = append(e.Formats, name)
		}
	}
	if reason != reasonNone {
		e.NBR, e.Reason = nbrOf(reason), reason
		b.emit.Emit(e)
		return
	}
	if rc.cur != "USD" {
		e.Currency = rc.cur
		e.FloorMicros = toCurrencyMicros(e.FloorMicros, rc.fx)
	}
	e.Bids = make([]events.Bid, 0, len(rc.bids))
	for i := range rc.bids {
		bo := &rc.bids[i]
		bid := events.Bid{ImpID: token(bo.imp.ID), PriceMicros: max(toCurrencyMicros(bo.c.usd, rc.fx), 1),
			Campaign: bo.c.e.c.ID, Creative: token(bo.c.cr.ID)}
		if bo.c.deal != nil {
			bid.Deal = token(bo.c.deal.ID)
		}
		e.Bids = append(e.Bids, bid)
	}
	b.emit.Emit(e)
}

// emitNotice emits a win, billing or loss notice.
func (b *Bidder) emitNotice(kind string, t *noticeToken, clearing int64, lossCode int) {
	var k events.NoticeKind
	switch kind {
	case kindWin:
		k = events.NoticeWin
	case kindBill:
		k = events.NoticeBilling
	case kindLoss:
		k = events.NoticeLoss
	default:
		return
	}
	e := &events.Notice{
		Header: events.NewHeader(serviceName, ""), Kind: k, AuctionID: token(t.RequestID),
		ImpID: token(t.ImpID), BidID: token(t.BidID), Campaign: token(t.CampaignID), Creative: token(t.CreativeID),
		PriceMicros: max(clearing, 0), BidMicros: t.PriceMicros,
	}
	if t.Currency != "USD" {
		e.Currency = t.Currency
	}
	if k == events.NoticeLoss {
		e.LossReason = min(max(lossCode, 0), 10_000)
	}
	b.emit.Emit(e)
}
