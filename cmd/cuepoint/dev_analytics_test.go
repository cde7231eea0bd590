package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// TestDevAnalyticsPipeline runs the analytics part of `cuepoint dev` in process on the real
// Kafka and ClickHouse: the sink (with the analytics schema) and the dashboard, plus a
// service that emits through the shared producer as the bidder does. Events emitted show up
// in the dashboard's API; at shutdown the producer closes only after the emitting server
// drained (events emitted while it drains are delivered, not refused), then the sink stops.
func TestDevAnalyticsPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Kafka, ClickHouse, the sink and the dashboard")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// A broker of the test's own: the dev sink consumes the default topics as the default group.
	brokers := stacktest.OwnKafka(t).Brokers()
	chAddr := stacktest.ClickHouse(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := db.OpenClickHouse(ctx, chAddr, db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	database := "dev_pipeline_" + events.NewID()[:10]
	defer func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+database) }()
	env := &devEnv{log: log, root: t.TempDir(), bind: "127.0.0.1", offset: freeOffset(t), kafka: brokers,
		clickhouse: conn, chAddr: chAddr, platform: &platformFlags{clickhouseDatabase: database}, urls: map[string]string{}}

	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	sinkSrv, err := startDevSink(runCtx, env)
	if err != nil {
		t.Fatal(err)
	}
	dashSrv, err := startDevDashboard(runCtx, env)
	if err != nil {
		t.Fatal(err)
	}
	prod, release, err := devProducer(env)
	if err != nil {
		t.Fatal(err)
	}
	if again, release2, _ := devProducer(env); again != prod {
		t.Fatal("devProducer made a second producer in one process")
	} else {
		_ = release2(context.Background()) // one user leaves early: the producer stays open
	}
	exchange := "e2e-" + events.NewID()[:8]
	emit := func(n int) {
		for range n {
			prod.Emit(&events.BidRequest{Header: events.NewHeader("bidder", ""), AuctionID: events.NewID(), Exchange: exchange,
				Imps: 1, LatencyUS: 500, Bids: []events.Bid{{ImpID: "1", PriceMicros: 2_000_000, Campaign: "cmp-1", Creative: "cr-1"}}})
		}
	}
	// A service that emits, as the bidder does: its last events go out while it drains.
	emitter := server.New("emitter", "127.0.0.1:0", server.WithLogger(log))
	emitter.OnClose("analytics", release)
	emitter.OnClose("last events", func(context.Context) error { emit(5); return nil })
	done := make(chan error, 1)
	go func() { done <- server.Run(runCtx, log, sinkSrv, dashSrv, emitter) }()

	const n = 40
	sent := time.Now()
	emit(n)
	api := fmt.Sprintf("http://%s/api/charts/traffic?from=now-30m&to=now&step=60", env.addr(dashboardPort))
	var seen float64
	for deadline := time.Now().Add(45 * time.Second); ; {
		seen = storedBidRequests(t, api)
		if seen >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard shows %v of %d bid requests emitted", seen, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d events emitted → producer → Kafka → sink → ClickHouse → dashboard API in %s", n, time.Since(sent).Round(10*time.Millisecond))
	if seen != n {
		t.Errorf("the dashboard shows %v bid requests, %d were emitted", seen, n)
	}
	if code := httpGet(t, fmt.Sprintf("http://%s/", env.addr(dashboardPort))); code != http.StatusOK && code != http.StatusNotFound {
		t.Errorf("dashboard page: %d", code)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err) // includes the producer's Close: nothing dropped
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the servers did not stop")
	}
	if devProducerClosed(env) != nil {
		t.Error("the shared producer is still registered after every user released it")
	}
	var stored uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+database+".bids WHERE exchange = ?", exchange).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored < n || stored > n+5 {
		t.Errorf("stored %d bid requests, emitted %d before and 5 during shutdown", stored, n)
	}
	t.Logf("stored %d of the 5 events emitted while draining before the sink stopped (the rest stay in Kafka for the next run)", stored-n)
}

// storedBidRequests sums the bid requests the traffic chart shows.
func storedBidRequests(t *testing.T, url string) float64 {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var res struct {
		Range struct{ Step float64 }
		Rows  [][]any
		Error string
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v %s", url, resp.StatusCode, err, res.Error)
	}
	var sum float64
	for _, r := range res.Rows {
		if v, ok := r[1].(float64); ok {
			sum += v * res.Range.Step
		}
	}
	return math.Round(sum)
}

func httpGet(t *testing.T, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
