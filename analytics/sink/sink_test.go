package sink

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// generate returns n valid events of family f.
func generate(f events.Family, n int, seed uint64) []events.Event {
	g := eventstest.New(seed, time.Now().Add(-time.Hour))
	out := make([]events.Event, n)
	for i := range out {
		out[i] = g.Next(f)
	}
	return out
}

// N events of every family produced → exactly N rows of each, by count and by distinct id;
// the rollups count them too.
func TestEveryFamilyExactlyOnce(t *testing.T) {
	e := newEnv(t, stacktest.ClickHouse(t))
	const n = 3000
	for i, f := range events.Families {
		e.produce(generate(f, n, uint64(i+1))...)
	}
	e.start(e.config(), hooks{})
	for _, f := range events.Families {
		e.expectExactly(f, n)
	}

	ctx := context.Background()
	for _, c := range []struct{ query string }{
		{"SELECT countMerge(requests) FROM %s.bids_1m"},
		{"SELECT countMerge(requests) FROM %s.bids_1h"},
		{"SELECT sum(notices) FROM %s.wins_1m"},
		// Session starts share the playback table but are not QoE reports.
		{"SELECT (SELECT countMerge(reports) FROM %[1]s.playback_1h) + (SELECT count() FROM %[1]s.playback WHERE type = 'session_start')"},
		// Revenue: the rollup's impression prices are the raw table's.
		{"SELECT toUInt64((SELECT sum(price_micros_sum) FROM %[1]s.ad_tracking_1h) - (SELECT sum(price_micros) FROM %[1]s.ads WHERE type = 'impression') + 3000)"},
	} {
		q := fmt.Sprintf(c.query, e.db)
		var got uint64
		if err := e.conn.QueryRow(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != n {
			t.Errorf("%s = %d, want %d", q, got, n)
		}
	}
	var ads, adRollups uint64
	if err := e.conn.QueryRow(ctx, fmt.Sprintf(`SELECT
		(SELECT countMerge(decisions) FROM %[1]s.ad_decisions_1m) + (SELECT sum(events) FROM %[1]s.ad_tracking_1m),
		(SELECT count() FROM %[1]s.ads)`, e.db)).Scan(&adRollups, &ads); err != nil {
		t.Fatal(err)
	}
	if adRollups != ads {
		t.Errorf("ad rollups count %d events, the raw table has %d", adRollups, ads)
	}
}

// Every field of every event type lands in its column.
func TestColumnsHoldTheFields(t *testing.T) {
	e := newEnv(t, stacktest.ClickHouse(t))
	all := eventstest.EveryType(time.Date(2025, 3, 4, 5, 6, 7, 891e6, time.UTC))
	for _, ev := range all {
		e.produce(ev)
	}
	e.start(e.config(), hooks{})
	for _, f := range events.Families {
		var n uint64
		for _, ev := range all {
			if ev.Family() == f {
				n++
			}
		}
		e.expectExactly(f, n)
	}
	ctx := context.Background()
	bid := all[0].(*events.BidRequest)
	var (
		exchange, cur string
		prices        []int64
		deals         []string
		ms            uint16
		tm            time.Time
		batchID       string
	)
	if err := e.conn.QueryRow(ctx, fmt.Sprintf("SELECT exchange, currency, bid.price_micros, bid.deal, time_ms, time, batch_id FROM %s.bids WHERE id = ?", e.db), bid.ID).
		Scan(&exchange, &cur, &prices, &deals, &ms, &tm, &batchID); err != nil {
		t.Fatal(err)
	}
	if exchange != bid.Exchange || cur != "EUR" || fmt.Sprint(prices) != "[2500000 1750000]" || fmt.Sprint(deals) != "[deal-9 ]" ||
		ms != 891 || !tm.Equal(bid.Time.Truncate(time.Second)) || batchID == "" {
		t.Errorf("bids row: %q %q %v %q %d %v %q", exchange, cur, prices, deals, ms, tm, batchID)
	}
	served := pick[*events.RecsServed](all)
	var listID string
	var items []string
	if err := e.conn.QueryRow(ctx, fmt.Sprintf("SELECT list_id, items FROM %s.recs WHERE id = ?", e.db), served.ID).Scan(&listID, &items); err != nil {
		t.Fatal(err)
	}
	if listID != served.ID || fmt.Sprint(items) != fmt.Sprint(served.Items) {
		t.Errorf("recs row: list %q items %v", listID, items)
	}
	var vastErr uint16
	var kind string
	tr := pick[*events.AdTracking](all)
	var viewer, currency string
	var price int64
	var received time.Time
	var receivedMS uint16
	if err := e.conn.QueryRow(ctx, fmt.Sprintf("SELECT type, vast_error, viewer, price_micros, currency, received, received_ms FROM %s.ads WHERE id = ?", e.db), tr.ID).
		Scan(&kind, &vastErr, &viewer, &price, &currency, &received, &receivedMS); err != nil {
		t.Fatal(err)
	}
	if kind != "error" || vastErr != 402 || viewer != tr.Viewer || price != tr.PriceMicros || currency != tr.Currency ||
		!received.Equal(tr.Received.Truncate(time.Second)) || int(receivedMS) != tr.Received.Nanosecond()/1e6 || tr.Received.Equal(tr.Time) {
		t.Errorf("ads row: type %q vast_error %d viewer %q price %d %q received %v.%03d (event %v)", kind, vastErr, viewer, price, currency, received, receivedMS, tr.Received)
	}
	// A server's event has no received time: the column holds the event time.
	if err := e.conn.QueryRow(ctx, fmt.Sprintf("SELECT received, received_ms FROM %s.bids WHERE id = ?", e.db), bid.ID).Scan(&received, &receivedMS); err != nil {
		t.Fatal(err)
	}
	if !received.Equal(bid.Time.Truncate(time.Second)) || receivedMS != 891 {
		t.Errorf("bids row: received %v.%03d, want the event time", received, receivedMS)
	}
	st := pick[*events.SessionStart](all)
	var (
		source, mode, stViewer, content string
		preroll                         uint16
		decision, latency               int64
	)
	if err := e.conn.QueryRow(ctx, fmt.Sprintf("SELECT type, source, mode, viewer, content_id, preroll_ads, decision_us, latency_us, request_id FROM %s.playback WHERE id = ?", e.db), st.ID).
		Scan(&kind, &source, &mode, &stViewer, &content, &preroll, &decision, &latency, &listID); err != nil {
		t.Fatal(err)
	}
	if kind != events.TypeSessionStart || source != st.Source || mode != st.Mode || stViewer != st.Viewer || content != st.ContentID ||
		int(preroll) != st.PrerollAds || decision != st.DecisionUS || latency != st.LatencyUS || listID != st.RequestID {
		t.Errorf("playback row: %q %q %q %q %q %d %d %d %q", kind, source, mode, stViewer, content, preroll, decision, latency, listID)
	}
}

// pick returns the first event of type T.
func pick[T events.Typed](all []events.Typed) T {
	for _, ev := range all {
		if v, ok := ev.(T); ok {
			return v
		}
	}
	panic(fmt.Sprintf("no %T", *new(T)))
}

// The sink's column list is the schema's: same names, same types.
func TestColumnsMatchSchema(t *testing.T) {
	e := newEnv(t, stacktest.ClickHouse(t))
	ctx := context.Background()
	for f, tb := range tables {
		types := map[string]string{}
		rows, err := e.conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = ? AND table = ?", e.db, tb.name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			types[name] = typ
		}
		rows.Close()
		for _, c := range tb.cols {
			if got := types[c.name]; got != c.kind.chType() {
				t.Errorf("%s.%s: schema type %q, sink writes %s", f, c.name, got, c.kind.chType())
			}
			delete(types, c.name)
		}
		delete(types, "batch_id")
		delete(types, "inserted_at")
		if len(types) > 0 {
			t.Errorf("%s: columns the sink does not write: %v", f, types)
		}
	}
}

// The sink runs retention: partitions older than the limit go, recent ones stay.
func TestSinkRunsRetention(t *testing.T) {
	e := newEnv(t, stacktest.ClickHouse(t))
	old := time.Now().AddDate(0, 0, -40).Format("2006-01-02 15:04:05")
	e.exec(fmt.Sprintf("INSERT INTO %s.wins (time, id, type) SELECT toDateTime('%s'), 'old', 'win'", e.db, old))
	e.produce(generate(events.FamilyWins, 10, 1)...)
	cfg := e.config()
	cfg.Retention = schema.Retention{RawDays: 30}
	cfg.RetentionInterval = 50 * time.Millisecond
	r := e.start(cfg, hooks{})
	e.expectExactly(events.FamilyWins, 10) // the old row is gone, the new ones are in
	if r.s.m.retentionDrops.Get() == 0 {
		t.Error("no partition dropped")
	}
}
