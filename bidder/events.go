package bidder

import (
	"strconv"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// Events: every request, bid, no-bid and notice becomes an analytics event, handed to the
// Emitter (which never blocks). Requests, bids and no-bids go to the "bids" family keyed by
// request id; notices go to the "wins" family keyed by bid id. Each event carries a version
// "v"; the wire encoding is one JSON object.
//
// These types are the bidder's until analytics/events declares the bids and wins families'
// types; then they are replaced by those and this file shrinks to the emit* helpers.

const eventVersion = 1

// BidRequestEvent is one bid request received.
type BidRequestEvent struct {
	TsMs        int64
	RequestID   string
	Imps        int
	TmaxMs      int64
	Domain      string // site domain or app bundle
	DeviceType  int
	Country     string
	Personalize bool
	Privacy     string // why personalization is off
	Version     string // x-openrtb-version
}

// BidEvent is one bid sent.
type BidEvent struct {
	TsMs        int64
	RequestID   string
	ImpID       string
	BidID       string
	CampaignID  string
	CreativeID  string
	DealID      string
	PriceMicros int64 // CPM in micros of Currency
	Currency    string
	AT          int
	DurSec      int64
}

// NoBidEvent is one request answered with 204.
type NoBidEvent struct {
	TsMs      int64
	RequestID string
	Reason    string
}

// NoticeEvent is one win, bill, loss, impression or tracking notice received.
type NoticeEvent struct {
	TsMs        int64
	Kind        string // win, bill, loss, imp, event
	Event       string // for kind "event": start, firstQuartile, …, complete
	RequestID   string
	BidID       string
	CampaignID  string
	CreativeID  string
	PriceMicros int64 // clearing CPM in micros of Currency (win, bill)
	Currency    string
	LossCode    int
	Replay      bool // a repeated notice: recorded, not counted
}

func (e *BidRequestEvent) Family() events.Family { return events.FamilyBids }
func (e *BidRequestEvent) Key() string           { return e.RequestID }
func (e *BidRequestEvent) Append(dst []byte) ([]byte, error) {
	dst = jsonHead(dst, "bid_request", e.TsMs)
	dst = jsonStr(dst, "request_id", e.RequestID)
	dst = jsonInt(dst, "imps", int64(e.Imps))
	dst = jsonInt(dst, "tmax_ms", e.TmaxMs)
	dst = jsonStr(dst, "domain", e.Domain)
	dst = jsonInt(dst, "device_type", int64(e.DeviceType))
	dst = jsonStr(dst, "country", e.Country)
	dst = jsonBool(dst, "personalize", e.Personalize)
	dst = jsonStr(dst, "privacy", e.Privacy)
	dst = jsonStr(dst, "openrtb_version", e.Version)
	return append(dst, '}'), nil
}

func (e *BidEvent) Family() events.Family { return events.FamilyBids }
func (e *BidEvent) Key() string           { return e.RequestID }
func (e *BidEvent) Append(dst []byte) ([]byte, error) {
	dst = jsonHead(dst, "bid", e.TsMs)
	dst = jsonStr(dst, "request_id", e.RequestID)
	dst = jsonStr(dst, "imp_id", e.ImpID)
	dst = jsonStr(dst, "bid_id", e.BidID)
	dst = jsonStr(dst, "campaign_id", e.CampaignID)
	dst = jsonStr(dst, "creative_id", e.CreativeID)
	dst = jsonStr(dst, "deal_id", e.DealID)
	dst = jsonInt(dst, "price_micros", e.PriceMicros)
	dst = jsonStr(dst, "currency", e.Currency)
	dst = jsonInt(dst, "at", int64(e.AT))
	dst = jsonInt(dst, "dur_sec", e.DurSec)
	return append(dst, '}'), nil
}

func (e *NoBidEvent) Family() events.Family { return events.FamilyBids }
func (e *NoBidEvent) Key() string           { return e.RequestID }
func (e *NoBidEvent) Append(dst []byte) ([]byte, error) {
	dst = jsonHead(dst, "no_bid", e.TsMs)
	dst = jsonStr(dst, "request_id", e.RequestID)
	dst = jsonStr(dst, "reason", e.Reason)
	return append(dst, '}'), nil
}

func (e *NoticeEvent) Family() events.Family { return events.FamilyWins }
func (e *NoticeEvent) Key() string           { return e.BidID }
func (e *NoticeEvent) Append(dst []byte) ([]byte, error) {
	dst = jsonHead(dst, "notice", e.TsMs)
	dst = jsonStr(dst, "kind", e.Kind)
	dst = jsonStr(dst, "event", e.Event)
	dst = jsonStr(dst, "request_id", e.RequestID)
	dst = jsonStr(dst, "bid_id", e.BidID)
	dst = jsonStr(dst, "campaign_id", e.CampaignID)
	dst = jsonStr(dst, "creative_id", e.CreativeID)
	dst = jsonInt(dst, "price_micros", e.PriceMicros)
	dst = jsonStr(dst, "currency", e.Currency)
	dst = jsonInt(dst, "loss_code", int64(e.LossCode))
	dst = jsonBool(dst, "replay", e.Replay)
	return append(dst, '}'), nil
}

func jsonHead(dst []byte, typ string, ts int64) []byte {
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, eventVersion, 10)
	dst = append(dst, `,"type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, `","ts_ms":`...)
	return strconv.AppendInt(dst, ts, 10)
}

func jsonStr(dst []byte, k, v string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, k...)
	dst = append(dst, '"', ':')
	return appendJSONString(dst, v)
}

func jsonInt(dst []byte, k string, v int64) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, k...)
	dst = append(dst, '"', ':')
	return strconv.AppendInt(dst, v, 10)
}

func jsonBool(dst []byte, k string, v bool) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, k...)
	dst = append(dst, '"', ':')
	return strconv.AppendBool(dst, v)
}

func (b *Bidder) emitRequest(rc *requestCtx) {
	e := &BidRequestEvent{TsMs: rc.now.UnixMilli(), RequestID: rc.req.ID, Imps: len(rc.req.Imp), TmaxMs: rc.req.TMax, Version: rc.facts.version}
	if s := rc.req.Site; s != nil {
		e.Domain = s.Domain
	} else if a := rc.req.App; a != nil {
		e.Domain = a.Bundle
	}
	if d := rc.req.Device; d != nil {
		e.DeviceType = int(d.DeviceType)
		if d.Geo != nil {
			e.Country = d.Geo.Country
		}
	}
	p := decidePrivacy(&rc.facts, b.cfg.TCFVendorID)
	e.Personalize, e.Privacy = p.personalize, p.reason
	b.emit.Emit(e)
}

func (b *Bidder) emitBids(rc *requestCtx) {
	for i := range rc.bids {
		bo := &rc.bids[i]
		e := &BidEvent{TsMs: rc.now.UnixMilli(), RequestID: rc.req.ID, ImpID: bo.imp.ID, BidID: bo.bidID,
			CampaignID: bo.c.e.c.ID, CreativeID: bo.c.cr.ID, PriceMicros: toCurrencyMicros(bo.c.usd, rc.fx),
			Currency: rc.cur, AT: int(bo.c.at), DurSec: bo.c.dur}
		if bo.c.deal != nil {
			e.DealID = bo.c.deal.ID
		}
		b.emit.Emit(e)
	}
}

func (b *Bidder) emitNoBid(rc *requestCtx, reason string) {
	b.emit.Emit(&NoBidEvent{TsMs: rc.now.UnixMilli(), RequestID: rc.req.ID, Reason: reason})
}
