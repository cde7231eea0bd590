package sink

import (
	"fmt"
	"strings"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/schema"
)

// table maps one family's events to the columns of its raw table (see analytics/schema):
// the header columns, the family's own columns written by own, then kafka_partition and
// kafka_offset. The insert adds batch_id, the same for every row of a partition's batch;
// inserted_at takes its default.
type table struct {
	family events.Family
	name   string
	cols   []colSpec // every column of rows, in insert order
	own    func(w *rowWriter, ev events.Event)
}

var headerCols = []colSpec{
	{"time", kDateTime}, {"time_ms", kUInt16}, {"id", kString}, {"version", kUInt8},
	{"type", kString}, {"service", kString}, {"request_id", kString},
	{"received", kDateTime}, {"received_ms", kUInt16},
}

var kafkaCols = []colSpec{{"kafka_partition", kInt32}, {"kafka_offset", kInt64}}

func newTable(f events.Family, own []colSpec, write func(w *rowWriter, ev events.Event)) *table {
	cols := append(append(append([]colSpec(nil), headerCols...), own...), kafkaCols...)
	return &table{family: f, name: schema.RawTable(f), cols: cols, own: write}
}

// insertSQL is the INSERT statement of the table in database, with its explicit column list
// (ClickHouse 18.16 needs one over the native protocol).
func (t *table) insertSQL(database string) string {
	names := make([]string, 0, len(t.cols)+1)
	for _, c := range t.cols {
		names = append(names, c.name)
	}
	names = append(names, "batch_id")
	return fmt.Sprintf("INSERT INTO %s.%s (%s)", database, t.name, strings.Join(names, ", "))
}

// add appends ev, read from Kafka at partition/offset, as one row.
func (t *table) add(r *rows, ev events.Typed, partition int32, offset int64) {
	w := rowWriter{r: r}
	h := ev.EventHeader()
	w.dateTime(h.Time.Unix())
	w.u16(h.Time.Nanosecond() / 1e6)
	w.str(h.ID)
	w.u8(uint8(h.V))
	w.str(ev.Type())
	w.str(h.Service)
	w.str(h.RequestID)
	rcv := h.ReceivedOrTime()
	w.dateTime(rcv.Unix())
	w.u16(rcv.Nanosecond() / 1e6)
	t.own(&w, ev)
	w.i32(partition)
	w.i64(offset)
	w.done()
}

// tables maps each family to its table.
var tables = map[events.Family]*table{
	events.FamilyBids: newTable(events.FamilyBids, []colSpec{
		{"auction_id", kString}, {"exchange", kString}, {"publisher", kString}, {"imps", kUInt32},
		{"formats", kStrings}, {"floor_micros", kInt64}, {"tmax_ms", kUInt32}, {"currency", kString},
		{"bid.imp", kStrings}, {"bid.price_micros", kInt64s}, {"bid.campaign", kStrings},
		{"bid.creative", kStrings}, {"bid.deal", kStrings},
		{"nbr", kUInt16}, {"reason", kString}, {"latency_us", kInt64},
	}, func(w *rowWriter, ev events.Event) {
		e := ev.(*events.BidRequest)
		w.str(e.AuctionID)
		w.str(e.Exchange)
		w.str(e.Publisher)
		w.u32(e.Imps)
		w.strs(e.Formats)
		w.i64(e.FloorMicros)
		w.u32(e.TmaxMS)
		w.str(e.Currency)
		n := len(e.Bids)
		imp, campaign, creative, deal := w.r.strings(n), w.r.strings(n), w.r.strings(n), w.r.strings(n)
		price := w.r.int64s(n)
		for i, b := range e.Bids {
			imp[i], price[i], campaign[i], creative[i], deal[i] = b.ImpID, b.PriceMicros, b.Campaign, b.Creative, b.Deal
		}
		w.strs(imp)
		w.i64s(price)
		w.strs(campaign)
		w.strs(creative)
		w.strs(deal)
		w.u16(e.NBR)
		w.str(e.Reason)
		w.i64(e.LatencyUS)
	}),

	events.FamilyWins: newTable(events.FamilyWins, []colSpec{
		{"auction_id", kString}, {"exchange", kString}, {"imp_id", kString}, {"bid_id", kString},
		{"campaign", kString}, {"creative", kString}, {"price_micros", kInt64}, {"bid_micros", kInt64},
		{"currency", kString}, {"loss_reason", kUInt16},
	}, func(w *rowWriter, ev events.Event) {
		e := ev.(*events.Notice)
		w.str(e.AuctionID)
		w.str(e.Exchange)
		w.str(e.ImpID)
		w.str(e.BidID)
		w.str(e.Campaign)
		w.str(e.Creative)
		w.i64(e.PriceMicros)
		w.i64(e.BidMicros)
		w.str(e.Currency)
		w.u16(e.LossReason)
	}),

	events.FamilyAds: newTable(events.FamilyAds, []colSpec{
		{"session_id", kString}, {"break_id", kString}, {"content_id", kString},
		{"requested_ms", kInt64}, {"filled_ms", kInt64}, {"pod_size", kUInt16}, {"creatives", kStrings},
		{"bidders", kUInt32}, {"bids", kUInt32}, {"auction_latency_us", kInt64}, {"latency_us", kInt64},
		{"ad_id", kString}, {"creative", kString}, {"campaign", kString}, {"position", kUInt16},
		{"vast_error", kUInt16}, {"source", kString}, {"viewer", kString}, {"price_micros", kInt64},
		{"currency", kString},
	}, func(w *rowWriter, ev events.Event) {
		var d events.AdDecision
		var t events.AdTracking
		switch e := ev.(type) {
		case *events.AdDecision:
			d = *e
			t.SessionID, t.BreakID = e.SessionID, e.BreakID
		case *events.AdTracking:
			t = *e
			d.SessionID, d.BreakID = e.SessionID, e.BreakID
		}
		w.str(d.SessionID)
		w.str(d.BreakID)
		w.str(d.ContentID)
		w.i64(d.RequestedMS)
		w.i64(d.FilledMS)
		w.u16(d.PodSize)
		w.strs(d.Creatives)
		w.u32(d.Bidders)
		w.u32(d.Bids)
		w.i64(d.AuctionLatencyUS)
		w.i64(d.LatencyUS)
		w.str(t.AdID)
		w.str(t.Creative)
		w.str(t.Campaign)
		w.u16(t.Position)
		w.u16(t.VASTError)
		w.str(t.Source)
		w.str(t.Viewer)
		w.i64(t.PriceMicros)
		w.str(t.Currency)
	}),

	events.FamilyPlayback: newTable(events.FamilyPlayback, []colSpec{
		{"session_id", kString}, {"content_id", kString}, {"device", kString}, {"startup_ms", kInt64},
		{"watch_ms", kInt64}, {"rebuffers", kUInt32}, {"rebuffer_ms", kInt64}, {"bitrate_switches", kUInt32},
		{"bitrate_kbps", kUInt32}, {"errors", kUInt32}, {"last_error", kString}, {"final", kUInt8},
		{"source", kString}, {"viewer", kString}, {"mode", kString}, {"preroll_ads", kUInt16},
		{"decision_us", kInt64}, {"latency_us", kInt64},
	}, func(w *rowWriter, ev events.Event) {
		var e events.QoE
		var st events.SessionStart
		switch v := ev.(type) {
		case *events.QoE:
			e = *v
		case *events.SessionStart:
			st = *v
			e.SessionID, e.ContentID = v.SessionID, v.ContentID
		}
		w.str(e.SessionID)
		w.str(e.ContentID)
		w.str(e.Device)
		w.i64(e.StartupMS)
		w.i64(e.WatchMS)
		w.u32(e.Rebuffers)
		w.i64(e.RebufferMS)
		w.u32(e.BitrateSwitches)
		w.u32(e.BitrateKbps)
		w.u32(e.Errors)
		w.str(e.LastError)
		w.flag(e.Final)
		w.str(st.Source)
		w.str(st.Viewer)
		w.str(st.Mode)
		w.u16(st.PrerollAds)
		w.i64(st.DecisionUS)
		w.i64(st.LatencyUS)
	}),

	events.FamilyRecs: newTable(events.FamilyRecs, []colSpec{
		{"list_id", kString}, {"user_id", kString}, {"surface", kString}, {"model", kString},
		{"experiment", kString}, {"arm", kString}, {"items", kStrings}, {"latency_us", kInt64},
		{"item", kString}, {"position", kUInt16},
	}, func(w *rowWriter, ev events.Event) {
		var a events.RecsAction
		var s events.RecsServed
		switch e := ev.(type) {
		case *events.RecsServed:
			s = *e
			a.ListID, a.UserID, a.Model, a.Experiment, a.Arm = e.ID, e.UserID, e.Model, e.Experiment, e.Arm
		case *events.RecsAction:
			a = *e
		}
		w.str(a.ListID)
		w.str(a.UserID)
		w.str(s.Surface)
		w.str(a.Model)
		w.str(a.Experiment)
		w.str(a.Arm)
		w.strs(s.Items)
		w.i64(s.LatencyUS)
		w.str(a.ItemID)
		w.u16(a.Position)
	}),
}
