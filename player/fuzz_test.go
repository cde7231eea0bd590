package player

import (
	"net/url"
	"testing"
)

// FuzzParseTracking: any tracking JSON is parsed or refused with an error, never a panic, and
// what is accepted can be placed on a timeline.
func FuzzParseTracking(f *testing.F) {
	f.Add([]byte(`{"avails":[{"id":"b1","startTime":0,"duration":14,"ads":[{"id":"x","sequence":1,"startTime":0,"duration":6,"trackingEvents":[{"event":"impression","offset":0,"urls":["https://a.example/i"]}]}]}]}`))
	f.Add([]byte(`{"avails":[{"id":"b1","startTime":12.5,"duration":30,"programDateTime":"2026-11-22T12:00:00.000Z","ads":[]}]}`))
	f.Add([]byte(`{"avails":[{"startTime":-1}]}`))
	f.Add([]byte(`{"avails":[{"ads":[{"trackingEvents":[{"urls":["javascript:alert(1)"]}]}]}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseTracking(b)
		if err != nil {
			return
		}
		an := &anchor{}
		for _, live := range []bool{false, true} {
			for _, d := range schedule(nil, tr, live, an, map[string]bool{}) {
				for _, u := range d.urls {
					if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") {
						t.Fatalf("accepted beacon URL %q", u)
					}
				}
			}
		}
	})
}

// FuzzParseSessionResponse: a POST /v1/sessions answer is read or refused, never a panic; an
// accepted one has an absolute http(s) manifest URL.
func FuzzParseSessionResponse(f *testing.F) {
	f.Add([]byte(`{"session":"abc","manifestUrl":"http://127.0.0.1:8083/ssai/demo/s/abc/master.m3u8","trackingUrl":"http://127.0.0.1:8083/ssai/demo/s/abc/tracking.json"}`))
	f.Add([]byte(`{"session":"abc","manifestUrl":"/relative"}`))
	f.Add([]byte(`{"manifestUrl":"http://h/m.m3u8","trackingUrl":"ftp://h/t"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSessionResponse(b)
		if err != nil {
			return
		}
		u, err := url.Parse(s.ManifestURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("accepted manifest URL %q", s.ManifestURL)
		}
	})
}
