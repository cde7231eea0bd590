package bidder

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/prebid/openrtb/v20/openrtb2"
)

// Inputs where encoding/json's rules are easy to get wrong: repeated keys (pointers, slices and
// their elements reused), case folding (K and ſ fold to k and s), escapes, surrogates, invalid
// UTF-8, null everywhere, integer overflow and fractions, ext kept as bytes, nesting limits.
var decoderEdgeCases = []string{
	`{"id":"a","imp":[{"id":"1","video":{"w":1,"h":2}}],"imp":[{"id":"2","video":{"w":3}}]}`,
	`{"imp":[{"id":"1","tagid":"x"},{"id":"2"}],"imp":[{"id":"3"}],"imp":[{"id":"4"},{"tagid":"y"}]}`,
	`{"device":{"w":1},"device":{"h":2},"device":{"geo":{"lat":1.5}},"device":null,"device":{"ip":"x"}}`,
	`{"ID":"a","Imp":[{"ID":"1","VIDEO":{"MIMES":["v"]}}],"ſite":{"id":"s"},"tmax":1,"TMAX":2,"Tmax":3}`,
	`{"id":"\u0061\ud83d\ude00\ud83d\u0041\udc00","imp":[],"bcat":null,"badv":[]}`,
	"{\"id\":\"a\xff\xfeb\",\"cur\":[\"\xc3\x28\",\"\\u00e9\"],\"ext\":{\"x\":\"\xff\"}}",
	`{"id":"x","at":1.0}`, `{"id":"x","at":1e2}`, `{"id":"x","at":-0}`, `{"imp":[{"id":"1","secure":128}]}`,
	`{"imp":[{"id":"1","secure":127,"bidfloor":1e400}]}`, `{"imp":[{"id":"1","bidfloor":-1.5e-3,"rwdd":-128}]}`,
	`{"ext":null,"regs":{"ext":null,"gdpr":null,"coppa":null},"user":{"ext":{"consent":"c","eids":[{"source":"s"}]}}}`,
	`{"ext" : { "a" : [ 1 , 2 ] , "b" : "\"" } , "source":{"schain":{"nodes":[{"asi":"x","hp":1}],"complete":1}}}`,
	`{"imp":[null,{"id":"2"},null]}`, `{"cur":["a",null,"b"]}`, `{"imp":{"id":"1"}}`, `{"id":1}`, `{"id":true}`,
	`{"unknown":{"deep":[1,{"x":null}],"k":"v"},"id":"x"}`, `null`, ` {} `, `[]`, `"x"`, `{"id":"x"} x`, `{"id":"x",}`,
	`{"id":"x" "at":1}`, `{"a":{} "b":1}`, `{"id":"\x01"}`, `{"id":"\q"}`, `{"id":"\u12"}`, `{"at":01}`, `{"at":-}`,
	`{"at":1.}`, `{"at":.5}`, `{"at":1e}`, `{"ext":tru}`, `{"ext":nul}`, `{`, `{"id"`, `{"id":`, `{"id":"x`, ``,
	`{"device":{"lmt":1,"lmt":null}}`, `{"device":{"geo":{"utcoffset":-300}},"device":{"geo":{"country":"USA"}}}`,
	`{"imp":[{"id":"1","video":{"rqddurs":[15,30],"rqddurs":[5]}}]}`, `{"imp":[{"id":"1","pmp":{"deals":[{"id":"d","wseat":["a"]}]}}]}`,
	`{"K":"kelvin","\u212Aey":1,"ſ":2,"imp":[{"ıd":"dotless"}]}`,
}

// TestDecoderDepthLimit: nesting up to encoding/json's 10,000 levels is accepted, one more is
// refused, in a typed field, in ext and in an unknown field (kept out of the fuzz seeds: each
// run of these costs the fuzzer milliseconds).
func TestDecoderDepthLimit(t *testing.T) {
	for _, body := range []string{
		`{"ext":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
		`{"ext":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
		`{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
		`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
		`{"user":{"ext":` + strings.Repeat(`{"a":`, 9998) + `1` + strings.Repeat("}", 9998) + `}}`,
		`{"user":{"ext":` + strings.Repeat(`{"a":`, 9999) + `1` + strings.Repeat("}", 9999) + `}}`,
	} {
		var want, got openrtb2.BidRequest
		errWant, errGot := json.Unmarshal([]byte(body), &want), decodeRequest([]byte(body), &got)
		if (errWant == nil) != (errGot == nil) || errWant == nil && !reflect.DeepEqual(want, got) {
			t.Errorf("%d bytes: encoding/json %v, decodeRequest %v", len(body), errWant, errGot)
		}
	}
}

// FuzzDecoderMatchesEncodingJSON: decodeRequest accepts exactly what encoding/json.Unmarshal
// accepts into an openrtb2.BidRequest, and gives the same value (reflect.DeepEqual: nil and
// empty slices apart, ext bytes and all). Seeds: the edge cases above, the request fixtures and
// the handler's fuzz corpus.
func FuzzDecoderMatchesEncodingJSON(f *testing.F) {
	for _, s := range decoderEdgeCases {
		f.Add([]byte(s))
	}
	for _, s := range []string{webVideoReq, interstitialReq, bannerDealReq, dynamicPodReq, gdpr25Req} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/*.json")
	shapes, _ := filepath.Glob("testdata/loadtest/*.json")
	corpus, _ := filepath.Glob("testdata/fuzz/FuzzHandleBid/*")
	for _, p := range append(append(files, shapes...), corpus...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if strings.HasPrefix(string(b), "go test fuzz v1\n") {
			lit := strings.TrimSpace(strings.TrimPrefix(string(b), "go test fuzz v1\n"))
			lit = strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")")
			s, err := strconv.Unquote(lit)
			if err != nil {
				f.Fatalf("%s: %v", p, err)
			}
			b = []byte(s)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want, got openrtb2.BidRequest
		errWant := json.Unmarshal(body, &want)
		errGot := decodeRequest(body, &got)
		for i := range body {
			body[i] = 'X' // the caller may reuse the body: nothing decoded may point into it
		}
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("encoding/json: %v; decodeRequest: %v; input %q", errWant, errGot, body)
		}
		if errWant == nil && !reflect.DeepEqual(want, got) {
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(got)
			t.Fatalf("values differ for %q\nencoding/json: %s\ndecodeRequest: %s", body, w, g)
		}
	})
}

// FuzzParseInt: parseInt is strconv.ParseInt(s, 10, 64).
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-0", "7", "-128", "999999999999999999", "-999999999999999999", "9223372036854775807",
		"-9223372036854775808", "9223372036854775808", "1.5", "1e2", "-", "", "+1", "1_0", "00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, errWant := strconv.ParseInt(s, 10, 64)
		got, errGot := parseInt(s)
		if (errWant == nil) != (errGot == nil) || errWant == nil && got != want {
			t.Fatalf("%q: strconv %d, %v; parseInt %d, %v", s, want, errWant, got, errGot)
		}
	})
}

// FuzzSpecialByte: specialByte never misses a quote, backslash, control or non-ASCII byte.
func FuzzSpecialByte(f *testing.F) {
	f.Add(uint64(0x4141414141414141))
	f.Add(uint64(0x2241414141414141))
	f.Add(uint64(0x41414141414141ff))
	f.Fuzz(func(t *testing.T, x uint64) {
		want := false
		for i := range 8 {
			c := byte(x >> (8 * i))
			want = want || c == '"' || c == '\\' || c < 0x20 || c >= 0x80
		}
		if want && !specialByte(x) {
			t.Fatalf("%#016x: specialByte missed it", x)
		}
	})
}

// TestSpecialByteEveryByte: every byte value at every position of an otherwise plain word.
func TestSpecialByteEveryByte(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			x := uint64(0x4141414141414141)&^(0xff<<(8*pos)) | uint64(c)<<(8*pos)
			want := c == '"' || c == '\\' || c < 0x20 || c >= 0x80
			if specialByte(x) != want {
				t.Fatalf("byte %#02x at %d: specialByte %v", c, pos, !want)
			}
		}
	}
}
