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
//
// The scan keeps out of that table the campaigns that cannot be in the best set (podCover): a
// campaign whose every creative of duration d is outbid, by every price it could reach, by
// maxseq other campaigns that each have an ad of at most d seconds. Any set with it has a free
// campaign among those maxseq to take its place, shorter or as long and strictly better paid,
// so no best set holds it. Of the ~400 campaigns that match the load generator's CTV pod, about
// a dozen reach the knapsack.

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

// podMaxSeq is the most ads a dynamic pod takes: maxseq, 16 when absent or larger.
func podMaxSeq(v *openrtb2.Video) int {
	if n := int(v.MaxSeq); n > 0 && n <= 16 {
		return n
	}
	return 16
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
	maxSeq := podMaxSeq(v)
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

// podCover holds, for a few duration thresholds d, the maxseq highest prices that distinct
// campaigns already in the dynamic pod's candidates offer with an ad of at most d seconds.
type podCover struct {
	k    int          // maxseq: how many other campaigns must outbid a campaign to rule it out
	n    int          // thresholds in use
	durs [8]int64     // thresholds, in the order met
	top  [8][16]int64 // per threshold, the k best campaign prices in decreasing order (0: none)
}

func (pc *podCover) reset(maxSeq int) {
	pc.k, pc.n = maxSeq, 0
}

// covered reports whether k campaigns already pay price or more with an ad of at most dur seconds.
func (pc *podCover) covered(dur, price int64) bool {
	best := int64(-1)
	for i := range pc.n {
		// A lower threshold covers less; the highest one not above dur is the tightest.
		if pc.durs[i] <= dur {
			best = max(best, pc.top[i][pc.k-1])
		}
	}
	return best >= price
}

// ruledOut reports whether no creative of e's campaign can reach the pod's best set at a price
// of at most bound. Covering an ad of d seconds covers every longer one, so the campaign's
// shortest candidate decides.
func (pc *podCover) ruledOut(e *entry, imp *openrtb2.Imp, bound int64) bool {
	shortest := int64(-1)
	if imp.Video != nil {
		shortest = e.shortest
	}
	if e.banner && imp.Banner != nil {
		shortest = 0 // a banner candidate has no duration
	}
	return shortest >= 0 && pc.covered(shortest, bound)
}

// add takes the candidates of one campaign, cands[first:] (the earlier ones are grouped by
// campaign): it drops those k other campaigns already match or beat with an ad as short or
// shorter, records the others and returns cands without the dropped ones.
func (pc *podCover) add(cands []candidate, first int) []candidate {
	n := first
	for i := first; i < len(cands); i++ {
		if !pc.covered(cands[i].dur, cands[i].usd) {
			cands[n] = cands[i]
			n++
		}
	}
	cands = cands[:n]
	for i := first; i < n; i++ {
		if d := cands[i].dur; pc.n < len(pc.durs) && !pc.has(d) {
			// A new threshold: fill it from the campaigns already kept.
			pc.durs[pc.n] = d
			pc.top[pc.n] = [16]int64{}
			pc.n++
			for j := 0; j < first; {
				e, best := cands[j].e, int64(0)
				for ; j < first && cands[j].e == e; j++ {
					if cands[j].dur <= d {
						best = max(best, cands[j].usd)
					}
				}
				pc.insert(pc.n-1, best)
			}
		}
	}
	for t := range pc.n {
		best := int64(0)
		for i := first; i < n; i++ {
			if cands[i].dur <= pc.durs[t] {
				best = max(best, cands[i].usd)
			}
		}
		pc.insert(t, best)
	}
	return cands
}

func (pc *podCover) has(d int64) bool {
	for i := range pc.n {
		if pc.durs[i] == d {
			return true
		}
	}
	return false
}

// insert keeps v among threshold t's k largest values.
func (pc *podCover) insert(t int, v int64) {
	top := &pc.top[t]
	if v <= top[pc.k-1] {
		return
	}
	i := pc.k - 1
	for i > 0 && top[i-1] < v {
		top[i] = top[i-1]
		i--
	}
	top[i] = v
}
