package bidder

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
)

// FuzzHandleBid: whatever the body, the bid handler never panics, never answers 5xx, and a 200
// carries valid JSON. Seeds: every request fixture and the shapes of the end-to-end test; the
// corpus grows in testdata/fuzz/FuzzHandleBid.
func FuzzHandleBid(f *testing.F) {
	for _, s := range []string{webVideoReq, interstitialReq, bannerDealReq, dynamicPodReq, gdpr25Req,
		`{}`, `{"id":"x","imp":[{"id":"1","video":{"poddur":60,"maxseq":100,"rqddurs":[1,2,3]}}]}`} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	b := newTestBidder(f, testConfig(), Deps{}, DemoCampaigns("https://cdn.test")...)
	f.Fuzz(func(t *testing.T, body []byte) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/openrtb2/bid")
		ctx.Request.SetBody(body)
		b.HandleBid(&ctx)
		switch code := ctx.Response.StatusCode(); code {
		case 200:
			if !json.Valid(ctx.Response.Body()) {
				t.Fatalf("200 with invalid JSON: %s", ctx.Response.Body())
			}
		case 204, 400, 413:
		default:
			t.Fatalf("status %d for body %q", code, body)
		}
	})
}

// FuzzNoticeToken: a token either fails verification or decodes; never a panic.
func FuzzNoticeToken(f *testing.F) {
	s := newSigner([]byte("0123456789abcdef0123456789abcdef"))
	tok, _ := s.appendToken(nil, &noticeToken{RequestID: "r", BidID: "b", CampaignID: "c", PriceMicros: 1}, nil)
	f.Add(string(tok))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, in string) {
		if nt, err := s.parseToken(in); err == nil && nt == nil {
			t.Fatal("nil token without error")
		}
	})
}

// FuzzPrivacyStrings: consent, US privacy and GPP strings from the outside never panic.
func FuzzPrivacyStrings(f *testing.F) {
	f.Add("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", "1YNN", "DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", int8(2))
	f.Add("", "", "DBABL~BVVqAAEABCA.QA", int8(7))
	f.Fuzz(func(t *testing.T, consent, usp, gpp string, sid int8) {
		fs := requestFacts{gdpr: true, consent: consent, usPrivacy: usp, gpp: gpp, gppSID: []int8{sid}}
		decidePrivacy(&fs, 77)
	})
}

// FuzzMarkup: whatever a campaign's strings hold, the VAST and banner markup are JSON-safe
// (embedded in the response without escaping) and the VAST is well-formed XML.
func FuzzMarkup(f *testing.F) {
	f.Add("Acme \"Co\"", "cr-1", "https://cdn.test/a.mp4", "https://x.test/?a=1&b=2")
	f.Add("a]]>b", "\x00\\'", "]]>", "\t\n")
	f.Fuzz(func(t *testing.T, name, id, media, click string) {
		c := &Campaign{ID: id, Advertiser: name}
		cr := &Creative{ID: id, DurationSec: 15, ClickURL: click, ImageURL: media, W: 1, H: 1,
			MediaFiles: []MediaFile{{URL: media, Mime: name, W: 1, H: 1}}}
		const own = "http://bidder.test/v1/notice/imp?t=AAAA" // the bidder's own URLs are trusted
		for _, doc := range [][]byte{appendVAST(nil, c, cr, id, own, own), appendBannerMarkup(nil, cr, own)} {
			if i := bytes.IndexFunc(doc, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 }); i >= 0 {
				t.Fatalf("markup byte %d needs JSON escaping: %q", i, doc)
			}
		}
		d := xml.NewDecoder(bytes.NewReader(appendVAST(nil, c, cr, id, own, own)))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				if utf8.ValidString(name) && utf8.ValidString(id) && utf8.ValidString(media) && utf8.ValidString(click) {
					t.Fatalf("VAST is not well-formed XML: %v", err)
				}
				break // invalid UTF-8 in, invalid out (campaigns decoded from JSON never hold any)
			}
		}
	})
}
