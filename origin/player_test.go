package origin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/collector"
	"github.com/cuepoint/cuepoint/analytics/events"
)

var playerSecret = []byte("0123456789abcdef0123456789abcdef")

func playerSender() collector.Sender {
	return collector.Sender{ID: "web-player", Secrets: [][]byte{playerSecret}, Families: []events.Family{events.FamilyPlayback, events.FamilyRecs}}
}

type playerConfigBody struct {
	SSAI, Recs, Collector, Token, TokenExpires, TokenError string
}

// getPlayerConfig fetches /player/config.json, as the page on host (empty: the origin's
// address) would, with the other headers given.
func getPlayerConfig(t *testing.T, to *testOrigin, host string, header ...string) playerConfigBody {
	t.Helper()
	req, err := http.NewRequest("GET", to.base+"/player/config.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := string(raw)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("config.json: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	var c playerConfigBody
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("config.json: %v: %s", err, body)
	}
	return c
}

// checkToken verifies a token as the collector does (docs in analytics/collector): the MAC with
// the sender's secret, and returns its payload.
func checkToken(t *testing.T, tok string) (sender, origin string, expiry time.Time) {
	t.Helper()
	p, sig, ok := strings.Cut(tok, ".")
	raw, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("malformed token %q", tok)
	}
	m := hmac.New(sha256.New, playerSecret)
	m.Write([]byte("cuepoint-token-v1\n" + p))
	if !hmac.Equal(m.Sum(nil), mac) {
		t.Fatalf("token %q is not MACed with the sender's secret", tok)
	}
	var pl struct {
		S, O string
		E    int64
	}
	if err := json.Unmarshal(raw, &pl); err != nil {
		t.Fatal(err)
	}
	return pl.S, pl.O, time.Unix(pl.E, 0)
}

func TestPlayerConfig(t *testing.T) {
	root := t.TempDir()
	// Without a player config the page learns nothing and plays the origin's own playlists.
	bare := startOrigin(t, Config{MediaRoot: root})
	if c := getPlayerConfig(t, bare, ""); c != (playerConfigBody{}) {
		t.Fatalf("no player config: %+v", c)
	}

	to := startOrigin(t, Config{MediaRoot: root, Player: &PlayerConfig{
		SSAIURL: "http://127.0.0.1:8083", RecsURL: "http://127.0.0.1:8085", CollectorURL: "http://127.0.0.1:8088",
		Sender: playerSender(), TokenTTL: 10 * time.Minute,
	}})
	c := getPlayerConfig(t, to, "")
	if c.SSAI != "http://127.0.0.1:8083" || c.Recs != "http://127.0.0.1:8085" || c.Collector != "http://127.0.0.1:8088" || c.TokenError != "" {
		t.Fatalf("config: %+v", c)
	}
	sender, origin, exp := checkToken(t, c.Token)
	if sender != "web-player" || origin != to.base {
		t.Fatalf("token for %s from %s, want web-player from %s", sender, origin, to.base)
	}
	if d := time.Until(exp); d <= 0 || d > 10*time.Minute+time.Second {
		t.Fatalf("token expires in %s, want about 10m", d)
	}
	if e, err := time.Parse(time.RFC3339, c.TokenExpires); err != nil || !e.Equal(exp) {
		t.Fatalf("tokenExpires %q, token says %s", c.TokenExpires, exp)
	}
	// Each page view gets its own token; behind a TLS proxy the page's origin is https.
	c2 := getPlayerConfig(t, to, "player.example", "X-Forwarded-Proto", "https")
	if _, origin, _ := checkToken(t, c2.Token); origin != "https://player.example" {
		t.Fatalf("token behind a TLS proxy for %s", origin)
	}

	// With page origins listed, other hosts get no token and a reason.
	listed := startOrigin(t, Config{MediaRoot: root, Player: &PlayerConfig{
		CollectorURL: "http://127.0.0.1:8088", Sender: playerSender(), PageOrigins: []string{"https://tv.example"},
	}})
	if c := getPlayerConfig(t, listed, ""); c.Token != "" || !strings.Contains(c.TokenError, "https://tv.example") {
		t.Fatalf("unlisted page origin: %+v", c)
	}
	if c := getPlayerConfig(t, listed, "tv.example", "X-Forwarded-Proto", "https"); c.Token == "" || c.TokenError != "" {
		t.Fatalf("listed page origin: %+v", c)
	}
}

func TestPlayerConfigRefusesBadSettings(t *testing.T) {
	for _, p := range []PlayerConfig{
		{SSAIURL: "127.0.0.1:8083"},
		{RecsURL: "http://127.0.0.1:8085/"},
		{SSAIURL: "ftp://x"},
		{CollectorURL: "http://127.0.0.1:8088"}, // no sender
		{CollectorURL: "http://127.0.0.1:8088", Sender: collector.Sender{ID: "p", Secrets: [][]byte{[]byte("short")}}},
		{CollectorURL: "http://127.0.0.1:8088", Sender: playerSender(), TokenTTL: 5 * time.Hour},
		{PageOrigins: []string{"https://tv.example/player/"}},
	} {
		if _, err := New(Config{MediaRoot: t.TempDir(), Player: &p}); err == nil {
			t.Errorf("%+v: accepted", p)
		}
	}
}
