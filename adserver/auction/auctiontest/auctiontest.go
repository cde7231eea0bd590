// Package auctiontest runs honest OpenRTB 2.6 bidders for tests and benchmarks: small
// fasthttp servers on loopback that answer bid requests with the offers they are given, the
// way an external SSP's or DSP's bidder would — VAST 4.2 InLine markup in adm (or served by
// nurl), win, billing and loss notice URLs with the OpenRTB macros — and record every request
// and notice they receive.
//
//	b := auctiontest.Start(t, auctiontest.Config{Offers: []auctiontest.Offer{
//		{CrID: "cr-1", ADomain: "a.example", PriceCPM: 12, Dur: 15, MediaURL: mezz},
//	}})
//	endpoint := auction.Endpoint{Name: "dsp", URL: b.URL}
package auctiontest

import (
	"bytes"
	"compress/gzip"
	stdjson "encoding/json"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/prebid/openrtb/v20/openrtb2"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

// Offer is one ad a test bidder bids with.
type Offer struct {
	CrID     string
	CID      string // campaign (default "camp-"+CrID)
	ADomain  string
	Cat      []string
	PriceCPM float64
	Dur      int    // seconds, in bid.dur and the VAST Duration
	NoDur    bool   // leave bid.dur out (the adm's Duration decides)
	DealID   string // bid in this deal
	MediaURL string // the mezzanine MP4 in the VAST (default a URL on the bidder)
	// UAID is the UniversalAdId value (registry "test"); default CrID.
	UAID string
	// Adm replaces the generated VAST markup (e.g. a wrapper); "-" sends none.
	Adm string
	// NURLServesAdm leaves adm out: the win notice answers with the markup.
	NURLServesAdm bool
	// ImpID is the impression bid on (a slot of a structured pod); default the first.
	ImpID string
}

// Config says how a test bidder behaves.
type Config struct {
	Seat   string
	Offers []Offer
	// Respond, when set, chooses the offers per request (it may read the request).
	Respond func(req *openrtb2.BidRequest) []Offer
	// Delay is waited before answering a bid request.
	Delay time.Duration
	// Status, when not 0 or 200, is answered with an empty body.
	Status int
	// GzipResponses compresses answers when the request accepts gzip.
	GzipResponses bool
	// Raw, when set, is answered verbatim (a malformed response).
	Raw []byte
}

// Notice is a win, bill, loss or event notice the bidder received.
type Notice struct {
	Kind  string // win, bill, loss, imp, event, error
	Query url.Values
}

// Bidder is a running test bidder.
type Bidder struct {
	URL  string // the bid endpoint
	Base string

	cfg      Config
	requests atomic.Int64
	gzipped  atomic.Int64
	mu       sync.Mutex
	last     *openrtb2.BidRequest
	notices  []Notice
	admByBid map[string][]byte
	seq      atomic.Int64
	done     chan struct{}
}

// Start runs a bidder until the test ends.
func Start(tb testing.TB, cfg Config) *Bidder {
	tb.Helper()
	if cfg.Seat == "" {
		cfg.Seat = "seat-1"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	b := &Bidder{cfg: cfg, Base: "http://" + ln.Addr().String(), admByBid: map[string][]byte{}, done: make(chan struct{})}
	b.URL = b.Base + "/openrtb2/bid"
	s := &fasthttp.Server{Handler: b.serve, ReadTimeout: 10 * time.Second}
	go func() { _ = s.Serve(ln) }()
	tb.Cleanup(func() {
		close(b.done) // delayed answers give up, so shutting down does not wait for them
		_ = s.Shutdown()
	})
	return b
}

// Requests is the number of bid requests received.
func (b *Bidder) Requests() int64 { return b.requests.Load() }

// GzippedRequests is the number of bid requests that arrived gzip-compressed.
func (b *Bidder) GzippedRequests() int64 { return b.gzipped.Load() }

// LastRequest is the last bid request received, decoded.
func (b *Bidder) LastRequest() *openrtb2.BidRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// Notices returns the notices received so far.
func (b *Bidder) Notices() []Notice {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Notice(nil), b.notices...)
}

// WaitNotices waits up to timeout for n notices of kind and returns those received.
func (b *Bidder) WaitNotices(kind string, n int, timeout time.Duration) []Notice {
	end := time.Now().Add(timeout)
	for {
		var out []Notice
		for _, nt := range b.Notices() {
			if nt.Kind == kind {
				out = append(out, nt)
			}
		}
		if len(out) >= n || time.Now().After(end) {
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (b *Bidder) serve(ctx *fasthttp.RequestCtx) {
	path := string(ctx.Path())
	switch {
	case path == "/openrtb2/bid":
		b.bid(ctx)
	case len(path) > len("/notice/") && path[:len("/notice/")] == "/notice/":
		kind := path[len("/notice/"):]
		q, _ := url.ParseQuery(string(ctx.QueryArgs().QueryString()))
		b.mu.Lock()
		b.notices = append(b.notices, Notice{Kind: kind, Query: q})
		adm := b.admByBid[q.Get("bid")]
		b.mu.Unlock()
		if kind == "win" && adm != nil {
			ctx.SetContentType("application/xml")
			ctx.SetBody(adm)
		}
	case path == "/media.mp4":
		ctx.SetContentType("video/mp4")
		ctx.SetBodyString("not really an mp4")
	default:
		ctx.SetStatusCode(404)
	}
}

func (b *Bidder) bid(ctx *fasthttp.RequestCtx) {
	b.requests.Add(1)
	body := ctx.PostBody()
	if bytes.EqualFold(ctx.Request.Header.ContentEncoding(), []byte("gzip")) {
		b.gzipped.Add(1)
		var err error
		if body, err = ctx.Request.BodyGunzip(); err != nil {
			ctx.Error("bad gzip", 400)
			return
		}
	}
	var req openrtb2.BidRequest
	if err := json.Unmarshal(body, &req); err != nil {
		ctx.Error("bad request: "+err.Error(), 400)
		return
	}
	b.mu.Lock()
	b.last = &req
	b.mu.Unlock()
	if b.cfg.Delay > 0 {
		select {
		case <-time.After(b.cfg.Delay):
		case <-b.done:
			return
		}
	}
	if b.cfg.Raw != nil {
		ctx.SetBody(b.cfg.Raw)
		return
	}
	if b.cfg.Status != 0 && b.cfg.Status != 200 {
		ctx.SetStatusCode(b.cfg.Status)
		return
	}
	offers := b.cfg.Offers
	if b.cfg.Respond != nil {
		offers = b.cfg.Respond(&req)
	}
	if len(offers) == 0 {
		ctx.SetStatusCode(fasthttp.StatusNoContent)
		return
	}
	out := b.response(&req, offers)
	ctx.SetContentType("application/json")
	if b.cfg.GzipResponses && ctx.Request.Header.HasAcceptEncoding("gzip") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(out)
		_ = zw.Close()
		ctx.Response.Header.Set("Content-Encoding", "gzip")
		ctx.SetBody(buf.Bytes())
		return
	}
	ctx.SetBody(out)
}

func (b *Bidder) response(req *openrtb2.BidRequest, offers []Offer) []byte {
	type bid struct {
		ID      string   `json:"id"`
		ImpID   string   `json:"impid"`
		Price   float64  `json:"price"`
		AdM     string   `json:"adm,omitempty"`
		NURL    string   `json:"nurl,omitempty"`
		BURL    string   `json:"burl,omitempty"`
		LURL    string   `json:"lurl,omitempty"`
		ADomain []string `json:"adomain,omitempty"`
		CID     string   `json:"cid,omitempty"`
		CrID    string   `json:"crid,omitempty"`
		Cat     []string `json:"cat,omitempty"`
		DealID  string   `json:"dealid,omitempty"`
		MType   int      `json:"mtype"`
		Dur     int      `json:"dur,omitempty"`
	}
	var bids []bid
	for _, o := range offers {
		id := fmt.Sprintf("%s-%d", o.CrID, b.seq.Add(1))
		cid := o.CID
		if cid == "" {
			cid = "camp-" + o.CrID
		}
		notice := func(kind, extra string) string {
			return b.Base + "/notice/" + kind + "?bid=" + url.QueryEscape(id) + "&crid=" + url.QueryEscape(o.CrID) + extra
		}
		imp := o.ImpID
		if imp == "" {
			imp = req.Imp[0].ID
		}
		bd := bid{
			ID: id, ImpID: imp, Price: o.PriceCPM, CID: cid, CrID: o.CrID, Cat: o.Cat, DealID: o.DealID, MType: 2,
			NURL: notice("win", "&price=${AUCTION_PRICE}&auction=${AUCTION_ID}"),
			BURL: notice("bill", "&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}"),
			LURL: notice("loss", "&reason=${AUCTION_LOSS}&min=${AUCTION_MIN_TO_WIN}"),
		}
		if o.ADomain != "" {
			bd.ADomain = []string{o.ADomain}
		}
		if !o.NoDur {
			bd.Dur = o.Dur
		}
		adm := o.Adm
		if adm == "" {
			adm = string(b.VAST(o, id))
		}
		switch {
		case o.NURLServesAdm:
			b.mu.Lock()
			b.admByBid[id] = []byte(adm)
			b.mu.Unlock()
		case adm != "-":
			bd.AdM = adm
		}
		bids = append(bids, bd)
	}
	var out bytes.Buffer
	enc := stdjson.NewEncoder(&out)
	enc.SetEscapeHTML(false) // VAST in adm stays as it is
	_ = enc.Encode(map[string]any{
		"id": req.ID, "cur": "USD",
		"seatbid": []map[string]any{{"seat": b.cfg.Seat, "bid": bids}},
	})
	return out.Bytes()
}

// VAST returns the InLine VAST 4.2 markup the bidder sends for offer o in bid id: an
// impression and quartile events to its own notice URLs, an error URL, a click-through, and
// the mezzanine MP4.
func (b *Bidder) VAST(o Offer, id string) []byte {
	media := o.MediaURL
	if media == "" {
		media = b.Base + "/media.mp4"
	}
	uaid := o.UAID
	if uaid == "" {
		uaid = o.CrID
	}
	ev := func(e string) string { return b.Base + "/notice/event?bid=" + id + "&e=" + e }
	var tr []vast.Tracking
	for _, e := range []string{vast.EventStart, vast.EventFirstQuartile, vast.EventMidpoint, vast.EventThirdQuartile, vast.EventComplete} {
		tr = append(tr, vast.Tracking{Event: e, URL: ev(e)})
	}
	return vast.AppendDocument(nil, &vast.Document{Ads: []vast.Ad{{ID: o.CrID, InLine: &vast.InLine{
		AdSystem:    vast.AdSystem{Name: "TestBidder"},
		Errors:      []string{b.Base + "/notice/error?bid=" + id + "&code=[ERRORCODE]"},
		Impressions: []vast.Impression{{URL: b.Base + "/notice/imp?bid=" + id}},
		AdServingID: id,
		AdTitle:     o.CrID,
		Advertiser:  o.ADomain,
		Creatives: []vast.Creative{{ID: o.CrID, UniversalAdIDs: []vast.UniversalAdID{{Registry: "test", Value: uaid}},
			Linear: &vast.Linear{
				Duration:      time.Duration(o.Dur) * time.Second,
				Tracking:      tr,
				ClickThrough:  "https://" + o.ADomain + "/landing?c=" + o.CrID,
				ClickTracking: []string{ev("click")},
				MediaFiles:    []vast.MediaFile{{Delivery: "progressive", Type: "video/mp4", Width: 1920, Height: 1080, Bitrate: 8000, URL: media}},
			}}},
	}}}})
}
