package bidder

import (
	"strings"
	"testing"
)

func TestVASTEscaping(t *testing.T) {
	c := &Campaign{ID: `c&1\`, Advertiser: "A<b> & \"Co\"\t\\ 'x'\x01"}
	cr := &Creative{ID: `cr"1'`, DurationSec: 3725, ClickURL: "https://x.test/?a=1&b=2",
		MediaFiles: []MediaFile{{URL: "https://cdn.test/a.mp4?x=1&y=2", Mime: "video/mp4", W: 640, H: 360}}}
	doc := string(appendVAST(nil, c, cr, "bid-1", "https://i.test/?t=a&b", "https://e.test/?t=a"))
	for _, want := range []string{`<Duration>01:02:05</Duration>`,
		`<AdTitle>A&lt;b&gt; &amp; &quot;Co&quot;&#9;&#92; 'x'</AdTitle>`,
		`<Ad id='cr&quot;1&apos;'>`, `adId='c&amp;1&#92;'`, `?a=1&b=2]]>`} {
		if !strings.Contains(doc, want) {
			t.Errorf("VAST lacks %q:\n%s", want, doc)
		}
	}
	// JSON-safe by construction: the response embeds it without escaping.
	if i := strings.IndexFunc(doc, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 }); i >= 0 {
		t.Errorf("VAST has a byte JSON would need escaped at %d: %q", i, doc[max(0, i-20):i+1])
	}
	validateVAST(t, doc)
}

func TestBannerMarkupIsJSONSafe(t *testing.T) {
	cr := &Creative{W: 300, H: 250, ImageURL: `https://cdn.test/a.png?x="1"`, ClickURL: `https://adv.test/\`}
	doc := string(appendBannerMarkup(nil, cr, "https://i.test/?t=a"))
	if strings.ContainsAny(doc, "\"\\") {
		t.Errorf("banner markup is not JSON-safe: %s", doc)
	}
}

func TestCDATAStaysSafe(t *testing.T) {
	for in, want := range map[string]string{
		"https://x.test/a":        "https://x.test/a",
		"a]]>b\x01c":              "a]]%3Eb%01c",
		`https://x.test/"q"\`:     "https://x.test/%22q%22%5C",
		"http://[::1]:8081/x?a=b": "http://[::1]:8081/x?a=b",
	} {
		if got := string(appendCDATA(nil, in)); got != want {
			t.Errorf("appendCDATA(%q) = %q, want %q", in, got, want)
		}
	}
}
