package auction_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
)

// FuzzParseResponse feeds arbitrary bodies to the bid response reader, for a dynamic and for
// a structured pod. A bidder's answer is outside input: it must never panic; a refused
// response wraps ErrInvalidResponse; every bid it accepts answers an impression of the
// request (its Slot within the structured pod's slots, 0 for a dynamic pod), in the auction's
// currency, at a positive finite price, with markup or a nurl and a creative id; every bid it
// rejects has a loss reason.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`{"id":"auc-1","cur":"USD","seatbid":[{"seat":"s","bid":[{"id":"ok","impid":"1","price":12.5,"adm":"<VAST/>","crid":"c1","adomain":["a.example"],"dur":15,"mtype":2,"slotinpod":1}]}]}`))
	f.Add([]byte(`{"id":"auc-1","seatbid":[{"bid":[{"id":"a","impid":"3","price":1e300,"nurl":"x","crid":"c"},{"id":"b","impid":"02","price":-1}]}]}`))
	f.Add([]byte(`{"id":"auc-1","cur":"EUR"}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, slots := range [][]auction.Slot{nil, {{Duration: 30 * time.Second}, {Duration: 15 * time.Second}, {Duration: 15 * time.Second}}} {
			req := sampleRequest()
			req.Pod.Slots = slots
			bids, rejected, err := auction.ParseResponse("b", body, req, nil, nil)
			if err != nil {
				if !errors.Is(err, auction.ErrInvalidResponse) {
					t.Fatalf("error %v does not wrap ErrInvalidResponse", err)
				}
				continue
			}
			for _, b := range bids {
				switch {
				case len(slots) == 0 && (b.Slot != 0 || b.ImpID != "1"):
					t.Fatalf("dynamic pod: bid for impid %q slot %d", b.ImpID, b.Slot)
				case len(slots) > 0 && (b.Slot < 1 || b.Slot > len(slots)):
					t.Fatalf("structured pod: bid for impid %q slot %d", b.ImpID, b.Slot)
				case b.PriceMicros <= 0 || b.PriceMicros > 1e12 || math.IsNaN(float64(b.PriceMicros)):
					t.Fatalf("price %d micros", b.PriceMicros)
				case b.Adm == "" && b.NURL == "" || b.CreativeID == "" || b.ID == "":
					t.Fatalf("incomplete bid accepted: %+v", b)
				case b.Duration < 0:
					t.Fatalf("duration %s", b.Duration)
				}
			}
			for _, r := range rejected {
				if r.Reason == auction.LossWon || r.Why == "" {
					t.Fatalf("rejected without a reason: %+v", r)
				}
			}
		}
	})
}
