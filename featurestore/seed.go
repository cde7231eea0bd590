package featurestore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// SeedData names the demo entities `cuepoint dev` gives features to.
type SeedData struct {
	Viewers   []string
	Items     []string
	Campaigns []string
}

// DemoSeed is the demo data set: the viewers the player and load generator use, the demo
// catalogue, and the bidder's demo campaigns (bidder/seed.go).
func DemoSeed() SeedData {
	d := SeedData{Campaigns: []string{
		"ctv-streamco-launch", "ctv-autos-premium-deal", "ctv-snacks-primetime", "web-video-travel",
		"mobile-interstitial-game", "display-retail", "display-finance-deal", "display-sports-audience",
	}}
	for i := 1; i <= 20; i++ {
		d.Viewers = append(d.Viewers, fmt.Sprintf("viewer-%d", i))
	}
	for i := 1; i <= 40; i++ {
		d.Items = append(d.Items, fmt.Sprintf("item-%d", i))
	}
	return d
}

// seedTime is the event time of every seeded value. It is fixed, so seeding again writes the
// same cells (idempotent), and old, so any real write (a stream update, a load) wins over it.
var seedTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

var genres = []string{"drama", "comedy", "sports", "news", "documentary", "kids", "thriller", "reality"}

// Seed writes deterministic demo features for d: viewer profiles and recent watches, item
// metadata and popularity, device profiles, campaign statistics. It returns the values written.
func Seed(ctx context.Context, s *Store, d SeedData) (int, error) {
	rng := rand.New(rand.NewPCG(7, 11))
	emb := func() []float32 {
		v := make([]float32, EmbeddingDim)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * 0.3)
		}
		return v
	}
	n := 0
	put := func(entity, id, view string, f Fields) error {
		v, err := s.reg.View(entity, view)
		if err != nil {
			return err
		}
		value, err := v.Encode(f, nil)
		if err != nil {
			return fmt.Errorf("seed %s/%s/%s: %w", entity, id, view, err)
		}
		// A Cassandra that just started is slow for its first writes: retry as the loader does.
		if err := writeWithRetry(ctx, s, loadRow{view: v, id: id, event: seedTime, value: value}); err != nil {
			return fmt.Errorf("seed %s/%s/%s: %w", entity, id, view, err)
		}
		n++
		return nil
	}
	countries := []string{"US", "CA", "GB", "DE", "FR"}
	for i, v := range d.Viewers {
		if err := put(EntityUser, v, ViewProfile, Fields{
			"embedding": emb(), "country": countries[i%len(countries)], "tenure_days": int64(30 + rng.IntN(900)),
			"avg_session_min": 10 + rng.Float64()*50, "ad_tolerance": 0.3 + rng.Float64()*0.65,
		}); err != nil {
			return n, err
		}
		var recent []string
		for k := 0; k < 5 && len(d.Items) > 0; k++ {
			recent = append(recent, d.Items[(i*3+k*7)%len(d.Items)])
		}
		if err := put(EntityUser, v, ViewRecent, Fields{
			"items": dedupe(recent), "watch_count": int64(len(recent)), "last_watch_ms": seedTime.UnixMilli(),
		}); err != nil {
			return n, err
		}
	}
	for i, it := range d.Items {
		if err := put(EntityItem, it, ViewMeta, Fields{
			"embedding": emb(), "genre": genres[i%len(genres)], "duration_s": int64(600 + rng.IntN(6600)),
			"quality": 0.2 + rng.Float64()*0.8,
		}); err != nil {
			return n, err
		}
		if err := put(EntityItem, it, ViewPopularity, Fields{
			"score": float64(100 / (i + 1)), "as_of_ms": seedTime.UnixMilli(), "plays": int64(1000 / (i + 1)),
		}); err != nil {
			return n, err
		}
	}
	for i, c := range d.Campaigns {
		if err := put(EntityCampaign, c, ViewStats, Fields{
			"ctr": 0.001 + 0.002*float64(i%4), "vcr": 0.6 + 0.05*float64(i%5), "spend_micros": int64(0), "embedding": emb(),
		}); err != nil {
			return n, err
		}
	}
	screens := []string{"tv", "desktop", "tablet", "phone"}
	for i := range d.Viewers {
		if err := put(EntityDevice, fmt.Sprintf("device-%d", i+1), ViewProfile, Fields{
			"os": []string{"tvOS", "Android TV", "Roku", "webOS"}[i%4], "screen": screens[i%len(screens)],
			"bandwidth_kbps": int64(3000 + rng.IntN(20000)),
		}); err != nil {
			return n, err
		}
	}
	return n, nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
