package adserver_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/adserver"
	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// capBidder bids for a.example (worth more) and b.example, each filling a 30 s break alone:
// the pod is a.example's ad until the viewer is capped on a.example.
func capBidder(t *testing.T) *auctiontest.Bidder {
	return auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{
		offer("a-30", "a.example", 20, 30), offer("b-30", "b.example", 10, 30),
	}})
}

// served asks e for a 30 s break for viewer, returns the creative served and, when impress,
// lands its impression beacon.
func served(t *testing.T, e *env, viewer string, impress bool) string {
	t.Helper()
	doc := e.vast(q("dur", "30", "uid", viewer))
	if len(doc.Ads) != 1 {
		t.Fatalf("%d ads, want 1", len(doc.Ads))
	}
	if impress {
		if code := e.hit(ours(e.base, impURLs(doc.Ads[0].InLine))); code != 204 {
			t.Fatalf("impression beacon: %d", code)
		}
	}
	return crids(doc)[0]
}

// TestFrequencyCapAcrossInstances: two adserver instances share a viewer's impressions through
// Cassandra (the real one, stacktest), so a cap of 2 holds across them although each has seen
// only one impression itself; an instance without the shared store does not know.
func TestFrequencyCapAcrossInstances(t *testing.T) {
	hosts := stacktest.Cassandra(t)
	s, err := db.OpenCassandra(hosts, db.CassandraOptions{Timeout: 20 * time.Second, Consistency: gocql.LocalQuorum})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ks := "cuepoint_adserver_freqtest"
	if _, err := catalog.Migrate(context.Background(), s, ks, ""); err != nil {
		t.Fatal(err)
	}
	store, err := adserver.NewCassandraFrequency(s, ks, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b := capBidder(t)
	cfg := testConfig(auction.Endpoint{Name: "b", URL: b.URL})
	cfg.FreqCap, cfg.FreqTimeout = 2, 5*time.Second // generous: a loaded machine must not degrade a healthy store
	one := startDeps(t, cfg, adserver.Deps{FrequencyStore: store})
	two := startDeps(t, cfg, adserver.Deps{FrequencyStore: store})
	alone := start(t, cfg)
	viewer := "viewer-" + time.Now().Format("150405.000000")

	if got := served(t, one, viewer, true); got != "a-30" {
		t.Fatalf("first break on instance one: %s", got)
	}
	if got := served(t, two, viewer, true); got != "a-30" {
		t.Fatalf("first break on instance two: %s", got)
	}
	// The impressions reach the store off the request path.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := store.Counts(context.Background(), viewer, time.Now())
		if err == nil && c["a.example"] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("shared counts %v (%v), want a.example: 2", c, err)
		}
	}
	for _, e := range []*env{one, two} {
		if got := served(t, e, viewer, false); got != "b-30" {
			t.Errorf("viewer capped on a.example across instances, but %s was served", got)
		}
	}
	if got := served(t, alone, viewer, false); got != "a-30" {
		t.Errorf("an instance without the shared store served %s: it cannot know the other instances' impressions", got)
	}

	// A replayed beacon counted by both instances is one impression (rows keyed by the ad
	// serving id).
	viewer2 := viewer + "-2"
	writes := metricValue(t, `cuepoint_adserver_freq_writes_total{result="ok"}`)
	doc := one.vast(q("dur", "30", "uid", viewer2))
	imp := ours(one.base, impURLs(doc.Ads[0].InLine))
	if code := one.hit(imp); code != 204 {
		t.Fatal(code)
	}
	if code, _ := two.get(imp[len(one.base):]); code != 204 {
		t.Fatalf("the same beacon on instance two: %d", code)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := store.Counts(context.Background(), viewer2, time.Now())
		if err == nil && c["a.example"] == 1 && metricValue(t, `cuepoint_adserver_freq_writes_total{result="ok"}`) >= writes+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("shared counts %v (%v), want a.example: 1", c, err)
		}
	}
	if c, _ := store.Counts(context.Background(), viewer2, time.Now()); c["a.example"] != 1 {
		t.Fatalf("one beacon counted by two instances: %v", c)
	}
}

// slowStore never answers before the decision gives up on it; failingStore fails.
type slowStore struct{}

func (slowStore) Counts(ctx context.Context, _ string, _ time.Time) (map[string]int, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (slowStore) Add(context.Context, string, string, string, time.Time) error { return nil }

type failingStore struct{}

func (failingStore) Counts(context.Context, string, time.Time) (map[string]int, error) {
	return nil, errors.New("no hosts available")
}
func (failingStore) Add(context.Context, string, string, string, time.Time) error {
	return errors.New("no hosts available")
}

// TestFrequencyStoreDegraded: with the shared store slow or down, breaks are still decided
// (not after the decision deadline: the wait is --freq-timeout) and the local counts still
// cap; the degraded decisions are counted.
func TestFrequencyStoreDegraded(t *testing.T) {
	for name, st := range map[string]adserver.FrequencyStore{"timeout": slowStore{}, "error": failingStore{}} {
		t.Run(name, func(t *testing.T) {
			b := capBidder(t)
			cfg := testConfig(auction.Endpoint{Name: "b", URL: b.URL})
			cfg.FreqCap, cfg.FreqTimeout = 1, 50*time.Millisecond
			e := startDeps(t, cfg, adserver.Deps{FrequencyStore: st})
			metric := `cuepoint_adserver_freq_degraded_total{reason="` + name + `"}`
			before := metricValue(t, metric)
			got := []string{served(t, e, "viewer-d", true), served(t, e, "viewer-d", false)}
			if !slices.Equal(got, []string{"a-30", "b-30"}) {
				t.Errorf("pods %v: the local count must cap when the store cannot", got)
			}
			if n := metricValue(t, metric) - before; n != 2 {
				t.Errorf("%s: %v degraded decisions counted, want 2", metric, n)
			}
		})
	}
}
