package featurestore

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

const testToken = "0123456789abcdef0123456789abcdef"

// serveAPI runs the API of s on a loopback port until the test ends.
func serveAPI(t *testing.T, s *Store) string {
	t.Helper()
	srv := server.New("featurestore-test", "127.0.0.1:0", server.WithAdminToken(testToken))
	NewAPI(s).Mount(srv)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + srv.Addr()
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type apiEntity struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Views  map[string]struct {
		Present   bool           `json:"present"`
		EventTime time.Time      `json:"event_time"`
		Features  map[string]any `json:"features"`
	} `json:"views"`
}

func TestAPIRoundTrip(t *testing.T) {
	s, _ := memStore(t)
	base := serveAPI(t, s)

	code, body := call(t, "PUT", base+"/v1/features/user/u%201/recent", testToken,
		`{"items":["i3","i\"2"],"watch_count":2,"last_watch_ms":1700000000000}`)
	if code != 204 {
		t.Fatalf("PUT = %d %s", code, body)
	}
	code, body = call(t, "GET", base+"/v1/features/user/u%201?views=recent,profile", "", "")
	if code != 200 {
		t.Fatalf("GET = %d %s", code, body)
	}
	var e apiEntity
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	r := e.Views["recent"]
	if e.ID != "u 1" || e.Status != "found" || !r.Present || r.Features["watch_count"] != float64(2) {
		t.Fatalf("GET body %s", body)
	}
	if items := r.Features["items"].([]any); len(items) != 2 || items[1] != `i"2` {
		t.Fatalf("items %v", items)
	}
	if p := e.Views["profile"]; p.Present || p.Features["ad_tolerance"] != 0.5 || len(p.Features["embedding"].([]any)) != EmbeddingDim {
		t.Fatalf("absent profile should carry defaults: %s", body)
	}

	code, body = call(t, "POST", base+"/v1/features:batchGet", "",
		`{"entity_type":"user","ids":["nobody","u 1"],"views":["recent"]}`)
	if code != 200 {
		t.Fatalf("batchGet = %d %s", code, body)
	}
	var batch struct{ Entities []apiEntity }
	if err := json.Unmarshal([]byte(body), &batch); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(batch.Entities) != 2 || batch.Entities[0].ID != "nobody" || batch.Entities[0].Status != "not_found" ||
		batch.Entities[1].ID != "u 1" || batch.Entities[1].Status != "found" {
		t.Fatalf("batchGet body %s", body)
	}

	if code, body = call(t, "DELETE", base+"/v1/features/user/u%201/recent", testToken, ""); code != 204 {
		t.Fatalf("DELETE = %d %s", code, body)
	}
	if _, body = call(t, "GET", base+"/v1/features/user/u%201?views=recent", "", ""); !strings.Contains(body, `"status":"not_found"`) {
		t.Fatalf("after DELETE: %s", body)
	}
}

func TestAPIRejects(t *testing.T) {
	s, _ := memStore(t, func(c *Config) { c.MaxBatch = 2 })
	base := serveAPI(t, s)
	cases := []struct {
		method, path, token, body string
		code                      int
		reason                    string
	}{
		{"PUT", "/v1/features/user/u1/recent", "", `{"watch_count":1}`, 401, "admin token"},
		{"DELETE", "/v1/features/user/u1/recent", "", ``, 401, "admin token"},
		{"PUT", "/v1/features/user/u1/recent", "wrong-token-wrong-token-wrong-token", `{}`, 401, "rejected"},
		{"PUT", "/v1/features/user/u1/recent", testToken, `{"watch_count":"many"}`, 400, "watch_count"},
		{"PUT", "/v1/features/user/u1/recent", testToken, `{"watch_count":1.5}`, 400, "integer"},
		{"PUT", "/v1/features/user/u1/recent", testToken, `{"shoe_size":1}`, 400, "shoe_size"},
		{"PUT", "/v1/features/user/u1/profile", testToken, `{"embedding":[1,2]}`, 400, "32"},
		{"PUT", "/v1/features/planet/p1/recent", testToken, `{}`, 400, "unknown entity type"},
		{"PUT", "/v1/features/user/u1/recent?event_time=yesterday", testToken, `{}`, 400, "event_time"},
		{"PUT", "/v1/features/user/u1/recent", testToken, `[1]`, 400, "JSON object"},
		{"GET", "/v1/features/user/u1?views=nope", "", ``, 400, "unknown view"},
		{"GET", "/v1/features/user/u1?timeout_ms=-1", "", ``, 400, "timeout_ms"},
		{"POST", "/v1/features:batchGet", "", `{"entity_type":"user","ids":["a","b","c"]}`, 400, "limit is 2"},
		{"POST", "/v1/features:batchGet", "", `{"entity_type":"user","ids":["a"],"view":["recent"]}`, 400, "unknown field"},
		{"POST", "/v1/features:batchGet", "", `{"entity_type":"user"}`, 400, "ids"},
		{"POST", "/v1/features:batchGet", "", `{"entity_type":"user","ids":[""]}`, 400, "entity id"},
		{"POST", "/v1/features:batchGet", "", `not json`, 400, "invalid"},
		{"GET", "/v1/features:batchGet", "", ``, 405, ""},
	}
	for _, c := range cases {
		code, body := call(t, c.method, base+c.path, c.token, c.body)
		if code != c.code || !strings.Contains(body, c.reason) {
			t.Errorf("%s %s %s = %d %s; want %d mentioning %q", c.method, c.path, c.body, code, body, c.code, c.reason)
		}
	}
}

func TestAPIRegistry(t *testing.T) {
	s, _ := memStore(t)
	base := serveAPI(t, s)
	code, body := call(t, "GET", base+"/v1/features:registry", "", "")
	var doc map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil || !strings.Contains(body, `"viewer_campaign"`) {
		t.Fatalf("registry = %d %s", code, body)
	}
}

// TestAPIViewerCampaignID: a (viewer, campaign) id travels in the path percent-encoded.
func TestAPIViewerCampaignID(t *testing.T) {
	s, _ := memStore(t)
	base := serveAPI(t, s)
	id := ViewerCampaignID("viewer-1", "camp-1")
	if err := s.Put(context.Background(), EntityViewerCampaign, id, ViewImpressions, Fields{"total": int64(3)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	code, body := call(t, "GET", base+"/v1/features/viewer_campaign/viewer-1%7Ccamp-1?views=impressions", "", "")
	var e apiEntity
	if err := json.Unmarshal([]byte(body), &e); code != 200 || err != nil {
		t.Fatalf("%d %s %v", code, body, err)
	}
	if e.ID != id || e.Views["impressions"].Features["total"] != float64(3) {
		t.Fatalf("%+v", e)
	}
}
