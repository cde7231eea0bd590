package vast

import "strconv"

// AppendDocument appends doc as a VAST 4.2 document in the element order of the IAB XSD, with
// the VAST namespace declared. A document without ads and without error URLs is the empty
// response, <VAST xmlns="…" version="4.2"/>. Required elements the model leaves empty are
// written with the values the specification prescribes for "none": an Impression of
// "about:blank", a UniversalAdId of "unknown" in registry "unknown". Text and attributes are
// escaped; URLs go in CDATA sections.
//
// The root holds either ads or error URLs (the XSD's choice): when doc has ads, doc.Errors is
// not written. Wrappers and InLine ads are written; a linear creative is written only with at
// least one media file (the XSD requires one).
func AppendDocument(dst []byte, doc *Document) []byte {
	dst = append(dst, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<VAST xmlns="`+Namespace+`" version="`+Version+`"`...)
	if len(doc.Ads) == 0 && len(doc.Errors) == 0 {
		return append(dst, "/>\n"...)
	}
	dst = append(dst, '>')
	if len(doc.Ads) == 0 {
		for _, u := range doc.Errors {
			dst = appendURLElem(dst, "Error", u)
		}
	}
	for i := range doc.Ads {
		dst = appendAd(dst, &doc.Ads[i])
	}
	return append(dst, "</VAST>\n"...)
}

func appendAd(dst []byte, ad *Ad) []byte {
	dst = append(dst, `<Ad`...)
	if ad.ID != "" {
		dst = appendAttr(dst, "id", ad.ID)
	}
	if ad.Sequence > 0 {
		dst = append(dst, ` sequence="`...)
		dst = strconv.AppendInt(dst, int64(ad.Sequence), 10)
		dst = append(dst, '"')
	}
	dst = append(dst, '>')
	switch {
	case ad.InLine != nil:
		dst = appendInLine(dst, ad.InLine)
	case ad.Wrapper != nil:
		dst = appendWrapper(dst, ad.Wrapper)
	}
	return append(dst, `</Ad>`...)
}

// appendBase writes the elements InLine and Wrapper share (AdDefinitionBase_type).
func appendBase(dst []byte, sys AdSystem, errs []string, imps []Impression, p *Pricing) []byte {
	dst = append(dst, `<AdSystem`...)
	if sys.Version != "" {
		dst = appendAttr(dst, "version", sys.Version)
	}
	dst = append(dst, '>')
	dst = AppendText(dst, sys.Name)
	dst = append(dst, `</AdSystem>`...)
	for _, u := range errs {
		dst = appendURLElem(dst, "Error", u)
	}
	if len(imps) == 0 {
		dst = append(dst, `<Impression><![CDATA[about:blank]]></Impression>`...)
	}
	for _, imp := range imps {
		dst = append(dst, `<Impression`...)
		if imp.ID != "" {
			dst = appendAttr(dst, "id", imp.ID)
		}
		dst = append(dst, '>')
		dst = appendCDATA(dst, imp.URL)
		dst = append(dst, `</Impression>`...)
	}
	if p != nil && p.Value != "" {
		dst = append(dst, `<Pricing`...)
		dst = appendAttr(dst, "model", p.Model)
		dst = appendAttr(dst, "currency", p.Currency)
		dst = append(dst, '>')
		dst = AppendText(dst, p.Value)
		dst = append(dst, `</Pricing>`...)
	}
	return dst
}

func appendInLine(dst []byte, in *InLine) []byte {
	dst = append(dst, `<InLine>`...)
	dst = appendBase(dst, in.AdSystem, in.Errors, in.Impressions, in.Pricing)
	dst = appendTextElem(dst, "AdServingId", in.AdServingID)
	dst = appendTextElem(dst, "AdTitle", in.AdTitle)
	if in.Advertiser != "" {
		dst = appendTextElem(dst, "Advertiser", in.Advertiser)
	}
	for _, c := range in.Categories {
		dst = append(dst, `<Category`...)
		dst = appendAttr(dst, "authority", c.Authority)
		dst = append(dst, '>')
		dst = AppendText(dst, c.Code)
		dst = append(dst, `</Category>`...)
	}
	dst = append(dst, `<Creatives>`...)
	for i := range in.Creatives {
		dst = appendCreative(dst, &in.Creatives[i], true)
	}
	return append(dst, `</Creatives></InLine>`...)
}

func appendWrapper(dst []byte, w *Wrapper) []byte {
	dst = append(dst, `<Wrapper`...)
	for _, a := range [...]struct {
		name string
		v    *bool
	}{{"followAdditionalWrappers", w.FollowAdditionalWrappers}, {"allowMultipleAds", w.AllowMultipleAds}, {"fallbackOnNoAd", w.FallbackOnNoAd}} {
		if a.v != nil {
			dst = appendAttr(dst, a.name, strconv.FormatBool(*a.v))
		}
	}
	dst = append(dst, '>')
	dst = appendBase(dst, w.AdSystem, w.Errors, w.Impressions, w.Pricing)
	if len(w.Creatives) > 0 {
		dst = append(dst, `<Creatives>`...)
		for i := range w.Creatives {
			dst = appendCreative(dst, &w.Creatives[i], false)
		}
		dst = append(dst, `</Creatives>`...)
	}
	dst = appendURLElem(dst, "VASTAdTagURI", w.VASTAdTagURI)
	return append(dst, `</Wrapper>`...)
}

func appendCreative(dst []byte, c *Creative, inline bool) []byte {
	dst = append(dst, `<Creative`...)
	if c.ID != "" {
		dst = appendAttr(dst, "id", c.ID)
	}
	if c.AdID != "" {
		dst = appendAttr(dst, "adId", c.AdID)
	}
	if c.Sequence > 0 {
		dst = append(dst, ` sequence="`...)
		dst = strconv.AppendInt(dst, int64(c.Sequence), 10)
		dst = append(dst, '"')
	}
	dst = append(dst, '>')
	if l := c.Linear; l != nil && (!inline || len(l.MediaFiles) > 0) {
		dst = appendLinear(dst, l, inline)
	}
	if inline {
		if len(c.UniversalAdIDs) == 0 {
			dst = append(dst, `<UniversalAdId idRegistry="unknown">unknown</UniversalAdId>`...)
		}
		for _, u := range c.UniversalAdIDs {
			dst = append(dst, `<UniversalAdId`...)
			reg := u.Registry
			if reg == "" {
				reg = "unknown"
			}
			dst = appendAttr(dst, "idRegistry", reg)
			dst = append(dst, '>')
			dst = AppendText(dst, u.Value)
			dst = append(dst, `</UniversalAdId>`...)
		}
	}
	return append(dst, `</Creative>`...)
}

func appendLinear(dst []byte, l *Linear, inline bool) []byte {
	dst = append(dst, `<Linear`...)
	if l.SkipOffset != "" {
		dst = appendAttr(dst, "skipoffset", l.SkipOffset)
	}
	dst = append(dst, '>')
	if len(l.Tracking) > 0 {
		dst = append(dst, `<TrackingEvents>`...)
		for _, t := range l.Tracking {
			dst = append(dst, `<Tracking`...)
			dst = appendAttr(dst, "event", t.Event)
			if t.Offset != "" {
				dst = appendAttr(dst, "offset", t.Offset)
			}
			dst = append(dst, '>')
			dst = appendCDATA(dst, t.URL)
			dst = append(dst, `</Tracking>`...)
		}
		dst = append(dst, `</TrackingEvents>`...)
	}
	if inline {
		dst = append(dst, `<Duration>`...)
		dst = AppendDuration(dst, l.Duration)
		dst = append(dst, `</Duration><MediaFiles>`...)
		for i := range l.MediaFiles {
			dst = appendMediaFile(dst, "MediaFile", &l.MediaFiles[i])
		}
		for i := range l.Mezzanines {
			dst = appendMediaFile(dst, "Mezzanine", &l.Mezzanines[i])
		}
		dst = append(dst, `</MediaFiles>`...)
	}
	if l.ClickThrough != "" || len(l.ClickTracking) > 0 {
		dst = append(dst, `<VideoClicks>`...)
		for _, u := range l.ClickTracking {
			dst = appendURLElem(dst, "ClickTracking", u)
		}
		if l.ClickThrough != "" {
			dst = appendURLElem(dst, "ClickThrough", l.ClickThrough)
		}
		dst = append(dst, `</VideoClicks>`...)
	}
	return append(dst, `</Linear>`...)
}

func appendMediaFile(dst []byte, elem string, m *MediaFile) []byte {
	dst = append(dst, '<')
	dst = append(dst, elem...)
	if m.ID != "" {
		dst = appendAttr(dst, "id", m.ID)
	}
	delivery := m.Delivery
	if delivery != "streaming" {
		delivery = "progressive"
	}
	dst = appendAttr(dst, "delivery", delivery)
	dst = appendAttr(dst, "type", m.Type)
	dst = appendIntAttr(dst, "width", int64(m.Width))
	dst = appendIntAttr(dst, "height", int64(m.Height))
	if m.Codec != "" {
		dst = appendAttr(dst, "codec", m.Codec)
	}
	if m.Bitrate > 0 && elem == "MediaFile" {
		dst = appendIntAttr(dst, "bitrate", int64(m.Bitrate))
	}
	if m.FileSize > 0 {
		dst = appendIntAttr(dst, "fileSize", m.FileSize)
	}
	if m.MediaType != "" {
		dst = appendAttr(dst, "mediaType", m.MediaType)
	}
	dst = append(dst, '>')
	dst = appendCDATA(dst, m.URL)
	dst = append(dst, "</"...)
	dst = append(dst, elem...)
	return append(dst, '>')
}

func appendTextElem(dst []byte, elem, text string) []byte {
	dst = append(dst, '<')
	dst = append(dst, elem...)
	dst = append(dst, '>')
	dst = AppendText(dst, text)
	dst = append(dst, "</"...)
	dst = append(dst, elem...)
	return append(dst, '>')
}

func appendURLElem(dst []byte, elem, u string) []byte {
	dst = append(dst, '<')
	dst = append(dst, elem...)
	dst = append(dst, '>')
	dst = appendCDATA(dst, u)
	dst = append(dst, "</"...)
	dst = append(dst, elem...)
	return append(dst, '>')
}

func appendAttr(dst []byte, name, v string) []byte {
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, `="`...)
	dst = AppendAttr(dst, v)
	return append(dst, '"')
}

func appendIntAttr(dst []byte, name string, v int64) []byte {
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, `="`...)
	dst = strconv.AppendInt(dst, max(v, 0), 10)
	return append(dst, '"')
}
