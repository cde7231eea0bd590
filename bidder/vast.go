package bidder

import (
	"strconv"
	"strings"
)

// VAST: a video bid's adm is a VAST 4.2 InLine document (validated against the IAB XSD in the
// tests), built by appending into a pooled buffer. It carries our impression URL (the
// viewer-side proof of the impression, deduplicated with the exchange's billing notice), the
// quartile tracking events, the click-through, and every media file of the creative.
//
// The markup is written JSON-safe by construction, so the response embeds it without a second
// escaping pass: attributes are single-quoted, and no '"', '\' or control character is ever
// written (text and attributes use character references for them; URLs, which may not contain
// them, are percent-encoded if they somehow do).

// appendVAST appends the VAST document of creative cr of campaign c for the bid. impURL and
// eventURL are the bidder's own (its validated public URL and a web-safe base64 token) and go
// in as they are; the campaign's URLs go through appendCDATA.
func appendVAST(dst []byte, c *Campaign, cr *Creative, bidID, impURL, eventURL string) []byte {
	dst = append(dst, `<VAST version='4.2' xmlns='http://www.iab.com/VAST'><Ad id='`...)
	dst = appendXMLAttr(dst, cr.ID)
	dst = append(dst, `'><InLine><AdSystem version='1'>Cuepoint</AdSystem><Impression id='cuepoint'><![CDATA[`...)
	dst = append(dst, impURL...)
	dst = append(dst, `]]></Impression><AdServingId>`...)
	dst = appendXMLText(dst, bidID)
	dst = append(dst, `</AdServingId><AdTitle>`...)
	dst = appendXMLText(dst, c.Advertiser)
	dst = append(dst, `</AdTitle><Advertiser>`...)
	dst = appendXMLText(dst, c.Advertiser)
	dst = append(dst, `</Advertiser><Creatives><Creative id='`...)
	dst = appendXMLAttr(dst, cr.ID)
	dst = append(dst, `' adId='`...)
	dst = appendXMLAttr(dst, c.ID)
	dst = append(dst, `'><Linear><TrackingEvents>`...)
	for _, ev := range [...]string{"start", "firstQuartile", "midpoint", "thirdQuartile", "complete"} {
		dst = append(dst, `<Tracking event='`...)
		dst = append(dst, ev...)
		dst = append(dst, `'><![CDATA[`...)
		dst = append(dst, eventURL...)
		dst = append(dst, "&e="...)
		dst = append(dst, ev...)
		dst = append(dst, `]]></Tracking>`...)
	}
	dst = append(dst, `</TrackingEvents><Duration>`...)
	dst = appendVASTDuration(dst, cr.DurationSec)
	dst = append(dst, `</Duration><MediaFiles>`...)
	for i := range cr.MediaFiles {
		mf := &cr.MediaFiles[i]
		dst = append(dst, `<MediaFile delivery='progressive' type='`...)
		dst = appendXMLAttr(dst, mf.Mime)
		dst = append(dst, `' width='`...)
		dst = strconv.AppendInt(dst, mf.W, 10)
		dst = append(dst, `' height='`...)
		dst = strconv.AppendInt(dst, mf.H, 10)
		if mf.BitrateKbps > 0 {
			dst = append(dst, `' bitrate='`...)
			dst = strconv.AppendInt(dst, mf.BitrateKbps, 10)
		}
		dst = append(dst, `'><![CDATA[`...)
		dst = appendCDATA(dst, mf.URL)
		dst = append(dst, `]]></MediaFile>`...)
	}
	dst = append(dst, `</MediaFiles>`...)
	if cr.ClickURL != "" {
		dst = append(dst, `<VideoClicks><ClickThrough id='cuepoint'><![CDATA[`...)
		dst = appendCDATA(dst, cr.ClickURL)
		dst = append(dst, `]]></ClickThrough></VideoClicks>`...)
	}
	dst = append(dst, `</Linear><UniversalAdId idRegistry='cuepoint'>`...)
	dst = appendXMLText(dst, cr.ID)
	dst = append(dst, `</UniversalAdId></Creative></Creatives></InLine></Ad></VAST>`...)
	return dst
}

// appendBannerMarkup appends a minimal HTML banner: the image, linked to the landing page, and
// our impression pixel.
func appendBannerMarkup(dst []byte, cr *Creative, impURL string) []byte {
	dst = append(dst, `<a href='`...)
	dst = appendXMLAttr(dst, cr.ClickURL)
	dst = append(dst, `' target='_blank'><img src='`...)
	dst = appendXMLAttr(dst, cr.ImageURL)
	dst = append(dst, `' width='`...)
	dst = strconv.AppendInt(dst, cr.W, 10)
	dst = append(dst, `' height='`...)
	dst = strconv.AppendInt(dst, cr.H, 10)
	dst = append(dst, `' alt='' style='border:0'></a><img src='`...)
	dst = appendXMLAttr(dst, impURL)
	dst = append(dst, `' width='1' height='1' alt='' style='display:none'>`...)
	return dst
}

// appendVASTDuration appends HH:MM:SS.
func appendVASTDuration(dst []byte, sec int64) []byte {
	two := func(dst []byte, v int64) []byte { return append(dst, byte('0'+v/10%10), byte('0'+v%10)) }
	dst = two(dst, sec/3600)
	dst = append(dst, ':')
	dst = two(dst, sec/60%60)
	dst = append(dst, ':')
	return two(dst, sec%60)
}

// appendXMLText escapes text content, JSON-safe: '"', '\' and control characters become
// character references.
func appendXMLText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		default:
			dst = appendSafeByte(dst, c)
		}
	}
	return dst
}

// appendXMLAttr escapes a single-quoted attribute value, JSON-safe.
func appendXMLAttr(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			dst = append(dst, "&apos;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		default:
			dst = appendSafeByte(dst, c)
		}
	}
	return dst
}

// appendSafeByte appends c, or a character reference when JSON would need an escape for it:
// '"', '\', and the control characters XML allows (tab, newline, carriage return); the others
// XML 1.0 forbids, so they are dropped.
func appendSafeByte(dst []byte, c byte) []byte {
	switch {
	case c == '"':
		return append(dst, "&quot;"...)
	case c == '\\':
		return append(dst, "&#92;"...)
	case c == '\t' || c == '\n' || c == '\r':
		dst = append(dst, "&#"...)
		dst = strconv.AppendInt(dst, int64(c), 10)
		return append(dst, ';')
	case c < 0x20:
		return dst
	}
	return append(dst, c)
}

// appendCDATA appends a URL for a CDATA section. URLs never contain '"', '\', control
// characters or "]]>" (isHTTPURL refuses them), and are appended in one piece; anything else
// is percent-encoded, which keeps the URL's meaning and the markup JSON-safe.
func appendCDATA(dst []byte, s string) []byte {
	clean := !strings.Contains(s, "]]>")
	for i := 0; clean && i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			clean = false
		}
	}
	if clean {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '>' && i >= 2 && s[i-1] == ']' && s[i-2] == ']' {
			dst = append(dst, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}
