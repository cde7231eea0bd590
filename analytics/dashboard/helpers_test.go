package dashboard

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/migrate"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// testDB connects to the test ClickHouse and migrates a database of the test's own to the
// analytics schema, as `cuepoint migrate` does.
func testDB(t testing.TB) (conn driver.Conn, addr, database string) {
	t.Helper()
	addr = stacktest.ClickHouse(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := db.OpenClickHouse(ctx, addr, db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	database = fmt.Sprintf("dash_%s_%s", strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_"), events.NewID()[24:])
	if _, err := migrate.ClickHouse(ctx, conn, database, schema.ClickHouse(database)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+database)
	})
	return conn, addr, database
}

// traffic generates a coherent, deterministic picture of the edge: every minute from base,
// bid requests (some answered, with prices), the exchanges' notices for a share of the bids,
// SSAI session starts whose traces (request ids) the adserver's decisions and some bid
// requests share, ad break decisions (one in four with no session start, and slow, so that a
// chart that forgot the join would show it), the tracking events of the ads played (a funnel
// that thins out, every beacon carrying the ad's price), player QoE reports and
// recommendation lists with clicks that fall off with position.
func traffic(seed uint64, base time.Time, minutes int) []events.Event {
	r := rand.New(rand.NewPCG(seed, seed*7919+1))
	var out []events.Event
	hdr := func(service string, at time.Time) events.Header {
		return events.Header{V: events.Version, ID: events.NewID(), Time: at.UTC().Truncate(time.Millisecond), Service: service, RequestID: "req-" + events.NewID()[:12]}
	}
	exchanges := []string{"ssp-alpha", "ssp-beta"}
	campaigns := []string{"cmp-1", "cmp-2", "cmp-3"}
	models := []string{"two-tower", "popular"}
	for m := range minutes {
		t0 := base.Add(time.Duration(m) * time.Minute)
		at := func() time.Time { return t0.Add(time.Duration(r.IntN(59_000)) * time.Millisecond) }
		// Load varies over the range so the lines are not flat.
		load := 1 + 0.5*float64((m/10)%4)/3
		var traces [4]string
		for b := range traces {
			traces[b] = "trace-" + events.NewID()[:16]
		}
		for i := range int(30 * load) {
			h := hdr("bidder", at())
			if i < 6 { // the bidders asked by the auctions of the session starts' preroll decisions
				h.RequestID = traces[i%3]
			}
			ev := &events.BidRequest{Header: h, AuctionID: fmt.Sprintf("auc-%d-%d", m, i),
				Exchange: exchanges[i%2], Publisher: "pub-news", Imps: 1, Formats: []string{events.FormatVideo},
				FloorMicros: 500_000, TmaxMS: 120, LatencyUS: int64(200 + r.ExpFloat64()*600 + float64(m%20)*20)}
			if r.Float64() < 0.65 {
				price := int64(500_000+r.NormFloat64()*1_500_000+4_000_000) / 10_000 * 10_000
				price = max(price, 510_000)
				cmp := campaigns[r.IntN(len(campaigns))]
				ev.Bids = []events.Bid{{ImpID: "1", PriceMicros: price, Campaign: cmp, Creative: "cr-" + cmp}}
				if r.Float64() < 0.35 {
					clear := price * int64(70+r.IntN(25)) / 100
					out = append(out, &events.Notice{Header: hdr("bidder", ev.Time.Add(80*time.Millisecond)), Kind: events.NoticeWin,
						AuctionID: ev.AuctionID, Exchange: ev.Exchange, ImpID: "1", BidID: "b1", Campaign: cmp, Creative: "cr-" + cmp,
						PriceMicros: clear, BidMicros: price})
					if r.Float64() < 0.9 {
						out = append(out, &events.Notice{Header: hdr("bidder", ev.Time.Add(2*time.Second)), Kind: events.NoticeBilling,
							AuctionID: ev.AuctionID, Exchange: ev.Exchange, ImpID: "1", BidID: "b1", Campaign: cmp, Creative: "cr-" + cmp,
							PriceMicros: clear, BidMicros: price})
					}
				} else if r.Float64() < 0.5 {
					out = append(out, &events.Notice{Header: hdr("bidder", ev.Time.Add(80*time.Millisecond)), Kind: events.NoticeLoss,
						AuctionID: ev.AuctionID, Exchange: ev.Exchange, ImpID: "1", BidID: "b1", Campaign: cmp, Creative: "cr-" + cmp,
						PriceMicros: price + 100_000, BidMicros: price, LossReason: 102})
				}
			} else {
				ev.NBR, ev.Reason = 2, "below_floor"
			}
			out = append(out, ev)
		}
		for b := range 4 {
			pod := 2 + b%3
			ads := r.IntN(pod + 1)
			var creatives []string
			for a := range ads {
				creatives = append(creatives, fmt.Sprintf("cr-cmp-%d", 1+a%3))
			}
			sess := fmt.Sprintf("sess-%d-%d", m, b)
			dh := hdr("adserver", at())
			decision := &events.AdDecision{Header: dh, SessionID: sess, BreakID: "brk-1", ContentID: "vod-1",
				RequestedMS: 60_000, FilledMS: int64(ads) * 15_000, PodSize: pod, Creatives: creatives, Bidders: 2, Bids: ads + r.IntN(2),
				AuctionLatencyUS: int64(1_000 + r.IntN(4_000)), LatencyUS: int64(3_000 + r.IntN(6_000))}
			if b < 3 { // a session start's preroll: its trace
				decision.RequestID = traces[b]
				wait := decision.LatencyUS + int64(300+r.IntN(700))
				out = append(out, &events.SessionStart{Header: events.Header{V: events.Version, ID: events.NewID(), Time: dh.Time.Add(-50 * time.Millisecond),
					Service: "ssai", RequestID: traces[b]}, SessionID: sess, Source: "demo", ContentID: "vod-1", Viewer: fmt.Sprintf("viewer-%d", b),
					Mode: events.ModeStitched, PrerollAds: ads, DecisionUS: wait, LatencyUS: wait + int64(2_000+r.IntN(3_000))})
			} else { // a mid-roll of some other client: slow, and not part of any session start
				decision.AuctionLatencyUS, decision.LatencyUS = 400_000, 900_000
			}
			out = append(out, decision)
			for a := range ads {
				price := int64(4_000_000 + r.IntN(20)*500_000)
				kinds := []events.TrackingKind{events.TrackImpression, events.TrackStart, events.TrackFirstQuartile,
					events.TrackMidpoint, events.TrackThirdQuartile, events.TrackComplete}
				keep := []float64{1, 0.97, 0.9, 0.84, 0.8, 0.76}
				for k, kind := range kinds {
					if r.Float64() > keep[k]/max(keep[max(k-1, 0)], 0.01) {
						break
					}
					out = append(out, &events.AdTracking{Header: hdr("ssai", at()), Kind: kind, SessionID: sess, BreakID: "brk-1",
						AdID: "ad-1", Creative: creatives[a], Campaign: campaigns[a%3], Position: a + 1, Source: events.SourceServer,
						Viewer: fmt.Sprintf("viewer-%d", b), PriceMicros: price})
				}
				if r.Float64() < 0.03 {
					out = append(out, &events.AdTracking{Header: hdr("ssai", at()), Kind: events.TrackError, SessionID: sess,
						Creative: creatives[a], VASTError: 405, Source: events.SourceClient})
				}
			}
		}
		for s := range 6 {
			q := &events.QoE{Header: hdr("player", at()), SessionID: fmt.Sprintf("play-%d-%d", m, s), ContentID: "vod-1", Device: "web",
				WatchMS: 10_000, BitrateKbps: 3_000}
			if s%2 == 0 {
				q.StartupMS = int64(400 + r.ExpFloat64()*500)
			}
			if r.Float64() < 0.2 {
				q.Rebuffers, q.RebufferMS = 1, int64(200+r.IntN(1_500))
			}
			out = append(out, q)
		}
		for l := range 5 {
			model := models[l%2]
			items := make([]string, 10)
			for i := range items {
				items[i] = fmt.Sprintf("title-%d", r.IntN(500))
			}
			served := &events.RecsServed{Header: hdr("recs", at()), UserID: fmt.Sprintf("viewer-%d", l), Surface: "home", Model: model, Items: items, LatencyUS: 900}
			out = append(out, served)
			for pos := 1; pos <= len(items); pos++ {
				ctr := 0.3 / float64(pos)
				if model == "popular" {
					ctr *= 0.6
				}
				if r.Float64() < ctr {
					out = append(out, &events.RecsAction{Header: hdr("player", served.Time.Add(3*time.Second)), Kind: events.ActionClick,
						ListID: served.ID, UserID: served.UserID, ItemID: items[pos-1], Position: pos, Model: model})
				}
			}
		}
	}
	return out
}

// insertEvents stores events in the raw tables of database the way the sink does (explicit
// column lists, the batch API), so the materialized views fill the rollups.
func insertEvents(t testing.TB, conn driver.Conn, database string, evs []events.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type tbl struct {
		cols string
		rows [][]any
	}
	byFamily := map[events.Family]*tbl{
		events.FamilyBids: {cols: "auction_id, exchange, publisher, imps, formats, floor_micros, tmax_ms, bid.imp, bid.price_micros, bid.campaign, bid.creative, bid.deal, nbr, reason, latency_us"},
		events.FamilyWins: {cols: "auction_id, exchange, imp_id, bid_id, campaign, creative, price_micros, bid_micros, loss_reason"},
		events.FamilyAds: {cols: "session_id, break_id, content_id, requested_ms, filled_ms, pod_size, creatives, bidders, bids, auction_latency_us, latency_us, " +
			"ad_id, creative, campaign, position, vast_error, source, viewer, price_micros, currency"},
		events.FamilyPlayback: {cols: "session_id, content_id, device, startup_ms, watch_ms, rebuffers, rebuffer_ms, bitrate_switches, bitrate_kbps, errors, last_error, final, " +
			"source, viewer, mode, preroll_ads, decision_us, latency_us"},
		events.FamilyRecs: {cols: "list_id, user_id, surface, model, experiment, arm, items, latency_us, item, position"},
	}
	for i, ev := range evs {
		typed := ev.(events.Typed)
		h := typed.EventHeader()
		row := []any{h.Time.Truncate(time.Second), uint16(h.Time.Nanosecond() / 1e6), h.ID, uint8(h.V), typed.Type(), h.Service, h.RequestID}
		switch e := ev.(type) {
		case *events.BidRequest:
			var imp, cmp, cr, deal []string
			var price []int64
			for _, b := range e.Bids {
				imp, cmp, cr, deal, price = append(imp, b.ImpID), append(cmp, b.Campaign), append(cr, b.Creative), append(deal, b.Deal), append(price, b.PriceMicros)
			}
			row = append(row, e.AuctionID, e.Exchange, e.Publisher, uint32(e.Imps), nz(e.Formats), e.FloorMicros, uint32(e.TmaxMS),
				nz(imp), nz64(price), nz(cmp), nz(cr), nz(deal), uint16(e.NBR), e.Reason, e.LatencyUS)
		case *events.Notice:
			row = append(row, e.AuctionID, e.Exchange, e.ImpID, e.BidID, e.Campaign, e.Creative, e.PriceMicros, e.BidMicros, uint16(e.LossReason))
		case *events.AdDecision:
			row = append(row, e.SessionID, e.BreakID, e.ContentID, e.RequestedMS, e.FilledMS, uint16(e.PodSize), nz(e.Creatives),
				uint32(e.Bidders), uint32(e.Bids), e.AuctionLatencyUS, e.LatencyUS, "", "", "", uint16(0), uint16(0), "", "", int64(0), "")
		case *events.AdTracking:
			row = append(row, e.SessionID, e.BreakID, "", int64(0), int64(0), uint16(0), []string{}, uint32(0), uint32(0), int64(0), int64(0),
				e.AdID, e.Creative, e.Campaign, uint16(e.Position), uint16(e.VASTError), e.Source, e.Viewer, e.PriceMicros, e.Currency)
		case *events.QoE:
			row = append(row, e.SessionID, e.ContentID, e.Device, e.StartupMS, e.WatchMS, uint32(e.Rebuffers), e.RebufferMS,
				uint32(e.BitrateSwitches), uint32(e.BitrateKbps), uint32(e.Errors), e.LastError, b2u(e.Final), "", "", "", uint16(0), int64(0), int64(0))
		case *events.SessionStart:
			row = append(row, e.SessionID, e.ContentID, "", int64(0), int64(0), uint32(0), int64(0), uint32(0), uint32(0), uint32(0), "", uint8(0),
				e.Source, e.Viewer, e.Mode, uint16(e.PrerollAds), e.DecisionUS, e.LatencyUS)
		case *events.RecsServed:
			row = append(row, e.ID, e.UserID, e.Surface, e.Model, e.Experiment, e.Arm, nz(e.Items), e.LatencyUS, "", uint16(0))
		case *events.RecsAction:
			row = append(row, e.ListID, e.UserID, "", e.Model, e.Experiment, e.Arm, []string{}, int64(0), e.ItemID, uint16(e.Position))
		default:
			t.Fatalf("insertEvents: unexpected %T", ev)
		}
		row = append(row, int32(0), int64(i), "test")
		byFamily[ev.Family()].rows = append(byFamily[ev.Family()].rows, row)
	}
	for f, tb := range byFamily {
		if len(tb.rows) == 0 {
			continue
		}
		q := fmt.Sprintf("INSERT INTO %s.%s (time, time_ms, id, version, type, service, request_id, %s, kafka_partition, kafka_offset, batch_id)",
			database, schema.RawTable(f), tb.cols)
		batch, err := conn.PrepareBatch(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for _, row := range tb.rows {
			if err := batch.Append(row...); err != nil {
				t.Fatalf("append to %s: %v", f, err)
			}
		}
		if err := batch.Send(); err != nil {
			t.Fatalf("insert into %s: %v", f, err)
		}
	}
}

func nz(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func nz64(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
