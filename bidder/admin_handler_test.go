package bidder

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAdminAPI(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	b := newTestBidder(t, testConfig(), Deps{}, bannerCampaign("existing", 2_000_000))
	base := serve(t, b, token)
	do := func(method, path, body, tok string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	if code, _ := do("GET", "/v1/campaigns", "", ""); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := do("GET", "/v1/campaigns/existing", "", "wrong-token-wrong-token-wrong-tok"); code != 401 {
		t.Errorf("wrong token: %d, want 401", code)
	}
	if code, body := do("GET", "/v1/campaigns/existing", "", token); code != 200 || !strings.Contains(body, `"base_cpm_micros": 2000000`) {
		t.Errorf("get: %d %s", code, body)
	}
	if code, _ := do("GET", "/v1/campaigns/nope", "", token); code != 404 {
		t.Errorf("get unknown: %d, want 404", code)
	}

	// A new campaign: refused while invalid (every problem listed, unknown fields refused),
	// live for bidding as soon as PUT answers.
	c := bannerCampaign("fresh", 9_000_000)
	c.Creatives[0].W, c.Creatives[0].H = 970, 250
	doc, _ := json.Marshal(c)
	if code, body := do("PUT", "/v1/campaigns/fresh", `{"id":"fresh","base_cpm_micros":-1}`, token); code != 400 ||
		!strings.Contains(body, "adomain") || !strings.Contains(body, "base_cpm_micros") || !strings.Contains(body, "creatives") {
		t.Errorf("invalid put: %d %s", code, body)
	}
	if code, body := do("PUT", "/v1/campaigns/fresh", strings.Replace(string(doc), `"id"`, `"bogus":1,"id"`, 1), token); code != 400 || !strings.Contains(body, "bogus") {
		t.Errorf("unknown field: %d %s", code, body)
	}
	if code, _ := do("PUT", "/v1/campaigns/other", string(doc), token); code != 400 {
		t.Errorf("id mismatch: %d, want 400", code)
	}
	if code, body := do("PUT", "/v1/campaigns/fresh", string(doc), token); code != 200 {
		t.Fatalf("put: %d %s", code, body)
	}
	req := `{"id":"r","imp":[{"id":"1","banner":{"w":970,"h":250}}]}`
	r := post(t, base+"/openrtb2/bid", []byte(req), false)
	if r.code != 200 || !bytes.Contains(r.body, []byte(`"cid":"fresh"`)) {
		t.Fatalf("the new campaign does not bid: %d %s", r.code, r.body)
	}
	if code, _ := do("DELETE", "/v1/campaigns/fresh", "", token); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if r := post(t, base+"/openrtb2/bid", []byte(req), false); r.code != 204 {
		t.Errorf("a deleted campaign still bids: %d", r.code)
	}
	if code, body := do("GET", "/v1/pacing/existing", "", token); code != 200 || !strings.Contains(body, "committed_micros") {
		t.Errorf("pacing: %d %s", code, body)
	}
}
