package vast

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits applied to documents read from the outside.
const (
	// MaxDocumentBytes is the largest document Parse accepts.
	MaxDocumentBytes = 1 << 20
	// MaxAds is the most ads kept from one document.
	MaxAds = 32
	// MaxListLen is the most entries kept in any list (impressions, tracking events, media
	// files, creatives …) of one ad; the rest are dropped.
	MaxListLen = 64
	// MaxURLLen is the longest URL kept; longer ones are dropped.
	MaxURLLen = 8 << 10
)

// ErrTooLarge means the document exceeds MaxDocumentBytes.
var ErrTooLarge = errors.New("vast: document too large")

// ErrNotVAST means the document's root element is not <VAST>.
var ErrNotVAST = errors.New("vast: root element is not VAST")

// Parse reads a VAST document (any 2.0–4.x version). It fails with an error wrapping
// ErrTooLarge, ErrNotVAST or the XML syntax error; a caller reporting to the document's
// <Error> URLs uses ErrXMLParse for all of them. Fields that cannot be read (a malformed
// duration, a non-numeric width) are left zero rather than failing the whole document.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxDocumentBytes)
	}
	var x xVAST
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = charsetReader
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
	return doc, nil
}

// charsetReader accepts the encodings VAST documents declare in practice. Everything the
// adserver fetches is UTF-8 or its ASCII subset; ISO-8859-1 is mapped byte for byte.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
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

// url trims a URL and drops one that is too long or has control characters inside.
func url(s string) string {
	s = trimSpace(s)
	if len(s) > MaxURLLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return ""
		}
	}
	return s
}

func atoi(s string) int {
	n, err := strconv.Atoi(trimSpace(s))
	if err != nil || n < 0 || n > 1<<30 {
		return 0
	}
	return n
}

func boolAttr(s string) *bool {
	switch trimSpace(s) {
	case "true", "1":
		t := true
		return &t
	case "false", "0":
		f := false
		return &f
	}
	return nil
}
