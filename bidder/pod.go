package bidder

import (
	"github.com/prebid/openrtb/v20/openrtb2"
)

// Ad pods (OpenRTB 2.6).
//
// Structured pods: several imps share video.podid, each one slot (slotinpod, podseq). Each slot
// is auctioned like any imp, with competitive separation: a campaign, or an advertiser domain,
// appears at most once per pod, and slotinpod is echoed on the bid.
//
// Dynamic pods: one imp with video.poddur (and maxseq) asks for several ads that fill up to
// poddur seconds. The bidder chooses, among every fitting (campaign, creative) priced as above
// — each at least mincpmpersec × its duration, each duration one of rqddurs when given — the
// set that maximizes the total price with at most one creative per campaign, total duration ≤
// poddur and count ≤ maxseq. That is a multiple-choice knapsack; durations are scaled by their
// greatest common divisor (15 s spots over a 120 s pod are 8 units), so the table is tiny.

// podUse records a campaign that already has a bid in a structured pod of the request.
type podUse struct {
	pod string
	c   *Campaign
	ord uint32
}

// excludePod removes from rc.impRes the campaigns, and the campaigns of the advertisers, that
// already have a bid in the pod.
func (rc *requestCtx) excludePod(ix *Index, pod string) {
	for _, u := range rc.podUsed {
		if u.pod != pod {
			continue
		}
		rc.impRes.clear(u.ord)
		for _, d := range u.c.ADomain {
			ix.block(blockADomain, []string{d}, &rc.asg, rc.impRes)
		}
	}
}

func (rc *requestCtx) inPod(imp *openrtb2.Imp) bool {
	return imp.Video != nil && imp.Video.PodID != "" && imp.Video.PodDur == 0
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// fillDynamicPod chooses the bids of a dynamic pod from rc.cands and commits them.
func (b *Bidder) fillDynamicPod(rc *requestCtx, imp *openrtb2.Imp) string {
	v := imp.Video
	maxSeq := int(v.MaxSeq)
	if maxSeq <= 0 || maxSeq > 16 {
		maxSeq = 16
	}
	var g int64
	for i := range rc.cands {
		g = gcd(g, rc.cands[i].dur)
	}
	g = gcd(g, v.PodDur)
	if g <= 0 {
		return reasonFormat
	}
	capUnits := int(v.PodDur / g)
	if capUnits > 600 {
		capUnits = 600
	}
	// Group candidates by campaign (they arrive grouped: one campaign's creatives in a row).
	// best[k][w] is the highest total price using k ads of total w units; choice records the
	// candidate taken at each group for reconstruction.
	K, W := maxSeq, capUnits
	rc.dp = resizeInt64(rc.dp, (K+1)*(W+1))
	for i := range rc.dp {
		rc.dp[i] = -1
	}
	rc.dp[0] = 0
	groups := rc.groups[:0]
	for i := 0; i < len(rc.cands); {
		j := i
		for j < len(rc.cands) && rc.cands[j].e == rc.cands[i].e {
			j++
		}
		groups = append(groups, [2]int{i, j})
		i = j
	}
	rc.groups = groups
	// take[g][k][w] = candidate index taken by group g to reach (k, w), or -1.
	rc.take = resizeInt32(rc.take, len(groups)*(K+1)*(W+1))
	for gi, gr := range groups {
		base := gi * (K + 1) * (W + 1)
		for i := range (K + 1) * (W + 1) {
			rc.take[base+i] = -1
		}
		for k := K; k >= 1; k-- {
			for w := W; w >= 0; w-- {
				for ci := gr[0]; ci < gr[1]; ci++ {
					u := int(rc.cands[ci].dur / g)
					if u > w {
						continue
					}
					prev := rc.dp[(k-1)*(W+1)+w-u]
					if prev < 0 {
						continue
					}
					if s := prev + rc.cands[ci].usd; s > rc.dp[k*(W+1)+w] {
						rc.dp[k*(W+1)+w] = s
						rc.take[base+k*(W+1)+w] = int32(ci)
					}
				}
			}
		}
	}
	bk, bw := 0, 0
	for k := 0; k <= K; k++ {
		for w := 0; w <= W; w++ {
			if rc.dp[k*(W+1)+w] > rc.dp[bk*(W+1)+bw] {
				bk, bw = k, w
			}
		}
	}
	if bk == 0 {
		return reasonFormat
	}
	// Walk back through the groups, last to first.
	reason := reasonBudget
	k, w := bk, bw
	for gi := len(groups) - 1; gi >= 0 && k > 0; gi-- {
		ci := rc.take[gi*(K+1)*(W+1)+k*(W+1)+w]
		if ci < 0 {
			continue
		}
		// The entry is valid for this path only if it was the last update of (k, w) made by
		// this group; groups after it left (k, w) untouched on this path by construction.
		cd := &rc.cands[ci]
		if b.commit(rc, imp, cd, 0) {
			reason = ""
		}
		k, w = k-1, w-int(cd.dur/g)
	}
	return reason
}

func resizeInt64(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n)
	}
	return s[:n]
}

func resizeInt32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}
