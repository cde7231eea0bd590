package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/vast"
	"github.com/cuepoint/cuepoint/adserver/vast/vasttest"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// TestDevAdBreakLandsInClickHouse is the adserver issue's "done when", in process and on the
// real stack (Kafka, ClickHouse, Cassandra from stacktest), wired as `cuepoint dev` wires it:
// schemas migrated, the sink, the dev bidder with its demo campaigns, the dev adserver with
// its demo ads conditioned by ffmpeg. A 60 s break (the landing page's link) gets a valid VAST
// 4.2 pod (XSD), filled, after an auction the dev bidder bid in, and the beacons the player
// fires for it land in ClickHouse: one impression and one complete per ad, with its price.
func TestDevAdBreakLandsInClickHouse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Kafka, ClickHouse, Cassandra, the sink, the bidder, the adserver and ffmpeg")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	brokers := stacktest.OwnKafka(t).Brokers() // the dev sink consumes the default topics
	chAddr := stacktest.ClickHouse(t)
	hosts := stacktest.Cassandra(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	conn, err := db.OpenClickHouse(ctx, chAddr, db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	admin, err := db.OpenCassandra(hosts, db.CassandraOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	// Names of the test's own on a shared stack; everything else as cuepoint dev has it.
	var p platformFlags
	fs := config.NewFlagSet("dev", "")
	fs.SetEnv(func(string) (string, bool) { return "", false })
	p.register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	suffix := events.NewID()[:10]
	p.clickhouseDatabase = "dev_ads_" + suffix
	p.cassandraKeyspace, p.adserverKeyspace = "dev_features_"+suffix, "dev_adserver_"+suffix
	defer func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+p.clickhouseDatabase) }()
	env := &devEnv{log: log, root: t.TempDir(), adminToken: events.NewID() + events.NewID(), bind: "127.0.0.1", offset: freeOffset(t), kafka: brokers,
		clickhouse: conn, chAddr: chAddr, cassandra: hosts, platform: &p, urls: map[string]string{}}
	if _, err := p.migrateAll(ctx, conn, admin); err != nil {
		t.Fatal(err)
	}

	runCtx, stop := context.WithCancel(context.Background())
	var servers []*server.Server
	for _, start := range []func(context.Context, *devEnv) (*server.Server, error){startDevSink, startDevBidder, startDevAdserver} {
		srv, err := start(runCtx, env)
		if err != nil {
			stop()
			t.Fatal(err)
		}
		servers = append(servers, srv)
	}
	done := make(chan error, 1)
	go func() { done <- server.Run(runCtx, log, servers...) }()
	defer func() {
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("shutdown: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("the services did not stop")
		}
	}()

	// The landing page's break, until the demo ads are conditioned. The house ads (15 s and
	// 30 s) are conditioned first, the bidder's creatives next, one at a time: the break is
	// filled once it holds at least 45 s of ads, whatever won them — on a loaded machine the
	// bidder's ads may still be conditioning (they are then left out of the pod, and the
	// auction is checked below, in ClickHouse).
	base := env.url(8082)
	session := "dev-test-" + suffix
	link := "/vast?dur=60&min=5&max=30&ps=4&uid=viewer-1&content=demo&ip=203.0.113.9&ua=Roku%2FDVP-12.5&pos=mid&session=" + session
	for deadline := time.Now().Add(time.Minute); httpStatus(base+"/healthz") != 200; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the adserver did not come up")
		}
	}
	var body []byte
	var doc *vast.Document
	var filled time.Duration
	for deadline := time.Now().Add(8 * time.Minute); ; time.Sleep(time.Second) {
		body = adGet(t, base+link)
		if doc, err = vast.Parse(body); err != nil {
			t.Fatalf("the answer does not parse: %v\n%s", err, body)
		}
		filled = 0
		for _, ad := range doc.Ads {
			filled += ad.InLine.Creatives[0].Linear.Duration
		}
		if filled >= 45*time.Second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the 60 s break holds %s of ads after 8 minutes (demo ads conditioning?):\n%s\nconditioning: %s", filled, body,
				adGetAuth(t, base+"/v1/conditioning", env.adminToken))
		}
	}
	vasttest.Validate(t, map[string][]byte{"dev-60s-break": body})
	t.Logf("60 s break: %d ads (%d from the auction), %s filled", len(doc.Ads), auctionAds(doc), filled)
	if filled > 60*time.Second {
		t.Errorf("the 60 s break holds %s of ads", filled)
	}

	// The player fires every beacon of every ad.
	for _, ad := range doc.Ads {
		in := ad.InLine
		urls := []string{in.Impressions[0].URL}
		for _, tr := range in.Creatives[0].Linear.Tracking {
			switch tr.Event {
			case "start", "firstQuartile", "midpoint", "thirdQuartile", "complete":
				if strings.HasPrefix(tr.URL, base) {
					urls = append(urls, tr.URL)
				}
			}
		}
		for _, u := range urls {
			if code := adStatus(t, u); code != http.StatusNoContent {
				t.Fatalf("beacon %s: %d", u, code)
			}
		}
	}

	// They land in ClickHouse through producer → Kafka → sink.
	var imps, completes uint64
	var revenue int64
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		q := fmt.Sprintf("SELECT countIf(type = 'impression'), countIf(type = 'complete'), sumIf(price_micros, type = 'impression') FROM %s.ads WHERE session_id = ?", p.clickhouseDatabase)
		if err := conn.QueryRow(ctx, q, session).Scan(&imps, &completes, &revenue); err != nil {
			t.Fatal(err)
		}
		if int(imps) >= len(doc.Ads) && int(completes) >= len(doc.Ads) || time.Now().After(deadline) {
			break
		}
	}
	if int(imps) != len(doc.Ads) || int(completes) != len(doc.Ads) {
		t.Errorf("ClickHouse holds %d impressions and %d completes of the %d ads", imps, completes, len(doc.Ads))
	}
	if auctionAds(doc) > 0 && revenue <= 0 {
		t.Errorf("auction ads played, but their impressions carry no revenue")
	}
	// The decisions ran the auction against the dev bidder, which bid.
	var decisions uint64
	var bidders, bids uint32
	q := fmt.Sprintf("SELECT count(), max(bidders), max(bids) FROM %s.ads WHERE session_id = ? AND type = 'decision'", p.clickhouseDatabase)
	if err := conn.QueryRow(ctx, q, session).Scan(&decisions, &bidders, &bids); err != nil {
		t.Fatal(err)
	}
	if decisions == 0 || bidders != 1 || bids == 0 {
		t.Errorf("%d decisions in ClickHouse, asking %d bidders, at most %d bids: want the dev bidder asked and bidding", decisions, bidders, bids)
	}
}

// auctionAds counts the ads won in the auction (the house line items' campaign ids are the
// line items' ids, house-…).
func auctionAds(doc *vast.Document) int {
	n := 0
	for _, ad := range doc.Ads {
		if !strings.HasPrefix(ad.InLine.Creatives[0].AdID, "house-") {
			n++
		}
	}
	return n
}

func adGet(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return b
}

func adGetAuth(t *testing.T, u, token string) string {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func adStatus(t *testing.T, u string) int {
	t.Helper()
	if _, err := url.Parse(u); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
