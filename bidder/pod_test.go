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

// TestDynamicPodPruningKeepsTheBest: leaving out the campaigns podCover rules out never lowers
// the pod's total price. Random books (mixed objectives, durations, price caps, deals) and
// random dynamic pods, each decided with pruning and by the exhaustive reference.
func TestDynamicPodPruningKeepsTheBest(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	durations := []int64{5, 6, 10, 15, 20, 30, 45, 60}
	for trial := range 60 {
		var cs []*Campaign
		for i := range 20 + r.IntN(60) {
			var durs []int64
			for range 1 + r.IntN(3) {
				durs = append(durs, durations[r.IntN(len(durations))])
			}
			c := videoCampaign(fmt.Sprintf("t%d-c%d", trial, i), int64(1+r.IntN(12))*2_000_000, durs...)
			c.Objective = []string{"", "ctr", "completion"}[r.IntN(3)]
			if r.IntN(5) == 0 {
				c.MaxCPMMicros = c.BaseCPMMicros + int64(r.IntN(4))*1_000_000
			}
			if r.IntN(4) == 0 {
				c.Deals = []string{"d1"}
			}
			if r.IntN(6) == 0 {
				c.ADomain = []string{"shared.example"}
			}
			cs = append(cs, c)
		}
		podDur := []int64{30, 60, 90, 120, 180}[r.IntN(5)]
		maxSeq := r.IntN(9) // 0: absent
		video := fmt.Sprintf(`"mimes":["video/mp4"],"poddur":%d,"maxseq":%d,"podid":"x","minduration":%d,"maxduration":%d`,
			podDur, maxSeq, []int{0, 5, 10}[r.IntN(3)], []int{0, 30, 60}[r.IntN(3)])
		if r.IntN(3) == 0 {
			video += fmt.Sprintf(`,"mincpmpersec":%g`, float64(r.IntN(4))*0.2)
		}
		if r.IntN(4) == 0 {
			video += `,"rqddurs":[15,30]`
		}
		imp := fmt.Sprintf(`{"id":"p","video":{%s},"bidfloor":%d`, video, r.IntN(10))
		if r.IntN(3) == 0 {
			imp += fmt.Sprintf(`,"pmp":{"deals":[{"id":"d1","bidfloor":%d,"at":%d}]}`, r.IntN(15), 1+r.IntN(3))
		}
		req := fmt.Sprintf(`{"id":"r","at":%d,"imp":[%s}]}`, 1+r.IntN(2), imp)

		total := func(exhaustive bool) (int64, int) {
			b := newTestBidder(t, testConfig(), Deps{}, cs...)
			b.exhaustive = exhaustive
			code, resp, _ := call(t, b, req)
			if code != 200 && code != 204 {
				t.Fatalf("trial %d: status %d for %s", trial, code, req)
			}
			var sum, dur int64
			bids := bidsOf(resp)
			for _, bd := range bids {
				sum += int64(bd.Price*1e6 + 0.5)
				dur += bd.Dur
			}
			if dur > podDur || maxSeq > 0 && len(bids) > maxSeq {
				t.Fatalf("trial %d: %d bids over %d s break the pod (poddur %d, maxseq %d)", trial, len(bids), dur, podDur, maxSeq)
			}
			return sum, len(bids)
		}
		fast, nf := total(false)
		slow, ns := total(true)
		if fast != slow {
			t.Errorf("trial %d: pruned pod totals %d in %d bids, exhaustive %d in %d bids; request %s", trial, fast, nf, slow, ns, req)
		}
	}
}
