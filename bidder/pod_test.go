package bidder

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestDynamicPodIsOptimal compares the knapsack's choice with brute force over every subset of
// (campaign, creative) options: same best total price, and the constraints hold.
func TestDynamicPodIsOptimal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 40 {
		var cs []*Campaign
		n := 2 + r.IntN(5)
		for i := range n {
			durs := []int64{}
			for _, d := range []int64{15, 30, 45, 60} {
				if r.IntN(2) == 0 {
					durs = append(durs, d)
				}
			}
			if len(durs) == 0 {
				durs = []int64{15}
			}
			cs = append(cs, videoCampaign(fmt.Sprintf("t%d-c%d", trial, i), int64(5+r.IntN(40))*1_000_000, durs...))
		}
		podDur := []int64{30, 60, 90, 120}[r.IntN(4)]
		maxSeq := 1 + r.IntN(4)
		b := newTestBidder(t, testConfig(), Deps{}, cs...)
		req := fmt.Sprintf(`{"id":"r","at":2,"imp":[{"id":"p","video":{"mimes":["video/mp4"],"poddur":%d,"maxseq":%d,"podid":"x"}}]}`, podDur, maxSeq)
		code, resp, _ := call(t, b, req)

		// Brute force: every choice of at most one creative per campaign.
		best := int64(0)
		var rec func(i int, dur int64, cnt int, sum int64)
		rec = func(i int, dur int64, cnt int, sum int64) {
			if dur > podDur || cnt > maxSeq {
				return
			}
			best = max(best, sum)
			if i == len(cs) {
				return
			}
			rec(i+1, dur, cnt, sum)
			for _, cr := range cs[i].Creatives {
				rec(i+1, dur+cr.DurationSec, cnt+1, sum+cs[i].BaseCPMMicros)
			}
		}
		rec(0, 0, 0, 0)

		var got, dur int64
		seen := map[string]bool{}
		for _, bd := range bidsOf(resp) {
			got += int64(bd.Price*1e6 + 0.5)
			dur += bd.Dur
			if seen[bd.CID] {
				t.Fatalf("trial %d: campaign %s twice", trial, bd.CID)
			}
			seen[bd.CID] = true
		}
		if best == 0 && code != 204 || best > 0 && got != best || dur > podDur || len(seen) > maxSeq {
			t.Fatalf("trial %d (poddur %d, maxseq %d): got total %d over %d s in %d bids, brute force best %d",
				trial, podDur, maxSeq, got, dur, len(seen), best)
		}
	}
}

// TestStructuredPodSeparation: one campaign and one advertiser at most once per pod; a second
// pod in the same request may use them again.
func TestStructuredPodSeparation(t *testing.T) {
	a := videoCampaign("a", 20_000_000, 15)
	a2 := videoCampaign("a2", 19_000_000, 15)
	a2.ADomain = a.ADomain // same advertiser as a
	c := videoCampaign("c", 10_000_000, 15)
	b := newTestBidder(t, testConfig(), Deps{}, a, a2, c)
	slot := func(id, pod string, pos int) string {
		return fmt.Sprintf(`{"id":"%s","video":{"mimes":["video/mp4"],"maxduration":15,"podid":"%s","slotinpod":%d}}`, id, pod, pos)
	}
	req := `{"id":"r","at":2,"imp":[` + slot("1", "P", 1) + "," + slot("2", "P", 0) + "," + slot("3", "P", -1) + "," + slot("4", "Q", 0) + `]}`
	_, resp, _ := call(t, b, req)
	byImp := map[string]string{}
	for _, bd := range bidsOf(resp) {
		byImp[bd.ImpID] = bd.CID
	}
	if byImp["1"] != "a" || byImp["2"] != "c" || byImp["3"] != "" || byImp["4"] != "a" {
		t.Errorf("pod slots got %v; want 1:a, 2:c (a2 shares a's advertiser), 3: none, 4 (other pod): a", byImp)
	}
}
