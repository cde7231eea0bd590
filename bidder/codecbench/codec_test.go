// Package codecbench compares JSON codecs on the bidder's payloads: decoding the 3.4 KB CTV pod
// request into prebid/openrtb/v20 types and encoding a bid response whose adm is VAST. It is a
// module of its own so that the comparison's extra codec (sonic) stays out of the main module.
//
//	cd bidder/codecbench && go test -bench . -benchmem
package codecbench

import (
	"bytes"
	stdjson "encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	"github.com/prebid/openrtb/v20/openrtb2"
)

func fixture(tb testing.TB) []byte {
	b, err := os.ReadFile("../testdata/ctv_pod.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var vast = `<VAST version="4.2" xmlns="http://www.iab.com/VAST"><Ad id="streamco-30"><InLine><AdSystem version="1">Cuepoint</AdSystem><Impression id="cuepoint"><![CDATA[http://127.0.0.1:8081/v1/notice/imp?t=AfDRxKvAaBByZXEtY3R2LXBvZC0wMDAxATEKMmMxYTdlOTgtMRNjdHYtc3RyZWFtY28tbGF1bmNoC3N0cmVhbWNvLTE1AA92aWV3ZXI]]></Impression><AdServingId>2c1a7e98-1</AdServingId><AdTitle>StreamCo</AdTitle><Creatives><Creative id="streamco-30" adId="ctv-streamco-launch"><Linear><TrackingEvents><Tracking event="start"><![CDATA[http://127.0.0.1:8081/v1/notice/event?t=AfDRxKvAaBByZXEtY3R2LXBvZC0wMDAx&e=start]]></Tracking><Tracking event="complete"><![CDATA[http://127.0.0.1:8081/v1/notice/event?t=AfDRxKvAaBByZXEtY3R2LXBvZC0wMDAx&e=complete]]></Tracking></TrackingEvents><Duration>00:00:30</Duration><MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="1920" height="1080" bitrate="4500"><![CDATA[https://cdn.example/streamco-30-1080p.mp4]]></MediaFile><MediaFile delivery="progressive" type="video/mp4" width="1280" height="720" bitrate="2500"><![CDATA[https://cdn.example/streamco-30-720p.mp4]]></MediaFile></MediaFiles></Linear><UniversalAdId idRegistry="cuepoint">streamco-30</UniversalAdId></Creative></Creatives></InLine></Ad></VAST>`

func response() *openrtb2.BidResponse {
	var bids []openrtb2.Bid
	for _, imp := range []string{"1", "2", "3"} {
		bids = append(bids, openrtb2.Bid{ID: "b" + imp, ImpID: imp, Price: 14.07, AdM: vast, CrID: "streamco-30", CID: "ctv-streamco-launch",
			ADomain: []string{"streamco.example"}, Cat: []string{"IAB1-7"}, Dur: 30, MType: openrtb2.MarkupVideo,
			NURL: "http://127.0.0.1:8081/v1/notice/win?t=AfDRxKvAaBByZXEtY3R2LXBvZC0wMDAx&p=${AUCTION_PRICE}&a=${AUCTION_ID}"})
	}
	return &openrtb2.BidResponse{ID: "req-ctv-pod-0001", Cur: "USD", SeatBid: []openrtb2.SeatBid{{Seat: "cuepoint", Bid: bids}}}
}

type codec struct {
	name   string
	decode func([]byte, *openrtb2.BidRequest) error
	encode func(*openrtb2.BidResponse) ([]byte, error)
}

var codecs = []codec{
	{"encoding-json", func(b []byte, r *openrtb2.BidRequest) error { return stdjson.Unmarshal(b, r) },
		func(r *openrtb2.BidResponse) ([]byte, error) {
			var buf bytes.Buffer
			enc := stdjson.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // VAST in adm: "<" stays "<"
			err := enc.Encode(r)
			return buf.Bytes(), err
		}},
	{"encoding-json-html-escaped", nil, func(r *openrtb2.BidResponse) ([]byte, error) { return stdjson.Marshal(r) }},
	{"goccy-go-json", func(b []byte, r *openrtb2.BidRequest) error { return gojson.Unmarshal(b, r) },
		// MarshalNoEscape skips the escaping checks of Marshaler output, not HTML escaping:
		// DisableHTMLEscape is the option that keeps "<" as "<".
		func(r *openrtb2.BidResponse) ([]byte, error) {
			return gojson.MarshalWithOption(r, gojson.DisableHTMLEscape())
		}},
	{"sonic", func(b []byte, r *openrtb2.BidRequest) error { return sonic.ConfigDefault.Unmarshal(b, r) },
		func(r *openrtb2.BidResponse) ([]byte, error) { return sonic.ConfigDefault.Marshal(r) }},
}

// TestCodecsAgree: every codec decodes the fixture to the same value, ext fields included,
// and encodes a response that decodes back to the original.
func TestCodecsAgree(t *testing.T) {
	raw := fixture(t)
	var want openrtb2.BidRequest
	if err := stdjson.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for _, c := range codecs {
		if c.decode != nil {
			var got openrtb2.BidRequest
			if err := c.decode(raw, &got); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			// RawMessage bytes may differ in whitespace; compare after a round trip.
			a, _ := stdjson.Marshal(&got)
			b, _ := stdjson.Marshal(&want)
			if !bytes.Equal(a, b) {
				t.Errorf("%s decodes the fixture differently", c.name)
			}
		}
		out, err := c.encode(response())
		if err != nil {
			t.Fatalf("%s encode: %v", c.name, err)
		}
		var back openrtb2.BidResponse
		if err := stdjson.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(&back, response()) {
			t.Errorf("%s: response does not round-trip (%v)", c.name, err)
		}
		t.Logf("%-28s response %5d bytes", c.name, len(out))
	}
}

func BenchmarkDecode(b *testing.B) {
	raw := fixture(b)
	for _, c := range codecs {
		if c.decode == nil {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				var r openrtb2.BidRequest
				if err := c.decode(raw, &r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	resp := response()
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.encode(resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
