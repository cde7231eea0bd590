package loadtest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

type nopPlayer struct{}

func (nopPlayer) Play(string, time.Time) error { return nil }

func TestPlayerSessions(t *testing.T) {
	if _, err := PlayerSessions("http://127.0.0.1:8083", Options{}, EntrySessions); err == nil {
		t.Error("no Player: no error")
	}
	if _, err := PlayerSessions("http://127.0.0.1:8083", Options{Player: nopPlayer{}}, "both"); err == nil {
		t.Error("bad entry: no error")
	}
	s, err := PlayerSessions("http://127.0.0.1:8083/", Options{Player: nopPlayer{}, Pool: 10, SSAISources: []string{"demo", "demo-cue-out"}}, EntrySessions)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.validate(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, r := range s.Requests {
		u, err := url.Parse(r.URI)
		if err != nil || u.Path != "/v1/sessions" {
			t.Fatalf("%d: %s", i, r.URI)
		}
		q := u.Query()
		if want := []string{"demo", "demo-cue-out"}[i%2]; q.Get("source") != want {
			t.Errorf("%d: source %s, want %s", i, q.Get("source"), want)
		}
		if seen[q.Get("uid")] {
			t.Errorf("%d: uid %s repeated: every session is a new viewer", i, q.Get("uid"))
		}
		seen[q.Get("uid")] = true
	}
	m, err := PlayerSessions("http://127.0.0.1:8083", Options{Player: nopPlayer{}, Pool: 2}, EntryMaster)
	if err != nil || !strings.HasPrefix(m.Requests[0].URI, "http://127.0.0.1:8083/ssai/demo/master.m3u8?uid=") {
		t.Fatalf("%v %+v", err, m)
	}
}
