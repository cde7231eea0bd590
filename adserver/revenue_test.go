package adserver_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver"
	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/analytics/sink"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/migrate"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// TestRevenueLandsInClickHouse runs the real pipeline — adserver → analytics producer → Kafka
// (kfake) → sink → ClickHouse — and checks that an impression's revenue lands: the row holds
// the clearing price and currency from the signed beacon, and the viewer; pause, resume, mute,
// unmute and skip land as tracking rows too; forged beacons (a price raised, an ad that was
// never served) and a replay never do.
func TestRevenueLandsInClickHouse(t *testing.T) {
	brokers := stacktest.OwnKafka(t).Brokers() // default topic names: a broker of the test's own
	chAddr := stacktest.ClickHouse(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := db.OpenClickHouse(ctx, chAddr, db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	database := "adserver_revenue_" + events.NewID()[:10]
	defer func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+database) }()
	if _, err := migrate.ClickHouse(ctx, conn, database, schema.ClickHouse(database)); err != nil {
		t.Fatal(err)
	}
	sk, err := sink.New(sink.Config{
		Brokers: brokers, Group: "sink-" + database, ClickHouseAddr: chAddr, Database: database,
		Families: []events.Family{events.FamilyAds}, BatchInterval: 100 * time.Millisecond, RetentionInterval: -1,
		Logger: logging.Discard,
		KafkaOptions: []kgo.Opt{kgo.FetchMaxWait(100 * time.Millisecond), kgo.HeartbeatInterval(100 * time.Millisecond),
			kgo.SessionTimeout(6 * time.Second), kgo.RebalanceTimeout(10 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	sinkCtx, stopSink := context.WithCancel(context.Background())
	sinkDone := make(chan error, 1)
	go func() { sinkDone <- sk.Run(sinkCtx) }()
	defer func() {
		stopSink()
		if err := <-sinkDone; err != nil {
			t.Errorf("sink: %v", err)
		}
	}()
	prod, err := producer.New(brokers, producer.WithService("adserver"), producer.WithSpool(t.TempDir(), 64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = prod.Close(context.Background()) }()

	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{
		offer("rev-30", "a.example", 20, 30), offer("runner-30", "b.example", 12, 30),
	}})
	e := startDeps(t, testConfig(auction.Endpoint{Name: "b", URL: b.URL}), adserver.Deps{Emitter: prod})
	session, viewer := "sess-"+events.NewID()[:12], "viewer-rev"
	doc := e.vast(q("dur", "30", "uid", viewer, "session", session))
	if len(doc.Ads) != 1 {
		t.Fatalf("%d ads", len(doc.Ads))
	}
	in := doc.Ads[0].InLine
	imp := ours(e.base, impURLs(in))
	const price = "12010000" // second price: the runner-up's 12 + 0.01, CPM micros
	if !strings.Contains(imp, "&p="+price+"&") {
		t.Fatalf("impression beacon without the clearing price %s: %s", price, imp)
	}
	tracking := map[string]string{}
	for _, tr := range in.Creatives[0].Linear.Tracking {
		if strings.HasPrefix(tr.URL, e.base) {
			tracking[tr.Event] = tr.URL
		}
	}

	// Forged first: if any were counted, they would be in ClickHouse before the genuine ones.
	for _, u := range []string{
		strings.Replace(imp, "&p="+price, "&p=99000000", 1),
		strings.Replace(imp, "a="+in.AdServingID, "a=never-served", 1),
		imp[:strings.Index(imp, "&sig=")],
	} {
		if code := e.hit(u); code != 403 {
			t.Fatalf("forged beacon %s: %d", u, code)
		}
	}
	// Genuine: the impression (twice: a replay), the interactions, and a skip signed as the
	// adserver would sign one for a skippable ad.
	for _, u := range []string{imp, imp, tracking["pause"], tracking["resume"], tracking["mute"], tracking["unmute"], skipURL(t, e, tracking["pause"])} {
		if code := e.hit(u); code != 204 {
			t.Fatalf("beacon %s: %d", u, code)
		}
	}

	type row struct {
		kind, viewer, currency, ad string
		price                      int64
	}
	var rows []row
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		rows = rows[:0]
		rs, err := conn.Query(ctx, "SELECT type, viewer, currency, ad_id, price_micros FROM "+database+".ads WHERE session_id = ? AND type != 'decision' ORDER BY type", session)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.kind, &r.viewer, &r.currency, &r.ad, &r.price); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r)
		}
		rs.Close()
		if len(rows) >= 6 || time.Now().After(deadline) {
			break
		}
	}
	kinds := map[string]int{}
	for _, r := range rows {
		kinds[r.kind]++
		if r.ad != in.AdServingID || r.viewer != viewer || r.currency != "USD" || r.price != 12_010_000 {
			t.Errorf("row %+v: want ad %s, viewer %s, price 12010000 USD", r, in.AdServingID, viewer)
		}
	}
	want := map[string]int{"impression": 1, "pause": 1, "resume": 1, "mute": 1, "unmute": 1, "skip": 1}
	if len(kinds) != len(want) {
		t.Errorf("rows by type %v, want %v", kinds, want)
	}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s rows, want %d (rows %+v)", kinds[k], k, n, rows)
		}
	}
	// Revenue, as analysts read it: the impressions' prices in the raw table and in the rollup
	// (filled by a materialized view, which may show the rows a moment after the raw table).
	var revenue, rollup int64
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := conn.QueryRow(ctx, "SELECT sum(price_micros) FROM "+database+".ads WHERE type = 'impression' AND session_id = ?", session).Scan(&revenue); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT sum(price_micros_sum) FROM "+database+".ad_tracking_1h WHERE creative = 'rev-30'").Scan(&rollup); err != nil {
			t.Fatal(err)
		}
		if rollup == revenue || time.Now().After(deadline) {
			break
		}
	}
	if revenue != 12_010_000 || rollup != 12_010_000 {
		t.Errorf("impression revenue %d in ads, %d in ad_tracking_1h; want 12010000 (one impression, forged ones never)", revenue, rollup)
	}
	var forged uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+database+".ads WHERE ad_id = 'never-served' OR price_micros = 99000000").Scan(&forged); err != nil || forged != 0 {
		t.Errorf("%d forged rows (%v)", forged, err)
	}
}

// skipURL signs a skip beacon for the ad of a genuine beacon URL, as the adserver does for
// a skippable ad.
func skipURL(t *testing.T, e *env, genuine string) string {
	t.Helper()
	u, err := url.Parse(genuine)
	if err != nil {
		t.Fatal(err)
	}
	var args fasthttp.Args
	args.Parse(u.RawQuery)
	event := u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	bc, err := e.a.Signer().Verify(event, &args, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bc.Event = "skip"
	return string(e.a.Signer().AppendURL(nil, e.base, bc))
}
