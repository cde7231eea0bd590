// Package eventstest generates valid, varied, deterministic analytics events for tests,
// benchmarks and load generators:
//
//	g := eventstest.New(1, time.Now())
//	ev := g.Next(events.FamilyBids) // a *events.BidRequest, valid, with a fresh id
//	all := eventstest.EveryType(t0) // one event of every type, every optional field set
package eventstest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// Gen produces events. It is not safe for concurrent use.
type Gen struct {
	r   *rand.Rand
	t   time.Time
	seq uint64
}

// New returns a generator seeded with seed whose events start at start and advance by one
// millisecond each.
func New(seed uint64, start time.Time) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), t: start.UTC().Truncate(time.Millisecond)}
}

var (
	exchanges   = []string{"ssp-alpha", "ssp-beta", "ssp-gamma"}
	publishers  = []string{"pub-news", "pub-sports", "pub-kids", "pub-movies"}
	campaigns   = []string{"cmp-1", "cmp-2", "cmp-3", "cmp-4", "cmp-5"}
	devices     = []string{"web", "ios", "android", "ctv"}
	models      = []string{"two-tower", "popular"}
	arms        = []string{"control", "treatment"}
	nobid       = []string{"no_campaign", "below_floor", "paced", "capped"}
	formatsList = [][]string{{events.FormatVideo}, {events.FormatVideo, events.FormatBanner}, {events.FormatAudio}}
)

func (g *Gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *Gen) header(service string) events.Header {
	g.seq++
	g.t = g.t.Add(time.Millisecond)
	return events.Header{
		V:         events.Version,
		ID:        events.NewID(),
		Time:      g.t,
		Service:   service,
		RequestID: fmt.Sprintf("req-%d", g.seq),
	}
}

// Next returns a new valid event of family f, choosing among the family's types.
func (g *Gen) Next(f events.Family) events.Typed {
	switch f {
	case events.FamilyBids:
		return g.bid()
	case events.FamilyWins:
		kinds := []events.NoticeKind{events.NoticeWin, events.NoticeBilling, events.NoticeLoss}
		k := kinds[g.r.IntN(len(kinds))]
		n := &events.Notice{
			Header: g.header("bidder"), Kind: k, AuctionID: fmt.Sprintf("auc-%d", g.seq),
			Exchange: g.pick(exchanges), ImpID: "1", BidID: fmt.Sprintf("bid-%d", g.seq),
			Campaign: g.pick(campaigns), Creative: "cr-" + g.pick(campaigns),
			PriceMicros: int64(500_000 + g.r.IntN(20_000_000)), BidMicros: int64(1_000_000 + g.r.IntN(20_000_000)),
		}
		if k == events.NoticeLoss {
			n.LossReason = 102
		}
		return n
	case events.FamilyAds:
		if g.r.IntN(8) == 0 {
			return &events.AdDecision{
				Header: g.header("adserver"), SessionID: fmt.Sprintf("sess-%d", g.seq%1000), BreakID: "brk-1",
				ContentID: "vod-42", RequestedMS: 60_000, FilledMS: int64(30_000 + g.r.IntN(30_000)), PodSize: 4,
				Creatives: []string{"cr-1", "cr-2"}, Bidders: 3, Bids: g.r.IntN(6),
				AuctionLatencyUS: int64(2_000 + g.r.IntN(8_000)), LatencyUS: int64(5_000 + g.r.IntN(10_000)),
			}
		}
		k := events.TrackingKinds[g.r.IntN(len(events.TrackingKinds))]
		t := &events.AdTracking{
			Header: g.header("ssai"), Kind: k, SessionID: fmt.Sprintf("sess-%d", g.seq%1000), BreakID: "brk-1",
			AdID: "ad-1", Creative: "cr-" + g.pick(campaigns), Campaign: g.pick(campaigns),
			Position: 1 + g.r.IntN(4), Source: events.SourceServer,
			Viewer: fmt.Sprintf("viewer-%d", g.seq%5000), PriceMicros: int64(2_000_000 + g.r.IntN(30_000_000)),
		}
		if k == events.TrackError {
			t.VASTError = 402
		}
		return t
	case events.FamilyPlayback:
		if g.r.IntN(8) == 0 {
			decision := int64(g.r.IntN(2) * (5_000 + g.r.IntN(40_000)))
			return &events.SessionStart{
				Header: g.header("ssai"), SessionID: fmt.Sprintf("sess-%d", g.seq%1000), Source: "demo",
				ContentID: "vod-42", Viewer: fmt.Sprintf("viewer-%d", g.seq%5000), Mode: events.ModeStitched,
				PrerollAds: int(min(decision, 1)) * (1 + g.r.IntN(3)), DecisionUS: decision,
				LatencyUS: decision + int64(1_000+g.r.IntN(9_000)),
			}
		}
		return &events.QoE{
			Header: g.header("player"), SessionID: fmt.Sprintf("sess-%d", g.seq%1000), ContentID: "vod-42",
			Device: g.pick(devices), StartupMS: int64(g.r.IntN(2) * (300 + g.r.IntN(900))),
			WatchMS: int64(9_000 + g.r.IntN(1_000)), Rebuffers: g.r.IntN(2), RebufferMS: int64(g.r.IntN(500)),
			BitrateSwitches: g.r.IntN(3), BitrateKbps: 2_000 + g.r.IntN(4_000),
		}
	case events.FamilyRecs:
		if g.r.IntN(4) == 0 {
			return &events.RecsAction{
				Header: g.header("recs"), Kind: events.ActionClick, ListID: events.NewID(),
				UserID: fmt.Sprintf("user-%d", g.seq%5000), ItemID: fmt.Sprintf("item-%d", g.r.IntN(500)),
				Position: 1 + g.r.IntN(20), Model: g.pick(models), Experiment: "exp-rank", Arm: g.pick(arms),
			}
		}
		items := make([]string, 20)
		for i := range items {
			items[i] = fmt.Sprintf("item-%d", g.r.IntN(500))
		}
		return &events.RecsServed{
			Header: g.header("recs"), UserID: fmt.Sprintf("user-%d", g.seq%5000), Surface: "home/top",
			Model: g.pick(models), Experiment: "exp-rank", Arm: g.pick(arms), Items: items,
			LatencyUS: int64(1_000 + g.r.IntN(4_000)),
		}
	}
	panic("eventstest: unknown family " + string(f))
}

func (g *Gen) bid() *events.BidRequest {
	b := &events.BidRequest{
		Header: g.header("bidder"), AuctionID: fmt.Sprintf("auc-%d", g.seq), Exchange: g.pick(exchanges),
		Publisher: g.pick(publishers), Imps: 1 + g.r.IntN(2), Formats: formatsList[g.r.IntN(len(formatsList))],
		FloorMicros: int64(g.r.IntN(5) * 500_000), TmaxMS: 120, LatencyUS: int64(200 + g.r.IntN(1_800)),
	}
	if g.r.IntN(3) == 0 {
		b.NBR = 8
		b.Reason = g.pick(nobid)
		return b
	}
	b.Bids = []events.Bid{{
		ImpID: "1", PriceMicros: int64(1_000_000 + g.r.IntN(20_000_000)),
		Campaign: g.pick(campaigns), Creative: "cr-" + g.pick(campaigns),
	}}
	return b
}

// received returns h as the collector stamps it, 250 ms after the event time.
func received(h events.Header, t time.Time) events.Header {
	h.Received = t.Add(250 * time.Millisecond)
	return h
}

// EveryType returns one event of every type, with every optional field set, at time t.
func EveryType(t time.Time) []events.Typed {
	t = t.UTC().Truncate(time.Millisecond)
	h := func(service string) events.Header {
		return events.Header{V: events.Version, ID: events.NewID(), Time: t, Service: service, RequestID: "req-1"}
	}
	return []events.Typed{
		&events.BidRequest{
			Header: h("bidder"), AuctionID: "auc-1", Exchange: "ssp-alpha", Publisher: "pub-news", Imps: 2,
			Formats: []string{events.FormatVideo, events.FormatBanner}, FloorMicros: 1_500_000, TmaxMS: 120, Currency: "EUR",
			Bids: []events.Bid{
				{ImpID: "1", PriceMicros: 2_500_000, Campaign: "cmp-1", Creative: "cr-1", Deal: "deal-9"},
				{ImpID: "2", PriceMicros: 1_750_000, Campaign: "cmp-2", Creative: "cr-2"},
			},
			LatencyUS: 850,
		},
		&events.BidRequest{Header: h("bidder"), AuctionID: "auc-2", Exchange: "ssp-beta", Imps: 1, NBR: 8, Reason: "no_campaign", LatencyUS: 120},
		&events.Notice{
			Header: h("bidder"), Kind: events.NoticeLoss, AuctionID: "auc-1", Exchange: "ssp-alpha", ImpID: "1", BidID: "bid-1",
			Campaign: "cmp-1", Creative: "cr-1", PriceMicros: 3_000_000, BidMicros: 2_500_000, Currency: "EUR", LossReason: 102,
		},
		&events.Notice{Header: h("bidder"), Kind: events.NoticeWin, AuctionID: "auc-3", Campaign: "cmp-1", Creative: "cr-1", PriceMicros: 2_100_000},
		&events.AdDecision{
			Header: h("adserver"), SessionID: "sess-1", BreakID: "brk-1", ContentID: "vod-42", RequestedMS: 60_000, FilledMS: 45_000,
			PodSize: 4, Creatives: []string{"cr-1", "cr-2", "cr-3"}, Bidders: 3, Bids: 5, AuctionLatencyUS: 4_200, LatencyUS: 9_100,
		},
		&events.AdTracking{
			Header: received(h("player"), t), Kind: events.TrackError, SessionID: "sess-1", BreakID: "brk-1", AdID: "ad-1", Creative: "cr-1",
			Campaign: "cmp-1", Position: 2, VASTError: 402, Source: events.SourceClient,
			Viewer: "viewer-1", PriceMicros: 12_500_000, Currency: "EUR",
		},
		&events.AdTracking{
			Header: h("ssai"), Kind: events.TrackSkip, SessionID: "sess-1", BreakID: "brk-1", AdID: "ad-2", Creative: "cr-2",
			Position: 1, Source: events.SourceServer, PriceMicros: 8_000_000,
		},
		&events.SessionStart{
			Header: h("ssai"), SessionID: "sess-1", Source: "demo", ContentID: "vod-42", Viewer: "viewer-1",
			Mode: events.ModeInterstitials, PrerollAds: 2, DecisionUS: 31_000, LatencyUS: 38_500,
		},
		&events.QoE{
			Header: received(h("player"), t), SessionID: "sess-1", ContentID: "vod-42", Device: "ctv", StartupMS: 840, WatchMS: 10_000,
			Rebuffers: 1, RebufferMS: 350, BitrateSwitches: 2, BitrateKbps: 4_500, Errors: 1,
			LastError: "MEDIA_ERR_DECODE: \"bad\" frame\n", Final: true,
		},
		&events.RecsServed{
			Header: h("recs"), UserID: "user-7", Surface: "home/top", Model: "two-tower", Experiment: "exp-rank", Arm: "treatment",
			Items: []string{"item-1", "item-2", "item-3"}, LatencyUS: 2_300,
		},
		&events.RecsAction{
			Header: h("recs"), Kind: events.ActionPlay, ListID: "0123456789abcdef0123456789abcdef", UserID: "user-7",
			ItemID: "item-2", Position: 2, Model: "two-tower", Experiment: "exp-rank", Arm: "treatment",
		},
	}
}
