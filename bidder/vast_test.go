package bidder

import (
	"strings"
	"testing"
)

func TestVASTEscaping(t *testing.T) {
	c := &Campaign{ID: "c&1", Advertiser: `A<b> & "Co"`}
	cr := &Creative{ID: `cr"1`, DurationSec: 3725, ClickURL: "https://x.test/?a=1&b=2",
		MediaFiles: []MediaFile{{URL: "https://cdn.test/a.mp4?x=1&y=2", Mime: "video/mp4", W: 640, H: 360}}}
	doc := string(appendVAST(nil, c, cr, "bid-1", "https://i.test/?t=a&b", "https://e.test/?t=a"))
	for _, want := range []string{`<Duration>01:02:05</Duration>`, `<AdTitle>A&lt;b&gt; &amp; "Co"</AdTitle>`,
		`<Ad id="cr&quot;1">`, `?a=1&b=2]]>`} {
		if !strings.Contains(doc, want) {
			t.Errorf("VAST lacks %q:\n%s", want, doc)
		}
	}
	validateVAST(t, doc)
}

func TestCDATASplit(t *testing.T) {
	if got := string(appendCDATA(nil, "a]]>b\x01c")); got != "a]]]]><![CDATA[>bc" {
		t.Errorf("appendCDATA = %q", got)
	}
}
