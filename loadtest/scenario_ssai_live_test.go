package loadtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestSSAILive: the scenario starts the sessions while it is built and then asks for each
// session's media playlists (video variants and the audio rendition), nothing else.
func TestSSAILive(t *testing.T) {
	var started atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/v1/sessions":
			n := started.Add(1)
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"manifestUrl":"http://%s/ssai/ch/s/tok%d/master.m3u8"}`, r.Host, n)
		case strings.HasSuffix(r.URL.Path, "/master.m3u8"):
			fmt.Fprint(w, "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"2.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO=\"a\"\n0.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2,AUDIO=\"a\"\n1.m3u8\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	s, err := Build("ssai-live", srv.URL, Options{SSAISources: []string{"ch"}, LiveSessions: 10})
	if err != nil {
		t.Fatal(err)
	}
	if started.Load() != 10 || len(s.Requests) != 30 {
		t.Fatalf("%d sessions, %d requests; want 10 sessions of 3 playlists", started.Load(), len(s.Requests))
	}
	for _, r := range s.Requests {
		if r.Method != "GET" || !strings.Contains(r.URI, "/ssai/ch/s/tok") || !strings.HasSuffix(r.URI, ".m3u8") || strings.HasSuffix(r.URI, "master.m3u8") {
			t.Errorf("request %s %s", r.Method, r.URI)
		}
	}
	srv.Close()
	if _, err := Build("ssai-live", srv.URL, Options{LiveSessions: 1}); err == nil {
		t.Error("no error when the sessions cannot start")
	}
}
