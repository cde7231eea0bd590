package vast_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/adserver/vast/vasttest"
)

func yes() *bool { t := true; return &t }

// samplePod is a two-ad pod using every field the writer knows.
func samplePod() *vast.Document {
	lin := func(d time.Duration, n string) *vast.Linear {
		return &vast.Linear{
			Duration: d,
			Tracking: []vast.Tracking{
				{Event: vast.EventStart, URL: "https://t.example/start?ad=" + n},
				{Event: vast.EventFirstQuartile, URL: "https://t.example/fq?ad=" + n + "&x=1"},
				{Event: vast.EventProgress, Offset: "00:00:05.000", URL: "https://t.example/p5"},
				{Event: vast.EventComplete, URL: "https://t.example/c?n=" + n},
			},
			ClickThrough:  "https://advertiser.example/landing?a=1&b=2",
			ClickTracking: []string{"https://t.example/click"},
			MediaFiles: []vast.MediaFile{
				{ID: "720p", Delivery: "streaming", Type: "application/x-mpegURL", Width: 1280, Height: 720, Bitrate: 3000, Codec: "avc1.64001f,mp4a.40.2", URL: "https://cdn.example/ad/720p/index.m3u8"},
				{Delivery: "progressive", Type: "video/mp4", Width: 1920, Height: 1080, Bitrate: 8000, URL: "https://cdn.example/ad.mp4"},
			},
			Mezzanines: []vast.MediaFile{{Delivery: "progressive", Type: "video/mp4", Width: 1920, Height: 1080, FileSize: 123456, URL: "https://cdn.example/ad.mp4"}},
		}
	}
	return &vast.Document{Version: vast.Version, Ads: []vast.Ad{
		{ID: "a1", Sequence: 1, InLine: &vast.InLine{
			AdSystem:    vast.AdSystem{Name: "Cuepoint", Version: "1"},
			Errors:      []string{"https://t.example/err?code=%5BERRORCODE%5D"},
			Impressions: []vast.Impression{{ID: "cp", URL: "https://t.example/imp?a=1&b=2"}, {URL: "https://3p.example/imp"}},
			Pricing:     &vast.Pricing{Model: "CPM", Currency: "USD", Value: "12.5"},
			AdServingID: "srv-1",
			AdTitle:     `Ads & "more" <now>`,
			Advertiser:  "StreamCo",
			Categories:  []vast.Category{{Authority: "https://iabtechlab.com/", Code: "IAB1-7"}},
			Creatives: []vast.Creative{{ID: "cr1", AdID: "camp1", Sequence: 1,
				UniversalAdIDs: []vast.UniversalAdID{{Registry: "ad-id.org", Value: "CNPT0001000H"}},
				Linear:         lin(15*time.Second, "1")}},
		}},
		{ID: "a2", Sequence: 2, InLine: &vast.InLine{
			AdSystem:    vast.AdSystem{Name: "Cuepoint"},
			Impressions: []vast.Impression{{URL: "https://t.example/imp2"}},
			AdServingID: "srv-2",
			AdTitle:     "Second",
			Creatives:   []vast.Creative{{ID: "cr2", Linear: lin(30500*time.Millisecond, "2")}},
		}},
	}}
}

func TestWriteParseRoundTrip(t *testing.T) {
	doc := samplePod()
	out := vast.AppendDocument(nil, doc)
	got, err := vast.Parse(out)
	if err != nil {
		t.Fatalf("parse our own output: %v\n%s", err, out)
	}
	// The writer fills required elements the model left empty.
	want := samplePod()
	want.Ads[1].InLine.Creatives[0].UniversalAdIDs = []vast.UniversalAdID{{Registry: "unknown", Value: "unknown"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v\n%s", got.Ads[0].InLine, want.Ads[0].InLine, out)
	}
}

func TestWrittenDocumentsValidateAgainstXSD(t *testing.T) {
	wrapper := &vast.Document{Ads: []vast.Ad{{ID: "w", InLine: nil, Wrapper: &vast.Wrapper{
		AdSystem:                 vast.AdSystem{Name: "SSP"},
		Errors:                   []string{"https://ssp.example/e?c=[ERRORCODE]"},
		Impressions:              []vast.Impression{{URL: "https://ssp.example/imp"}},
		Creatives:                []vast.Creative{{Linear: &vast.Linear{Tracking: []vast.Tracking{{Event: "start", URL: "https://ssp.example/s"}}, ClickTracking: []string{"https://ssp.example/c"}}}},
		VASTAdTagURI:             "https://dsp.example/vast?id=1&x=2",
		FollowAdditionalWrappers: yes(),
	}}}}
	noMedia := samplePod()
	noMedia.Ads[0].InLine.Creatives[0].Linear.MediaFiles = nil // the Linear is left out
	noMedia.Ads[0].InLine.Impressions = nil                    // about:blank is written
	vasttest.Validate(t, map[string][]byte{
		"pod":      vast.AppendDocument(nil, samplePod()),
		"empty":    vast.AppendDocument(nil, &vast.Document{}),
		"errors":   vast.AppendDocument(nil, &vast.Document{Errors: []string{"https://t.example/noad?c=[ERRORCODE]"}}),
		"wrapper":  vast.AppendDocument(nil, wrapper),
		"no-media": vast.AppendDocument(nil, noMedia),
	})
}

func TestURLsAreWrittenAsValidURIs(t *testing.T) {
	for in, want := range map[string]string{
		"https://t.example/e?c=[ERRORCODE]&t=[TIMESTAMP]": "https://t.example/e?c=%5BERRORCODE%5D&t=%5BTIMESTAMP%5D",
		"https://[::1]:8080/p?q=[x]":                      "https://[::1]:8080/p?q=%5Bx%5D",
		"https://t.example/a b/é?x=<y>&p=100%&q=%41":      "https://t.example/a%20b/%C3%A9?x=%3Cy%3E&p=100%25&q=%41",
		"https://t.example/c?]]>odd":                      "https://t.example/c?%5D%5D%3Eodd",
		"about:blank":                                     "about:blank",
	} {
		if got := vast.EncodeURI(in); got != want {
			t.Errorf("EncodeURI(%q) = %q, want %q", in, got, want)
		}
	}
	doc := samplePod()
	doc.Ads[0].InLine.Errors = []string{"https://t.example/e?c=[ERRORCODE]", "https://t.example/c?]]>odd&x=<1>"}
	vasttest.Validate(t, map[string][]byte{"macros": vast.AppendDocument(nil, doc)})
}

func TestEmptyDocument(t *testing.T) {
	got := string(vast.AppendDocument(nil, &vast.Document{}))
	if !strings.HasSuffix(got, `<VAST xmlns="http://www.iab.com/VAST" version="4.2"/>`+"\n") {
		t.Fatalf("empty VAST = %q", got)
	}
}

func TestParseWrapperAndVersions(t *testing.T) {
	doc, err := vast.Parse([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?>
<VAST version="3.0"><Ad id="x"><Wrapper followAdditionalWrappers="0" fallbackOnNoAd="true">
 <AdSystem>SSP</AdSystem>
 <VASTAdTagURI>
   <![CDATA[ https://dsp.example/vast?q=1 ]]>
 </VASTAdTagURI>
 <Error>https://ssp.example/err?c=[ERRORCODE]</Error>
 <Impression><![CDATA[https://ssp.example/imp]]></Impression>
 <Impression><![CDATA[   ]]></Impression>
 <Creatives><Creative><Linear><TrackingEvents>
   <Tracking event="start">https://ssp.example/start</Tracking>
 </TrackingEvents><VideoClicks><ClickTracking>https://ssp.example/ct</ClickTracking></VideoClicks></Linear></Creative></Creatives>
 <Extensions><Extension><Anything caf="caf` + "\xe9" + `"/></Extension></Extensions>
</Wrapper></Ad></VAST>`))
	if err != nil {
		t.Fatal(err)
	}
	w := doc.Ads[0].Wrapper
	if w == nil || w.VASTAdTagURI != "https://dsp.example/vast?q=1" || len(w.Impressions) != 1 ||
		*w.FollowAdditionalWrappers || !*w.FallbackOnNoAd || w.AllowMultipleAds != nil ||
		len(w.Creatives) != 1 || w.Creatives[0].Linear.Tracking[0].URL != "https://ssp.example/start" ||
		w.Creatives[0].Linear.ClickTracking[0] != "https://ssp.example/ct" {
		t.Fatalf("wrapper = %+v", w)
	}
}

func TestParseRefusesBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"not xml":   "{}",
		"not vast":  "<html><body/></html>",
		"unclosed":  `<VAST version="4.2"><Ad>`,
		"entity":    `<!DOCTYPE VAST [<!ENTITY x SYSTEM "file:///etc/passwd">]><VAST version="4.2">&x;</VAST>`,
		"too large": "<VAST>" + strings.Repeat(" ", vast.MaxDocumentBytes) + "</VAST>",
	} {
		if doc, err := vast.Parse([]byte(in)); err == nil {
			t.Errorf("%s: parsed as %+v, want an error", name, doc)
		}
	}
}

func TestParseTruncatesLists(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<VAST version="4.0"><Ad><InLine><AdSystem>x</AdSystem>`)
	for range vast.MaxListLen + 10 {
		b.WriteString(`<Impression>https://i.example/</Impression>`)
	}
	b.WriteString(`<AdServingId>1</AdServingId><AdTitle>t</AdTitle><Creatives/></InLine></Ad></VAST>`)
	doc, err := vast.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(doc.Ads[0].InLine.Impressions); n != vast.MaxListLen {
		t.Fatalf("kept %d impressions, want %d", n, vast.MaxListLen)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"00:00:15":     15 * time.Second,
		" 00:00:30 ":   30 * time.Second,
		"00:01:00.5":   60500 * time.Millisecond,
		"01:02:03.004": time.Hour + 2*time.Minute + 3004*time.Millisecond,
		"00:00:15.02":  15020 * time.Millisecond,
		"0:0:5.123456": 5123 * time.Millisecond,
	} {
		got, err := vast.ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "15", "00:15", "00:00:60", "00:61:00", "aa:bb:cc", "00:00:15.", "::", "00::15", "-1:00:00", "25:00:01"} {
		if d, err := vast.ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, d)
		}
	}
	for d, want := range map[time.Duration]string{
		15 * time.Second:               "00:00:15",
		90500 * time.Millisecond:       "00:01:30.500",
		time.Hour + time.Millisecond*7: "01:00:00.007",
		-time.Second:                   "00:00:00",
	} {
		if got := string(vast.AppendDuration(nil, d)); got != want {
			t.Errorf("AppendDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestEscaping(t *testing.T) {
	if got := string(vast.AppendText(nil, "a&b<c>\x01d\"é\xff")); got != `a&amp;b&lt;c&gt;d"é` {
		t.Errorf("AppendText = %q", got)
	}
	if got := string(vast.AppendAttr(nil, "x\"y\n&")); got != `x&quot;y&#10;&amp;` {
		t.Errorf("AppendAttr = %q", got)
	}
}
