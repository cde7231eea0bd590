package bidder

import (
	"strconv"

	"github.com/prebid/openrtb/v20/adcom1"
	"github.com/prebid/openrtb/v20/openrtb2"

	"github.com/cuepoint/cuepoint/internal/jsonw"
)

// The bid response is written by hand into a pooled buffer: the shape is fixed, the encoder
// allocates nothing, and the markup goes in as written — it is JSON-safe by construction (no
// '"', '\' or control characters; see vast.go), so it needs no escaping pass, and no HTML
// escaping either: "<" stays "<", which keeps VAST in adm ~30% smaller than encoding/json's
// output.

func (b *Bidder) appendResponse(dst []byte, rc *requestCtx) []byte {
	dst = append(dst, `{"id":`...)
	dst = jsonw.AppendString(dst, rc.req.ID)
	dst = append(dst, `,"bidid":`...)
	dst = jsonw.AppendString(dst, rc.bids[0].bidID)
	dst = append(dst, `,"cur":`...)
	dst = jsonw.AppendString(dst, rc.cur)
	dst = append(dst, `,"seatbid":[{"seat":`...)
	dst = jsonw.AppendString(dst, b.cfg.Seat)
	dst = append(dst, `,"bid":[`...)
	for i := range rc.bids {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = b.appendBid(dst, rc, &rc.bids[i])
	}
	return append(dst, `]}]}`...)
}

func (b *Bidder) appendBid(dst []byte, rc *requestCtx, bo *bidOut) []byte {
	cd := &bo.c
	c, cr := cd.e.c, cd.cr
	t := noticeToken{
		Issued: rc.now.UnixMilli(), RequestID: rc.req.ID, ImpID: bo.imp.ID, BidID: bo.bidID,
		CampaignID: c.ID, CreativeID: cr.ID, Currency: rc.cur, PriceMicros: toCurrencyMicros(cd.usd, rc.fx),
		Reserved: bo.reserved, AT: cd.at, ShadeBucket: cd.bucket, ShadeLevel: cd.level,
	}
	if cd.deal != nil {
		t.DealID = cd.deal.ID
	}
	if rc.priv.personalize {
		t.ViewerID = rc.facts.viewerID
	}
	rc.tok, rc.tokRaw = b.signer.appendToken(rc.tok[:0], &t, rc.tokRaw)

	dst = append(dst, `{"id":`...)
	dst = jsonw.AppendString(dst, bo.bidID)
	dst = append(dst, `,"impid":`...)
	dst = jsonw.AppendString(dst, bo.imp.ID)
	dst = append(dst, `,"price":`...)
	dst = strconv.AppendFloat(dst, float64(t.PriceMicros)/1e6, 'f', -1, 64)
	inNURL := cr.Type == TypeVideo && b.videoInNURL(c)
	for _, k := range [...]string{kindWin, kindBill, kindLoss} {
		dst = append(dst, `,"`...)
		dst = append(dst, k[0] /* w, b, l */)
		if k == kindWin {
			dst = dst[:len(dst)-1]
			dst = append(dst, 'n')
		}
		dst = append(dst, `url":`...)
		if k == kindWin && inNURL {
			k = kindVAST // the win notice that answers with the VAST
		}
		// JSON-safe as it stands: New refuses a public URL with quotes, backslashes or control
		// characters, and the token is base64url.
		dst = append(dst, '"')
		dst = appendNoticeURL(dst, b.cfg.PublicURL, k, rc.tok)
		dst = append(dst, '"')
	}
	if !inNURL {
		// Markup: the impression pixel, then VAST or HTML around it.
		var mark int
		rc.scratch, mark = b.appendMarkup(rc.scratch[:0], c, cr, bo.bidID, rc.tok)
		dst = append(dst, `,"adm":"`...)
		dst = append(dst, rc.scratch[mark:]...) // JSON-safe by construction (see vast.go)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"adomain":[`...)
	for i, d := range c.ADomain {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.AppendString(dst, d)
	}
	dst = append(dst, `],"cid":`...)
	dst = jsonw.AppendString(dst, c.ID)
	dst = append(dst, `,"crid":`...)
	dst = jsonw.AppendString(dst, cr.ID)
	if len(c.Cat) > 0 {
		dst = append(dst, `,"cattax":2,"cat":[`...) // IAB content taxonomy 2.x ids as configured
		for i, v := range c.Cat {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonw.AppendString(dst, v)
		}
		dst = append(dst, ']')
	}
	if c.Bundle != "" {
		dst = append(dst, `,"bundle":`...)
		dst = jsonw.AppendString(dst, c.Bundle)
	}
	if len(cr.Attr) > 0 {
		dst = append(dst, `,"attr":[`...)
		for i, a := range cr.Attr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, a, 10)
		}
		dst = append(dst, ']')
	}
	if cd.deal != nil {
		dst = append(dst, `,"dealid":`...)
		dst = jsonw.AppendString(dst, cd.deal.ID)
	}
	if cr.Type == TypeVideo {
		dst = append(dst, `,"mtype":`...)
		dst = strconv.AppendInt(dst, int64(openrtb2.MarkupVideo), 10)
		dst = append(dst, `,"protocol":13,"dur":`...)
		dst = strconv.AppendInt(dst, cr.DurationSec, 10)
		if bo.slotInPod != adcom1.SlotPosAny {
			dst = append(dst, `,"slotinpod":`...)
			dst = strconv.AppendInt(dst, int64(bo.slotInPod), 10)
		}
	} else {
		dst = append(dst, `,"mtype":`...)
		dst = strconv.AppendInt(dst, int64(openrtb2.MarkupBanner), 10)
		dst = append(dst, `,"w":`...)
		dst = strconv.AppendInt(dst, cr.W, 10)
		dst = append(dst, `,"h":`...)
		dst = strconv.AppendInt(dst, cr.H, 10)
	}
	return append(dst, '}')
}

// appendMarkup appends to dst the URLs the markup needs, then the markup itself (VAST for a
// video creative, HTML for a banner), and returns where the markup starts. The bid's adm and
// the nurl-served VAST (HandleNotice) are both made here, so they are the same document.
func (b *Bidder) appendMarkup(dst []byte, c *Campaign, cr *Creative, bidID string, tok []byte) ([]byte, int) {
	dst = append(dst, b.cfg.PublicURL...)
	dst = append(dst, "/v1/notice/imp?t="...)
	dst = append(dst, tok...)
	impURL := len(dst)
	dst = append(dst, b.cfg.PublicURL...)
	dst = append(dst, "/v1/notice/event?t="...)
	dst = append(dst, tok...)
	evURL := len(dst)
	if cr.Type == TypeVideo {
		dst = appendVAST(dst, c, cr, bidID, unsafeString(dst[:impURL]), unsafeString(dst[impURL:evURL]))
	} else {
		dst = appendBannerMarkup(dst, cr, unsafeString(dst[:impURL]))
	}
	return dst, evURL
}

// videoInNURL reports whether c's video bids carry their VAST behind the nurl.
func (b *Bidder) videoInNURL(c *Campaign) bool {
	if c.VideoMarkup != "" {
		return c.VideoMarkup == MarkupInNURL
	}
	return b.cfg.VideoMarkup == MarkupInNURL
}

// toCurrencyMicros converts USD micros to micros of a currency worth fx USD per unit.
func toCurrencyMicros(usd int64, fx float64) int64 {
	if fx == 1 {
		return usd
	}
	return int64(float64(usd) / fx)
}
