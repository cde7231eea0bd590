package bidder

import (
	"context"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
)

// capsCases runs the same frequency-cap story against any Features+FrequencyCounters.
func capsStory(t *testing.T, f Features, counters FrequencyCounters) {
	t.Helper()
	c := bannerCampaign("capped", 3_000_000)
	c.FreqCap = &FreqCap{Max: 2, WindowHours: 2}
	clock := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	b := newTestBidder(t, testConfig(), Deps{Features: f, Counters: counters, Now: func() time.Time { return clock }}, c)
	req := `{"id":"r","user":{"id":"viewer-7"},"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`
	bid := func() bool { code, _, _ := call(t, b, req); return code == 200 }
	ctx := context.Background()
	if !bid() {
		t.Fatal("no bid before any impression")
	}
	counters.Increment(ctx, "viewer-7", "capped", clock.Add(-90*time.Minute)) // 09:00 hour
	counters.Increment(ctx, "viewer-7", "capped", clock)                      // 10:00 hour
	if bid() {
		t.Fatal("bid with 2 impressions in the 2-hour window and a cap of 2")
	}
	clock = clock.Add(time.Hour) // 11:30: the 09:00 impression left the window
	if !bid() {
		t.Fatal("no bid after the window moved past an impression")
	}
	// Another viewer is not affected; an anonymous request cannot be capped, so no bid.
	if code, _, _ := call(t, b, `{"id":"r","user":{"id":"viewer-8"},"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`); code != 200 {
		t.Error("another viewer was capped")
	}
	if code, _, _ := call(t, b, `{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250}}]}`); code != 204 {
		t.Error("a capped campaign bid for an unidentified viewer")
	}
}

func TestFrequencyCapsMemory(t *testing.T) {
	mv := NewMemoryViewers()
	capsStory(t, mv, mv)
}

func TestFrequencyCapsFeatureStore(t *testing.T) {
	st, err := featurestore.OpenMemory(featurestore.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs := NewFeatureStore(st)
	capsStory(t, fs, fs)

	// The profile's ad_tolerance is the viewer's completion rate.
	if err := st.Put(context.Background(), featurestore.EntityUser, "viewer-7", featurestore.ViewProfile,
		featurestore.Fields{"ad_tolerance": 0.9}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	var v ViewerFeatures
	if err := fs.Viewer(context.Background(), "viewer-7", &v); err != nil || !v.Found || v.Completion < 0.89 {
		t.Fatalf("viewer features %+v, %v", v, err)
	}
}

func TestWindowCount(t *testing.T) {
	vec := []float32{1, 0, 2, 3} // hours 7, 8, 9, 10
	for _, tc := range []struct {
		now    int64
		window int
		want   int64
	}{{10, 1, 3}, {10, 2, 5}, {10, 4, 6}, {11, 2, 3}, {14, 2, 0}, {9, 2, 2}} {
		if got := windowCount(vec, 10, tc.now, tc.window); got != tc.want {
			t.Errorf("now %d window %d: %d, want %d", tc.now, tc.window, got, tc.want)
		}
	}
}
