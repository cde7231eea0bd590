package catalog_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/adserver/condition"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// fakeCond records submissions; tests finish jobs by hand.
type fakeCond struct {
	mu   sync.Mutex
	jobs []condition.Job
	fp   string
}

func (f *fakeCond) Submit(j condition.Job) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, j)
	return true
}
func (f *fakeCond) Fingerprint() string { return f.fp }
func (f *fakeCond) Ladder() *condition.Ladder {
	l := condition.DefaultLadder()
	return &l
}
func (f *fakeCond) Jobs() []condition.Progress { return nil }

func (f *fakeCond) submitted() []condition.Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]condition.Job(nil), f.jobs...)
}

func ref(uaid, url string, dur time.Duration) catalog.Ref {
	r := catalog.Ref{Mezzanine: vast.MediaFile{URL: url, Type: "video/mp4", Width: 1920, Height: 1080}, Duration: dur, Source: "bidder:x"}
	if uaid != "" {
		r.UniversalAdID = vast.UniversalAdID{Registry: "ad-id.org", Value: uaid}
	}
	return r
}

func TestResolveQueuesThenServes(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	fc := &fakeCond{fp: "fp1"}
	store := catalog.NewMemoryStore()
	c := catalog.New(store, fc, catalog.Options{MediaURL: "http://ads.example/media/", Now: func() time.Time { return now }})
	t.Cleanup(func() { _ = c.Close(context.Background()) })

	if _, st := c.Resolve(ref("", "", 15*time.Second)); st != catalog.StatusNoMezzanine {
		t.Fatalf("no mezzanine: %v", st)
	}
	r := ref("CNPT0001000H", "https://cdn.example/a.mp4", 15*time.Second)
	if _, st := c.Resolve(r); st != catalog.StatusPending {
		t.Fatalf("first sight: %v", st)
	}
	// The same creative under another URL, and the same URL again: one creative, one job.
	c.Resolve(ref("CNPT0001000H", "https://other.example/a.mp4", 15*time.Second))
	c.Resolve(r)
	jobs := fc.submitted()
	id := catalog.IDFor(&r)
	for _, j := range jobs {
		if j.Key != id || j.Duration != 15*time.Second {
			t.Fatalf("jobs %+v", jobs)
		}
	}
	c.Done(jobs[0], condition.Output{Key: id, MediaHash: strings.Repeat("ab", 32), Ladder: "fp1", Duration: 15 * time.Second,
		Renditions: []condition.RenditionFiles{{Rendition: condition.DefaultLadder().Renditions[1], Playlist: "ads/abab/fp1/720p/index.m3u8"}},
		Master:     "ads/abab/fp1/master.m3u8", Source: "ads/abab/source.mp4", SourceSize: 1234, Width: 1920, Height: 1080}, nil)
	m, st := c.Resolve(r)
	if st != catalog.StatusReady || m.Duration != 15*time.Second || len(m.Renditions) != 1 ||
		m.Renditions[0].URL != "http://ads.example/media/ads/abab/fp1/720p/index.m3u8" || m.Renditions[0].Codec != "avc1.64001F,mp4a.40.2" ||
		m.Master.URL != "http://ads.example/media/ads/abab/fp1/master.m3u8" || m.Mezzanine.URL != "http://ads.example/media/ads/abab/source.mp4" ||
		m.UniversalAdID.Value != "CNPT0001000H" {
		t.Fatalf("ready: %v %+v", st, m)
	}
	// Durable: a new catalog on the same store serves it at once.
	c2 := catalog.New(store, fc, catalog.Options{MediaURL: "http://ads.example/media"})
	t.Cleanup(func() { _ = c2.Close(context.Background()) })
	_ = c.Close(context.Background()) // flush the write-behind
	if err := c2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, st := c2.Resolve(r); st != catalog.StatusReady {
		t.Fatalf("after reload: %v", st)
	}
	// A ladder change makes it pending (and queued) again.
	fc.fp = "fp2"
	c3 := catalog.New(store, fc, catalog.Options{})
	t.Cleanup(func() { _ = c3.Close(context.Background()) })
	_ = c3.Load(context.Background())
	if _, st := c3.Resolve(r); st != catalog.StatusPending {
		t.Fatalf("after a ladder change: %v", st)
	}
}

func TestFailedCreativesAreRetriedLater(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	fc := &fakeCond{fp: "fp"}
	c := catalog.New(catalog.NewMemoryStore(), fc, catalog.Options{RetryAfter: time.Minute, Now: func() time.Time { return now }})
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	r := ref("X", "https://cdn.example/x.mp4", 10*time.Second)
	c.Resolve(r)
	c.Done(fc.submitted()[0], condition.Output{}, io.ErrUnexpectedEOF)
	if _, st := c.Resolve(r); st != catalog.StatusFailed {
		t.Fatalf("just failed: %v", st)
	}
	n := len(fc.submitted())
	now = now.Add(2 * time.Minute)
	if _, st := c.Resolve(r); st != catalog.StatusPending || len(fc.submitted()) != n+1 {
		t.Fatalf("after RetryAfter: %v, %d jobs", st, len(fc.submitted()))
	}
}

// TestConditionAndServeRealCreative: a creative registered through the admin API is made by
// ffmpeg, conditioned, and its renditions are served by the media handler.
func TestConditionAndServeRealCreative(t *testing.T) {
	tl, err := condition.FindTools()
	if err != nil {
		t.Skip(err)
	}
	root := t.TempDir()
	if err := tl.MakeSlate(context.Background(), filepath.Join(root, "demo", "ad1.mp4"), "AD 1", condition.SlateColors[1], 2*time.Second, 320, 180); err != nil {
		t.Fatal(err)
	}
	srv := server.New("adserver", "127.0.0.1:0", server.WithAdminToken(strings.Repeat("t", 32)))
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + srv.Addr()
	var c *catalog.Catalog
	ready := make(chan error, 1)
	lad := condition.Ladder{Name: "t", Container: "ts", SegmentSeconds: 1, Renditions: []condition.Rendition{
		{Name: "90p", Codec: "h264", Profile: "main", Level: "3.0", Width: 160, Height: 90, FPS: 25, VideoKbps: 150, AudioCodec: "aac", AudioKbps: 64, AudioChannels: 2, AudioSampleRate: 48000}}}
	cond, err := condition.New(condition.Options{Root: root, Ladder: lad, Tools: tl,
		Fetch:  safehttp.NewClient(safehttp.NewGuard(safehttp.MustPrefixes("127.0.0.0/8")), safehttp.Options{}),
		OnDone: func(j condition.Job, o condition.Output, err error) { c.Done(j, o, err); ready <- err }})
	if err != nil {
		t.Fatal(err)
	}
	c = catalog.New(catalog.NewMemoryStore(), cond, catalog.Options{MediaURL: base + "/media", Log: logging.Discard})
	c.Mount(srv, root)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, logging.Discard, srv) }()
	t.Cleanup(func() { cancel(); <-done; _ = cond.Close(context.Background()); _ = c.Close(context.Background()) })

	do := func(method, path, body string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if auth {
			req.Header.Set("Authorization", "Bearer "+strings.Repeat("t", 32))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := do("GET", "/v1/creatives", "", false); code != 401 {
		t.Fatalf("admin API without the token: %d", code)
	}
	code, body := do("PUT", "/v1/creatives/demo-1", `{"mezzanine_url":"`+base+`/media/demo/ad1.mp4","duration_ms":2000,"uaid_registry":"cuepoint","uaid":"demo-1","title":"AD 1"}`, true)
	if code != 202 || !strings.Contains(body, `"status": "pending"`) {
		t.Fatalf("PUT creative: %d %s", code, body)
	}
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	m, st := c.Media("demo-1")
	if st != catalog.StatusReady || len(m.Renditions) != 1 || m.Duration != 2*time.Second {
		t.Fatalf("media %v %+v", st, m)
	}
	resp, err := http.Get(m.Renditions[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	pl, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" || !strings.Contains(string(pl), "seg_00000.ts") {
		t.Fatalf("playlist: %d %s\n%s", resp.StatusCode, resp.Header, pl)
	}
	seg := strings.TrimSuffix(m.Renditions[0].URL, "index.m3u8") + "seg_00000.ts"
	if resp, err := http.Get(seg); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp2t" {
		t.Fatalf("segment: %v %v", resp, err)
	}
	for _, bad := range []string{"/media/../../etc/passwd", "/media/ads/.incoming/x", "/media/other/x", "/media/ads/"} {
		if code, _ := do("GET", bad, "", false); code != 404 && code != 403 {
			t.Errorf("GET %s: %d", bad, code)
		}
	}
	if code, body := do("GET", "/v1/conditioning", "", true); code != 200 || !strings.Contains(body, `"ready": 1`) {
		t.Errorf("conditioning: %d %s", code, body)
	}
	code, body = do("PUT", "/v1/lineitems/house-1", `{"name":"Promo","kind":"house","adomain":"cuepoint.example","creative_id":"demo-1"}`, true)
	if code != 200 || len(c.LineItems()) != 1 {
		t.Fatalf("PUT line item: %d %s", code, body)
	}
	if code, _ := do("PUT", "/v1/lineitems/bad", `{"kind":"direct","creative_id":"demo-1"}`, true); code != 400 {
		t.Errorf("direct line item without a CPM: %d", code)
	}
	if code, _ := do("DELETE", "/v1/lineitems/house-1", "", true); code != 204 || len(c.LineItems()) != 0 {
		t.Errorf("DELETE line item: %d", code)
	}
	if code, _ := do("DELETE", "/v1/creatives/demo-1", "", true); code != 204 {
		t.Errorf("DELETE creative: %d", code)
	}
	if _, err := os.Stat(filepath.Join(root, "ads")); err != nil {
		t.Fatal(err)
	}
}

// TestCassandraStore runs the store against a real Cassandra (stacktest).
func TestCassandraStore(t *testing.T) {
	hosts := stacktest.Cassandra(t)
	s, err := openCassandra(hosts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ks := "cuepoint_adserver_test"
	ctx := context.Background()
	if _, err := catalog.Migrate(ctx, s, ks, ""); err != nil {
		t.Fatal(err)
	}
	if applied, err := catalog.Migrate(ctx, s, ks, ""); err != nil || len(applied) != 0 {
		t.Fatalf("second migration: %v %v", applied, err)
	}
	st, err := catalog.NewCassandraStore(s, ks)
	if err != nil {
		t.Fatal(err)
	}
	cr := &catalog.Creative{ID: "c-1", MezzanineURL: "https://cdn.example/1.mp4", DurationMS: 15000, UAIDRegistry: "ad-id.org", UAIDValue: "X1",
		Status: "ready", MediaHash: "ab", Renditions: []condition.RenditionFiles{{Rendition: condition.DefaultLadder().Renditions[0], Playlist: "ads/ab/fp/1080p/index.m3u8"}},
		Created: time.Now().UTC().Truncate(time.Millisecond), Updated: time.Now().UTC().Truncate(time.Millisecond)}
	if err := st.PutCreative(ctx, cr); err != nil {
		t.Fatal(err)
	}
	li := &catalog.LineItem{ID: "li-1", Name: "x", Kind: catalog.KindDirect, CPMMicros: 5_000_000, CreativeID: "c-1"}
	if err := st.PutLineItem(ctx, li); err != nil {
		t.Fatal(err)
	}
	cs, err := st.ListCreatives(ctx)
	if err != nil || len(cs) != 1 || cs[0].UAIDValue != "X1" || len(cs[0].Renditions) != 1 || cs[0].Renditions[0].Width != 1920 {
		t.Fatalf("creatives %+v %v", cs, err)
	}
	ls, err := st.ListLineItems(ctx)
	if err != nil || len(ls) != 1 || ls[0].CPMMicros != 5_000_000 {
		t.Fatalf("line items %+v %v", ls, err)
	}
	if err := st.DeleteCreative(ctx, "c-1"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteLineItem(ctx, "li-1"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := st.ListCreatives(ctx); len(cs) != 0 {
		t.Fatalf("after delete: %+v", cs)
	}
}
