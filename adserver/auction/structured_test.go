package auction_test

import (
	"slices"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/prebid/openrtb/v20/adcom1"
	"github.com/prebid/openrtb/v20/openrtb2"

	"github.com/cuepoint/cuepoint/adserver/auction"
)

// TestStructuredPodRequest: a structured pod is one impression per slot, ids "1".."n",
// sharing podid and podseq, each with its slotinpod (1 first, -1 last, 0 middle), its own
// maximum length and floor, without the dynamic pod's poddur and maxseq — as an OpenRTB 2.6
// bidder decodes it.
func TestStructuredPodRequest(t *testing.T) {
	req := sampleRequest()
	req.Pod.Seq = 1
	req.Pod.Slots = []auction.Slot{{Duration: 30 * time.Second, FloorCPM: 15}, {Duration: 15 * time.Second, FloorCPM: 7.5}, {Duration: 20 * time.Second, FloorCPM: 10}}
	raw := req.AppendJSON(nil)
	var br openrtb2.BidRequest
	if err := json.Unmarshal(raw, &br); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if len(br.Imp) != 3 {
		t.Fatalf("%d imps, want 3: %s", len(br.Imp), raw)
	}
	wantSlot := []adcom1.SlotPositionInPod{adcom1.SlotPosFirst, adcom1.SlotPosAny, adcom1.SlotPosLast}
	wantMax := []int64{30, 15, 20}
	wantFloor := []float64{15, 7.5, 10}
	for k, imp := range br.Imp {
		v := imp.Video
		switch {
		case imp.ID != []string{"1", "2", "3"}[k]:
			t.Errorf("imp %d: id %q", k, imp.ID)
		case v == nil || v.PodID != "brk-1" || v.PodSeq != adcom1.PodSeqFirst:
			t.Errorf("imp %d: pod %+v", k, v)
		case v.SlotInPod != wantSlot[k]:
			t.Errorf("imp %d: slotinpod %d, want %d", k, v.SlotInPod, wantSlot[k])
		case v.MaxDuration != wantMax[k] || v.MinDuration != 5 || v.MinCPMPerSec != 0.5:
			t.Errorf("imp %d: durations %d..%d", k, v.MinDuration, v.MaxDuration)
		case v.PodDur != 0 || v.MaxSeq != 0:
			t.Errorf("imp %d: a structured slot with poddur %d / maxseq %d", k, v.PodDur, v.MaxSeq)
		case imp.BidFloor != wantFloor[k] || imp.BidFloorCur != "USD":
			t.Errorf("imp %d: floor %v %s", k, imp.BidFloor, imp.BidFloorCur)
		case imp.PMP == nil || len(imp.PMP.Deals) != 1:
			t.Errorf("imp %d: deals %+v", k, imp.PMP)
		}
	}

	// Required lengths: each slot lists those that fit it.
	req.Pod.RequiredDurations = []int{15, 30}
	br = openrtb2.BidRequest{}
	if err := json.Unmarshal(req.AppendJSON(nil), &br); err != nil {
		t.Fatal(err)
	}
	for k, want := range [][]int64{{15, 30}, {15}, {15}} {
		if got := br.Imp[k].Video.RqdDurs; !slices.Equal(got, want) {
			t.Errorf("imp %d: rqddurs %v, want %v", k, got, want)
		}
	}

	// One slot is the first; two are first and last.
	for n, want := range map[int][]int{1: {1}, 2: {1, -1}, 4: {1, 0, 0, -1}} {
		var got []int
		for i := 0; i < n; i++ {
			got = append(got, auction.SlotInPod(i, n))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d slots: slotinpod %v, want %v", n, got, want)
		}
	}
}

// TestStructuredPodResponse: a bid names its slot by impid; an impid the request does not
// have is refused.
func TestStructuredPodResponse(t *testing.T) {
	req := sampleRequest()
	req.Pod.Slots = []auction.Slot{{Duration: 30 * time.Second}, {Duration: 15 * time.Second}}
	body := `{"id":"auc-1","cur":"USD","seatbid":[{"seat":"s","bid":[
		{"id":"a","impid":"2","price":5,"adm":"<VAST/>","crid":"c1","slotinpod":-1},
		{"id":"b","impid":"1","price":6,"adm":"<VAST/>","crid":"c2"},
		{"id":"c","impid":"3","price":7,"adm":"<VAST/>","crid":"c3"},
		{"id":"d","impid":"01","price":7,"adm":"<VAST/>","crid":"c4"}]}]}`
	bids, rejected, err := auction.ParseResponse("b", []byte(body), req, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(bids) != 2 || bids[0].Slot != 2 || bids[0].SlotInPod != -1 || bids[1].Slot != 1 {
		t.Fatalf("bids %+v", bids)
	}
	if len(rejected) != 2 || rejected[0].Reason != auction.LossInvalidResponse || rejected[1].Reason != auction.LossInvalidResponse {
		t.Fatalf("rejected %+v", rejected)
	}
	// A dynamic pod: impid 1 only, and no slot.
	req.Pod.Slots = nil
	bids, _, _ = auction.ParseResponse("b", []byte(body), req, nil, nil)
	if len(bids) != 1 || bids[0].ImpID != "1" || bids[0].Slot != 0 {
		t.Fatalf("dynamic pod bids %+v", bids)
	}
}
