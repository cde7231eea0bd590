package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/collector"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// TestDevAnalyticsPipeline runs the analytics part of `cuepoint dev` in process on the real
// Kafka and ClickHouse (schemas migrated as cuepoint dev does): the sink and the dashboard with the
// collector, plus a service that emits through the shared producer as the bidder does. Events
// emitted, and events posted to the collector, show up in the dashboard's API; at shutdown the producer closes only after the emitting server
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

	// As cuepoint dev does before it starts the services.
	if _, err := env.platform.migrateAll(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
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

	// A player's QoE reports through the collector on the dashboard server, signed by the dev
	// sender, reach the same charts.
	sender, err := devCollectorSender(env)
	if err != nil {
		t.Fatal(err)
	}
	var batch bytes.Buffer
	batch.WriteString(`{"events":[`)
	const reports = 3
	for i := range reports {
		ev := &events.QoE{Header: events.NewHeader("player", ""), SessionID: "e2e-" + exchange, ContentID: "vod-1", WatchMS: 10_000, StartupMS: int64(500 + i)}
		b, err := ev.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			batch.WriteByte(',')
		}
		fmt.Fprintf(&batch, `{"family":"playback","event":%s}`, b)
	}
	batch.WriteString(`]}`)
	req, _ := http.NewRequest("POST", fmt.Sprintf("http://%s/v1/events", env.addr(dashboardPort)), bytes.NewReader(batch.Bytes()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(collector.HeaderSender, sender.ID)
	req.Header.Set(collector.HeaderSignature, collector.Sign(sender.ID, sender.Secrets[0], batch.Bytes(), time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), fmt.Sprintf(`"accepted":%d`, reports)) {
		t.Fatalf("collector: %d %s", resp.StatusCode, body)
	}
	for deadline := time.Now().Add(45 * time.Second); storedColumn(t, api, 5) < reports; {
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard shows %v of the %d QoE reports posted to the collector", storedColumn(t, api, 5), reports)
		}
		time.Sleep(100 * time.Millisecond)
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
func storedBidRequests(t *testing.T, url string) float64 { return storedColumn(t, url, 1) }

// storedColumn sums column col (a rate per second) of the traffic chart over its buckets.
func storedColumn(t *testing.T, url string, col int) float64 {
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
		if v, ok := r[col].(float64); ok {
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
