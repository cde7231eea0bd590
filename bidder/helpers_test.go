package bidder

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prebid/openrtb/v20/openrtb2"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

// recorder is an Emitter that keeps events (the producer's contract: Emit never blocks).
type recorder struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *recorder) Emit(e events.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
}

func (r *recorder) count(pred func(events.Event) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.evs {
		if pred(e) {
			n++
		}
	}
	return n
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.NoticeKey = bytes.Repeat([]byte{7}, 32)
	cfg.CampaignRefresh = 0
	cfg.FX = map[string]float64{"USD": 1, "EUR": 1.1}
	cfg.PublicURL = "http://bidder.test"
	return cfg
}

// newTestBidder returns a bidder over an in-memory store holding cs, loaded.
func newTestBidder(t testing.TB, cfg Config, deps Deps, cs ...*Campaign) *Bidder {
	t.Helper()
	if deps.Store == nil {
		deps.Store = NewMemoryStore()
	}
	for _, c := range cs {
		if err := deps.Store.Put(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	b, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	// Tests assert decisions, not speed: under -race on a busy machine a decision may take
	// longer than a fixture's tmax. The deadline tests set slack back to zero.
	b.slack = time.Minute
	if err := b.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitLeases(b, cs)
	return b
}

// waitLeases waits until every campaign holds a budget lease (Prime is synchronous; this
// only guards against a lease extension still in flight).
func waitLeases(b *Bidder, cs []*Campaign) {
	for _, c := range cs {
		a := b.pacer.account(c.ID)
		for i := 0; i < 1000 && a.leasing.Load(); i++ {
			time.Sleep(time.Millisecond)
		}
	}
}

// serve runs the bidder on a loopback port until the test ends and returns its base URL.
func serve(t *testing.T, b *Bidder, adminToken string) string {
	t.Helper()
	srv := server.New("bidder-test", "127.0.0.1:0", server.WithAdminToken(adminToken))
	if err := b.Mount(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://" + srv.Addr()
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return base
}

type httpResult struct {
	code   int
	header http.Header
	body   []byte
}

func post(t *testing.T, url string, body []byte, gz bool) httpResult {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(body)
		zw.Close()
		rd = &z
	}
	req, _ := http.NewRequest("POST", url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Openrtb-Version", "2.6")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Accept-Encoding", "gzip")
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("gzip response: %v", err)
		}
		raw, _ = io.ReadAll(zr)
	}
	return httpResult{resp.StatusCode, resp.Header, raw}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func decodeResponse(t *testing.T, raw []byte) *openrtb2.BidResponse {
	t.Helper()
	var r openrtb2.BidResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("bid response is not valid JSON: %v\n%s", err, raw)
	}
	return &r
}

func allBids(r *openrtb2.BidResponse) []openrtb2.Bid {
	var out []openrtb2.Bid
	for _, sb := range r.SeatBid {
		out = append(out, sb.Bid...)
	}
	return out
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vastXSD is the IAB VAST 4.2 schema in the shared standards folder beside the repository.
const vastXSD = "../../shared/standards/vast_4.2.xsd"

// validateVAST checks a VAST document against the IAB XSD with xmllint.
func validateVAST(t *testing.T, doc string) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed (apt-get install libxml2-utils)")
	}
	if _, err := os.Stat(vastXSD); err != nil {
		t.Skipf("VAST XSD not found at %s", vastXSD)
	}
	f := filepath.Join(t.TempDir(), "adm.xml")
	if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", vastXSD, f).CombinedOutput()
	if err != nil {
		t.Fatalf("VAST does not validate against the 4.2 XSD: %v\n%s\n%s", err, out, doc)
	}
	if !strings.Contains(string(out), "validates") {
		t.Fatalf("xmllint: %s", out)
	}
}
