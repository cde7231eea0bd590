package vast

// parseStd is the reference parser: the same model read with encoding/xml. FuzzParse holds
// Parse to it (differential testing); it is not used outside tests.

import (
	"bytes"
	"encoding/xml"

	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

func parseStd(data []byte) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxDocumentBytes)
	}
	var x xVAST
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = charsetReaderStd
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("vast: %w", err)
	}
	if x.XMLName.Local != "VAST" {
		return nil, ErrNotVAST
	}
	doc := &Document{Version: trimSpace(x.Version), Errors: urls(x.Errors)}
	n := min(len(x.Ads), MaxAds)
	doc.Ads = make([]Ad, 0, n)
	for i := range x.Ads[:n] {
		a := &x.Ads[i]
		ad := Ad{ID: trimSpace(a.ID), Sequence: atoi(a.Sequence)}
		switch {
		case a.InLine != nil:
			ad.InLine = a.InLine.model()
		case a.Wrapper != nil:
			ad.Wrapper = a.Wrapper.model()
		default:
			continue
		}
		doc.Ads = append(doc.Ads, ad)
	}
	if len(doc.Ads) == 0 {
		doc.Ads = nil
	}
	return doc, nil
}

// charsetReader accepts the encodings VAST documents declare in practice. Everything the
// adserver fetches is UTF-8 or its ASCII subset; ISO-8859-1 is mapped byte for byte.
func charsetReaderStd(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "latin1", "latin-1":
		return &latin1Reader{r: input}, nil
	}
	return nil, fmt.Errorf("vast: unsupported charset %q", label)
}

// The decoding model mirrors the XSD's element names; namespaces are ignored, so VAST 2, 3
// and 4 documents, with or without xmlns, read the same way.

type xVAST struct {
	XMLName xml.Name
	Version string   `xml:"version,attr"`
	Ads     []xAd    `xml:"Ad"`
	Errors  []string `xml:"Error"`
}

type xAd struct {
	ID       string    `xml:"id,attr"`
	Sequence string    `xml:"sequence,attr"`
	InLine   *xInLine  `xml:"InLine"`
	Wrapper  *xWrapper `xml:"Wrapper"`
}

type xAdSystem struct {
	Version string `xml:"version,attr"`
	Name    string `xml:",chardata"`
}

type xImpression struct {
	ID  string `xml:"id,attr"`
	URL string `xml:",chardata"`
}

type xPricing struct {
	Model    string `xml:"model,attr"`
	Currency string `xml:"currency,attr"`
	Value    string `xml:",chardata"`
}

type xCategory struct {
	Authority string `xml:"authority,attr"`
	Code      string `xml:",chardata"`
}

type xInLine struct {
	AdSystem    xAdSystem     `xml:"AdSystem"`
	Errors      []string      `xml:"Error"`
	Impressions []xImpression `xml:"Impression"`
	Pricing     *xPricing     `xml:"Pricing"`
	AdServingID string        `xml:"AdServingId"`
	AdTitle     string        `xml:"AdTitle"`
	Advertiser  string        `xml:"Advertiser"`
	Categories  []xCategory   `xml:"Category"`
	Creatives   []xCreative   `xml:"Creatives>Creative"`
}

type xWrapper struct {
	Follow       string        `xml:"followAdditionalWrappers,attr"`
	AllowMulti   string        `xml:"allowMultipleAds,attr"`
	Fallback     string        `xml:"fallbackOnNoAd,attr"`
	AdSystem     xAdSystem     `xml:"AdSystem"`
	Errors       []string      `xml:"Error"`
	Impressions  []xImpression `xml:"Impression"`
	Pricing      *xPricing     `xml:"Pricing"`
	Creatives    []xCreative   `xml:"Creatives>Creative"`
	VASTAdTagURI string        `xml:"VASTAdTagURI"`
}

type xCreative struct {
	ID       string           `xml:"id,attr"`
	AdID     string           `xml:"adId,attr"`
	Sequence string           `xml:"sequence,attr"`
	UAIDs    []xUniversalAdID `xml:"UniversalAdId"`
	Linear   *xLinear         `xml:"Linear"`
}

type xUniversalAdID struct {
	Registry string `xml:"idRegistry,attr"`
	Value    string `xml:",chardata"`
}

type xLinear struct {
	SkipOffset    string       `xml:"skipoffset,attr"`
	Tracking      []xTracking  `xml:"TrackingEvents>Tracking"`
	Duration      string       `xml:"Duration"`
	MediaFiles    []xMediaFile `xml:"MediaFiles>MediaFile"`
	Mezzanines    []xMediaFile `xml:"MediaFiles>Mezzanine"`
	ClickThrough  string       `xml:"VideoClicks>ClickThrough"`
	ClickTracking []string     `xml:"VideoClicks>ClickTracking"`
}

type xTracking struct {
	Event  string `xml:"event,attr"`
	Offset string `xml:"offset,attr"`
	URL    string `xml:",chardata"`
}

type xMediaFile struct {
	ID        string `xml:"id,attr"`
	Delivery  string `xml:"delivery,attr"`
	Type      string `xml:"type,attr"`
	Width     string `xml:"width,attr"`
	Height    string `xml:"height,attr"`
	Codec     string `xml:"codec,attr"`
	Bitrate   string `xml:"bitrate,attr"`
	FileSize  string `xml:"fileSize,attr"`
	MediaType string `xml:"mediaType,attr"`
	URL       string `xml:",chardata"`
}

func (x *xInLine) model() *InLine {
	return &InLine{
		AdSystem:    AdSystem{Name: trimSpace(x.AdSystem.Name), Version: trimSpace(x.AdSystem.Version)},
		Errors:      urls(x.Errors),
		Impressions: impressions(x.Impressions),
		Pricing:     x.Pricing.model(),
		AdServingID: trimSpace(x.AdServingID),
		AdTitle:     trimSpace(x.AdTitle),
		Advertiser:  trimSpace(x.Advertiser),
		Categories:  categories(x.Categories),
		Creatives:   creatives(x.Creatives),
	}
}

func (x *xWrapper) model() *Wrapper {
	return &Wrapper{
		AdSystem:                 AdSystem{Name: trimSpace(x.AdSystem.Name), Version: trimSpace(x.AdSystem.Version)},
		Errors:                   urls(x.Errors),
		Impressions:              impressions(x.Impressions),
		Pricing:                  x.Pricing.model(),
		Creatives:                creatives(x.Creatives),
		VASTAdTagURI:             url(x.VASTAdTagURI),
		FollowAdditionalWrappers: boolAttr(x.Follow),
		AllowMultipleAds:         boolAttr(x.AllowMulti),
		FallbackOnNoAd:           boolAttr(x.Fallback),
	}
}

func (x *xPricing) model() *Pricing {
	if x == nil {
		return nil
	}
	return &Pricing{Model: trimSpace(x.Model), Currency: trimSpace(x.Currency), Value: trimSpace(x.Value)}
}

func creatives(xs []xCreative) []Creative {
	if len(xs) == 0 {
		return nil
	}
	out := make([]Creative, 0, min(len(xs), MaxListLen))
	for i := range xs[:min(len(xs), MaxListLen)] {
		x := &xs[i]
		c := Creative{ID: trimSpace(x.ID), AdID: trimSpace(x.AdID), Sequence: atoi(x.Sequence)}
		for _, u := range x.UAIDs[:min(len(x.UAIDs), MaxListLen)] {
			c.UniversalAdIDs = append(c.UniversalAdIDs, UniversalAdID{Registry: trimSpace(u.Registry), Value: trimSpace(u.Value)})
		}
		if l := x.Linear; l != nil {
			lin := &Linear{
				SkipOffset:    trimSpace(l.SkipOffset),
				ClickThrough:  url(l.ClickThrough),
				ClickTracking: urls(l.ClickTracking),
				MediaFiles:    mediaFiles(l.MediaFiles),
				Mezzanines:    mediaFiles(l.Mezzanines),
			}
			lin.Duration, _ = ParseDuration(l.Duration)
			for _, t := range l.Tracking[:min(len(l.Tracking), MaxListLen)] {
				if u := url(t.URL); u != "" {
					lin.Tracking = append(lin.Tracking, Tracking{Event: trimSpace(t.Event), Offset: trimSpace(t.Offset), URL: u})
				}
			}
			c.Linear = lin
		}
		out = append(out, c)
	}
	return out
}

func mediaFiles(xs []xMediaFile) []MediaFile {
	if len(xs) == 0 {
		return nil
	}
	out := make([]MediaFile, 0, min(len(xs), MaxListLen))
	for _, x := range xs[:min(len(xs), MaxListLen)] {
		u := url(x.URL)
		if u == "" {
			continue
		}
		size, _ := strconv.ParseInt(trimSpace(x.FileSize), 10, 64)
		out = append(out, MediaFile{
			ID: trimSpace(x.ID), Delivery: trimSpace(x.Delivery), Type: trimSpace(x.Type),
			Width: atoi(x.Width), Height: atoi(x.Height), Codec: trimSpace(x.Codec), Bitrate: atoi(x.Bitrate),
			FileSize: max(size, 0), MediaType: trimSpace(x.MediaType), URL: u,
		})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func impressions(xs []xImpression) []Impression {
	var out []Impression
	for _, x := range xs[:min(len(xs), MaxListLen)] {
		if u := url(x.URL); u != "" {
			out = append(out, Impression{ID: trimSpace(x.ID), URL: u})
		}
	}
	return out
}

func categories(xs []xCategory) []Category {
	var out []Category
	for _, x := range xs[:min(len(xs), MaxListLen)] {
		if c := trimSpace(x.Code); c != "" {
			out = append(out, Category{Authority: trimSpace(x.Authority), Code: c})
		}
	}
	return out
}

func urls(xs []string) []string {
	var out []string
	for _, x := range xs[:min(len(xs), MaxListLen)] {
		if u := url(x); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// latin1Reader converts ISO-8859-1 to UTF-8: every byte is the code point of the same value.
type latin1Reader struct {
	r    io.Reader
	in   [512]byte
	obuf []byte
	out  []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.out) == 0 {
		n, err := l.r.Read(l.in[:])
		l.obuf = l.obuf[:0]
		for _, b := range l.in[:n] {
			l.obuf = utf8.AppendRune(l.obuf, rune(b))
		}
		l.out = l.obuf
		if n == 0 && err != nil {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}
