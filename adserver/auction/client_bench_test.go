package auction_test

import (
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/auction/auctiontest"
)

func BenchmarkRequestAppendJSON(b *testing.B) {
	req := sampleRequest()
	buf := req.AppendJSON(nil)
	b.ReportAllocs()
	for b.Loop() {
		buf = req.AppendJSON(buf[:0])
	}
}

// BenchmarkAuctionThreeBidders is one auction against three loopback bidders answering
// two, two and one VAST bids: the fan-out, the transport and the parsing.
func BenchmarkAuctionThreeBidders(b *testing.B) {
	o := func(id string) auctiontest.Offer {
		return auctiontest.Offer{CrID: id, ADomain: id + ".example", PriceCPM: 10, Dur: 15}
	}
	var eps []auction.Endpoint
	for i, offers := range [][]auctiontest.Offer{{o("a"), o("b")}, {o("c"), o("d")}, {o("e")}} {
		bd := auctiontest.Start(b, auctiontest.Config{Offers: offers, GzipResponses: i == 0})
		eps = append(eps, auction.Endpoint{Name: string(rune('x' + i)), URL: bd.URL})
	}
	c, err := auction.NewClient(eps)
	if err != nil {
		b.Fatal(err)
	}
	req := sampleRequest()
	body := req.AppendJSON(nil)
	var res auction.Result
	b.ReportAllocs()
	for b.Loop() {
		res.Reset()
		c.Auction(time.Now().Add(time.Second), req, body, &res)
		if len(res.Bids) != 5 {
			b.Fatalf("%d bids", len(res.Bids))
		}
	}
}
