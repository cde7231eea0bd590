package bidder

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prebid/openrtb/v20/adcom1"
	"github.com/prebid/openrtb/v20/openrtb2"
)

// No-bid reasons, counted in metrics and sent in events.
const (
	reasonNone        = ""
	reasonDeadline    = "deadline"
	reasonOverload    = "overload"
	reasonSeat        = "seat_blocked"
	reasonCurrency    = "currency"
	reasonNoMatch     = "no_matching_campaign"
	reasonFormat      = "no_fitting_creative"
	reasonFloor       = "below_floor"
	reasonBudget      = "budget"
	reasonFreqCap     = "frequency_cap"
	reasonUnsupported = "unsupported_format"
	reasonNoCampaigns = "no_campaigns"
)

var bidSeq atomic.Uint64

// decide runs the auction rules over every impression of rc.req and fills rc.bids. It returns
// the no-bid reason when there are none.
func (b *Bidder) decide(ctx context.Context, rc *requestCtx) string {
	req := &rc.req
	ix := b.index.Load()
	if ix.Len() == 0 {
		return reasonNoCampaigns
	}
	if (len(req.WSeat) > 0 && !contains(req.WSeat, b.cfg.Seat)) || contains(req.BSeat, b.cfg.Seat) {
		return reasonSeat
	}
	if !rc.chooseCurrency(req.Cur, b.cfg.FX) {
		return reasonCurrency
	}
	rc.priv = decidePrivacy(&rc.facts, b.cfg.TCFVendorID)
	if rc.priv.reason != "" {
		privacyCounter(rc.priv.reason).Inc()
	}
	if rc.priv.personalize && rc.facts.viewerID != "" && b.features != nil {
		fctx, cancel := context.WithDeadline(ctx, rc.deadline.Add(-b.cfg.MinWork/2))
		rc.viewer.Segments = rc.viewer.Segments[:0]
		if err := b.features.Viewer(fctx, rc.facts.viewerID, &rc.viewer); err == nil {
			rc.hasViewer = true
		} else {
			featureErrors.Inc()
		}
		cancel()
	}
	rc.buildAssignment(rc.now)
	rc.size(ix)
	rc.res.copyFrom(ix.all)
	ix.eval(&rc.asg, requestDims, rc.res, rc.mask)
	ix.block(blockADomain, req.BAdv, &rc.asg, rc.res)
	ix.block(blockCat, req.BCat, &rc.asg, rc.res)
	ix.block(blockBundle, req.BApp, &rc.asg, rc.res)
	if rc.res.empty() {
		return reasonNoMatch
	}
	b.checkCaps(ctx, rc, ix)
	reason := reasonNoMatch
	for i := range req.Imp {
		if r := b.auctionImp(rc, ix, &req.Imp[i]); r != reasonNone {
			reason = r
		}
		if time.Now().After(rc.deadline) {
			return reasonDeadline
		}
	}
	if len(rc.bids) == 0 {
		return reason
	}
	return reasonNone
}

// chooseCurrency picks the response currency: USD when allowed, else the first of cur with a rate.
func (rc *requestCtx) chooseCurrency(cur []string, fx map[string]float64) bool {
	if len(cur) == 0 || contains(cur, "USD") {
		rc.cur, rc.fx = "USD", 1
		return true
	}
	for _, c := range cur {
		if r, ok := fx[c]; ok {
			rc.cur, rc.fx = c, r
			return true
		}
	}
	return false
}

// buildAssignment fills the request-level dimensions of rc.asg.
func (rc *requestCtx) buildAssignment(now time.Time) {
	a, req := &rc.asg, &rc.req
	a.reset()
	var offsetMin int64
	addGeo := func(g *openrtb2.Geo) {
		if g == nil {
			return
		}
		if len(a.vals[dimCountry]) == 0 {
			a.add(dimCountry, g.Country)
			a.add(dimRegion, g.Region)
			a.add(dimMetro, g.Metro)
			offsetMin = g.UTCOffset
		}
	}
	if d := req.Device; d != nil {
		addGeo(d.Geo)
		if d.DeviceType != 0 {
			a.add(dimDeviceType, smallInt(int64(d.DeviceType)))
		}
		a.add(dimOS, d.OS)
	}
	if u := req.User; u != nil {
		addGeo(u.Geo)
		if rc.priv.personalize {
			for i := range u.Data {
				for j := range u.Data[i].Segment {
					a.add(dimSegment, u.Data[i].Segment[j].ID)
				}
			}
		}
	}
	if rc.hasViewer && rc.viewer.Found {
		for _, s := range rc.viewer.Segments {
			a.add(dimSegment, s)
		}
	}
	var pub *openrtb2.Publisher
	var content *openrtb2.Content
	addCats := func(lists ...[]string) {
		for _, l := range lists {
			for _, c := range l {
				a.addCategory(c)
			}
		}
	}
	if s := req.Site; s != nil {
		a.addDomain(dimDomain, s.Domain)
		pub, content = s.Publisher, s.Content
		addCats(s.Cat, s.SectionCat, s.PageCat)
	}
	if app := req.App; app != nil {
		a.add(dimBundle, app.Bundle)
		a.addDomain(dimDomain, app.Domain)
		pub, content = app.Publisher, app.Content
		addCats(app.Cat, app.SectionCat, app.PageCat)
	}
	if pub != nil {
		a.add(dimPublisher, pub.ID)
		addCats(pub.Cat)
	}
	if content != nil {
		addCats(content.Cat)
	}
	// Hour of the week in the viewer's time zone; Unix day 0 was a Thursday.
	local := now.Unix() + offsetMin*60
	how := ((local/86400+3)%7*24 + local%86400/3600) % hoursPerWeek
	if how < 0 {
		how += hoursPerWeek
	}
	a.vals[dimHour] = append(a.vals[dimHour], hourNames[how])
	rc.supplyKey = supplyKey(req)
}

func supplyKey(req *openrtb2.BidRequest) uint64 {
	switch {
	case req.App != nil && req.App.Publisher != nil && req.App.Publisher.ID != "":
		return hashString(req.App.Publisher.ID)
	case req.Site != nil && req.Site.Publisher != nil && req.Site.Publisher.ID != "":
		return hashString(req.Site.Publisher.ID)
	case req.App != nil:
		return hashString(req.App.Bundle)
	case req.Site != nil:
		return hashString(req.Site.Domain)
	}
	return 0
}

var smallInts = func() (s [32]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func smallInt(v int64) string {
	if v >= 0 && v < int64(len(smallInts)) {
		return smallInts[v]
	}
	return strconv.FormatInt(v, 10)
}

// toUSD converts a CPM in cur (USD when empty) to USD micros; ok is false for an unknown currency.
func toUSD(v float64, cur string, fx map[string]float64) (int64, bool) {
	if v <= 0 {
		return 0, true
	}
	r := 1.0
	if cur != "" && cur != "USD" {
		var ok bool
		if r, ok = fx[cur]; !ok {
			return 0, false
		}
	}
	return int64(math.Ceil(v * r * 1e6)), true
}

// auctionImp prices every fitting (campaign, creative, deal) for the impression and keeps the
// winners in rc.bids. It returns a no-bid reason when the impression gets no bid.
func (b *Bidder) auctionImp(rc *requestCtx, ix *Index, imp *openrtb2.Imp) string {
	a := &rc.asg
	rc.curImp = imp
	for _, d := range impDims {
		a.vals[d] = a.vals[d][:0]
	}
	if imp.Banner != nil {
		a.vals[dimMedia] = append(a.vals[dimMedia], TypeBanner)
	}
	if imp.Video != nil {
		a.vals[dimMedia] = append(a.vals[dimMedia], TypeVideo)
		if p := imp.Video.Plcmt; p > 0 && int(p) < len(plcmtNames) {
			a.vals[dimPlcmt] = append(a.vals[dimPlcmt], plcmtNames[p])
		}
	}
	if len(a.vals[dimMedia]) == 0 {
		return reasonUnsupported
	}
	open := imp.PMP == nil || imp.PMP.PrivateAuction == 0
	if open {
		a.vals[dimDeal] = append(a.vals[dimDeal], openMarket)
	}
	if imp.PMP != nil {
		for i := range imp.PMP.Deals {
			d := &imp.PMP.Deals[i]
			if len(d.WSeat) == 0 || contains(d.WSeat, b.cfg.Seat) {
				a.vals[dimDeal] = append(a.vals[dimDeal], d.ID)
			}
		}
	}
	impFloor, ok := toUSD(imp.BidFloor, imp.BidFloorCur, b.cfg.FX)
	if !ok {
		return reasonCurrency
	}
	rc.impRes.copyFrom(rc.res)
	dims := impDims
	if imp.Video == nil {
		dims = impDimsNoPlcmt // placement targeting constrains video only
	}
	ix.eval(a, dims, rc.impRes, rc.mask)

	x := impContext{instl: imp.Instl == 1}
	if rc.req.Device != nil {
		x.deviceType = rc.req.Device.DeviceType
	}
	if imp.Video != nil {
		x.plcmt = imp.Video.Plcmt
	}
	var viewer *ViewerFeatures
	if rc.hasViewer {
		viewer = &rc.viewer
	}
	mults := objectiveMultipliers(x, viewer) // the same for every campaign of an objective
	dynamicPod := imp.Video != nil && imp.Video.PodDur > 0
	protoOK := imp.Video == nil || vast4OK(imp.Video.Protocols, imp.Video.Protocol)
	if rc.inPod(imp) {
		rc.excludePod(ix, imp.Video.PodID)
	}
	dealTotal := 0
	if len(a.vals[dimDeal]) > 0 && (a.vals[dimDeal][0] != openMarket || len(a.vals[dimDeal]) > 1) {
		rc.mask.copyFrom(rc.impRes)
		rc.mask.and(ix.dealCampaigns)
		dealTotal = rc.mask.count()
	}
	bucket, level, shade := b.shader.Choose(rc.supplyKey ^ uint64(len(a.vals[dimMedia])))
	openAT := auctionType(rc.req.AT)
	openFloorMax := impFloor // the highest floor an open-market bid on this imp can face
	if v := imp.Video; v != nil && v.MinCPMPerSec > 0 {
		maxDur := v.MaxDuration
		for _, d := range v.RqdDurs {
			maxDur = max(maxDur, d)
		}
		if maxDur == 0 {
			maxDur = 600
		}
		perSec, _ := toUSD(v.MinCPMPerSec*float64(maxDur), imp.BidFloorCur, b.cfg.FX)
		openFloorMax = max(openFloorMax, perSec)
	}
	// The same bound for deal bids, when every deal of the imp is a first-price auction.
	dealFirstPrice, dealFloorMax := true, openFloorMax
	if imp.PMP != nil {
		for i := range imp.PMP.Deals {
			d := &imp.PMP.Deals[i]
			at := auctionType(d.AT)
			if d.AT == 0 {
				at = openAT
			}
			fl, ok := toUSD(d.BidFloor, d.BidFloorCur, b.cfg.FX)
			dealFirstPrice = dealFirstPrice && at == 1 && ok && d.MinCPMPerSec == 0
			dealFloorMax = max(dealFloorMax, fl)
		}
	}
	// The lowest floor any bid on this imp faces: a campaign whose value cannot reach it, and
	// every later one, is below the floor (priced-out requests stop at once).
	minFloor := int64(math.MaxInt64)
	if open {
		minFloor = impFloor
	}
	if imp.PMP != nil {
		for i := range imp.PMP.Deals {
			d := &imp.PMP.Deals[i]
			if len(d.WSeat) > 0 && !contains(d.WSeat, b.cfg.Seat) {
				continue // never matched
			}
			fl := impFloor
			if d.BidFloor > 0 {
				var ok bool
				if fl, ok = toUSD(d.BidFloor, d.BidFloorCur, b.cfg.FX); !ok {
					continue // never bid
				}
			}
			minFloor = min(minFloor, fl)
		}
	}
	floorStop := !b.exhaustive && minFloor != math.MaxInt64 && minFloor > 0

	// scan prices the candidates. Campaigns come in decreasing base CPM (Index orders them so)
	// and no price exceeds base × the imp's largest multiplier: once the third best price of
	// each class (open market, deals) is at least the next campaign's bound, no later campaign
	// can make the top three, and the scan stops. Three, not one, so that a
	// pacer refusal still has runners-up; if all of them are refused, selectBids rescans fully.
	scan := func(early bool) (reason string, stopped bool) {
		rc.cands = rc.cands[:0]
		reason = reasonNoMatch
		var topOpen, topDeal [3]int64
		dealSeen := 0
		maxMult := 0.0 // bounds the value multiplier of every matching campaign
		for o := range ix.objectives {
			if mults[o] > maxMult && rc.impRes.intersects(ix.objectives[o]) {
				maxMult = mults[o]
			}
		}
		prune := dynamicPod && !b.exhaustive
		if prune {
			rc.cover.reset(podMaxSeq(imp.Video))
		}
		rc.impRes.forEach(func(o uint32) bool {
			e := ix.entries[o]
			if floorStop && int64(float64(e.base)*maxMult) < minFloor {
				// No value from here on reaches a floor (values are at most base × maxMult).
				reason = reasonFloor
				return false
			}
			c := e.c
			value := e.value(&mults)
			if prune && rc.cover.ruledOut(e, imp, value) { // no price exceeds the value
				return true // cannot be in the pod's best set (see podCover)
			}
			first := len(rc.cands)
			if early {
				bound := int64(float64(e.base)*maxMult) + 1 // ≥ the value of this and every later campaign
				openBound := bound
				if openAT == 1 {
					// A first-price open bid is max(value × shade, floor) with floor ≤ value.
					openBound = max(int64(float64(bound)*shade)+1, min(bound, openFloorMax))
				}
				dealBound := bound
				if dealFirstPrice {
					dealBound = max(int64(float64(bound)*shade)+1, min(bound, dealFloorMax))
				}
				if (!open || topOpen[2] >= openBound) && (dealSeen == dealTotal || topDeal[2] >= dealBound) {
					stopped = true
					return false
				}
			}
			if len(c.Deals) > 0 {
				dealSeen++
			}
			if c.FreqCap != nil && rc.overCap.has(o) {
				reason = reasonFreqCap
				return true
			}
			deal := matchDeal(imp, c, b.cfg.Seat)
			if deal == nil && (len(c.Deals) > 0 || !open) {
				return true
			}
			floor, at := impFloor, openAT
			minPerSec, cur := 0.0, imp.BidFloorCur
			if imp.Video != nil {
				minPerSec = imp.Video.MinCPMPerSec
			}
			if deal != nil {
				if deal.BidFloor > 0 {
					var ok bool
					if floor, ok = toUSD(deal.BidFloor, deal.BidFloorCur, b.cfg.FX); !ok {
						return true
					}
					cur = deal.BidFloorCur
				}
				if deal.AT != 0 {
					at = auctionType(deal.AT)
				}
				if deal.MinCPMPerSec > 0 {
					minPerSec = deal.MinCPMPerSec
				}
			}
			if value < floor {
				reason = reasonFloor
				return true
			}
			best := -1
			for i := range c.Creatives {
				cr := &c.Creatives[i]
				var dur int64
				switch {
				case cr.Type == TypeBanner && imp.Banner != nil:
					if !bannerFits(imp.Banner, cr) || attrBlocked(imp.Banner.BAttr, cr.Attr) || cr.Interstitial != (imp.Instl == 1) {
						continue
					}
				case cr.Type == TypeVideo && imp.Video != nil && protoOK:
					if !videoFits(imp.Video, cr) || attrBlocked(imp.Video.BAttr, cr.Attr) {
						continue
					}
					dur = cr.DurationSec
				default:
					continue
				}
				fl := floor
				if minPerSec > 0 && dur > 0 {
					perSec, _ := toUSD(minPerSec*float64(dur), cur, b.cfg.FX)
					fl = max(fl, perSec)
				}
				if value < fl {
					reason = reasonFloor
					continue
				}
				price := value
				switch at {
				case 1:
					price = max(int64(float64(value)*shade), fl)
				case 3:
					price = fl
				}
				cand := candidate{e: e, cr: cr, deal: deal, usd: price, floorUSD: fl, dur: dur, at: int8(at)}
				if at == 1 {
					cand.bucket, cand.level = bucket, level
				} else {
					cand.bucket = math.MaxUint16
				}
				if dynamicPod {
					rc.cands = append(rc.cands, cand) // the pod chooses among all creatives
					continue
				}
				if best < 0 {
					best = len(rc.cands)
					rc.cands = append(rc.cands, cand)
				} else if price > rc.cands[best].usd {
					rc.cands[best] = cand
				}
			}
			if prune && len(rc.cands) > first {
				rc.cands = rc.cover.add(rc.cands, first)
			}
			if best >= 0 {
				if deal != nil {
					insertTop(&topDeal, rc.cands[best].usd)
				} else {
					insertTop(&topOpen, rc.cands[best].usd)
				}
			} else if reason == reasonNoMatch && !dynamicPod {
				reason = reasonFormat
			}
			return true
		})
		return reason, stopped
	}
	reason, stopped := scan(!dynamicPod && !b.exhaustive)
	if len(rc.cands) == 0 {
		return reason
	}
	if dynamicPod {
		return b.fillDynamicPod(rc, imp)
	}
	if r := b.selectBids(rc, imp); r != reasonBudget || !stopped {
		return r
	}
	// Every runner-up was refused by the pacer: look at everyone.
	scan(false)
	return b.selectBids(rc, imp)
}

// auctionType maps OpenRTB's at to 1 (first price), 2 (second price, also when absent) or 3
// (a deal's fixed price); exchange-specific types (> 500) are bid as first price, the case where
// bidding value would overpay.
func auctionType(at int64) int64 {
	switch {
	case at == 0:
		return 2
	case at > 500:
		return 1
	case at > 3 || at < 0:
		return 2 // undefined: never reached for requests (parseRequest refuses them)
	}
	return at
}

// insertTop keeps the three largest values seen, in decreasing order.
func insertTop(top *[3]int64, v int64) {
	switch {
	case v > top[0]:
		top[0], top[1], top[2] = v, top[0], top[1]
	case v > top[1]:
		top[1], top[2] = v, top[1]
	case v > top[2]:
		top[2] = v
	}
}

// selectBids commits the best open-market and the best deal candidate the pacer admits: a
// selection, not a sort; a refusal moves on to the next best.
func (b *Bidder) selectBids(rc *requestCtx, imp *openrtb2.Imp) string {
	var haveOpen, haveDeal bool
	reason := reasonBudget
	inPod := rc.inPod(imp)
	for {
		best := -1
		for i := range rc.cands {
			cd := &rc.cands[i]
			if cd.tried || (cd.deal != nil && haveDeal) || (cd.deal == nil && haveOpen) {
				continue
			}
			if best < 0 || cd.usd > rc.cands[best].usd {
				best = i
			}
		}
		if best < 0 {
			break
		}
		cd := &rc.cands[best]
		cd.tried = true
		if !b.commit(rc, imp, cd, slotOf(imp)) {
			continue
		}
		reason = reasonNone
		if cd.deal != nil {
			haveDeal = true
		} else {
			haveOpen = true
		}
		if haveDeal && haveOpen || inPod {
			break
		}
	}
	return reason
}

func slotOf(imp *openrtb2.Imp) adcom1.SlotPositionInPod {
	if imp.Video != nil {
		return imp.Video.SlotInPod
	}
	return 0
}

// matchDeal returns the first deal of the imp the campaign buys and our seat may bid in.
func matchDeal(imp *openrtb2.Imp, c *Campaign, seat string) *openrtb2.Deal {
	if imp.PMP == nil || len(c.Deals) == 0 {
		return nil
	}
	for i := range imp.PMP.Deals {
		d := &imp.PMP.Deals[i]
		if contains(c.Deals, d.ID) && (len(d.WSeat) == 0 || contains(d.WSeat, seat)) {
			return d
		}
	}
	return nil
}

// commit reserves the candidate's budget and adds its bid. It returns false when the pacer refuses.
func (b *Bidder) commit(rc *requestCtx, imp *openrtb2.Imp, cd *candidate, slot adcom1.SlotPositionInPod) bool {
	reserve := (cd.usd + 999) / 1000 // CPM → one impression, rounded up
	if !b.pacer.Reserve(cd.e.c, reserve, rc.now) {
		budgetRefused.Inc()
		return false
	}
	if cd.bucket != math.MaxUint16 {
		b.shader.Bid(cd.bucket, cd.level)
	}
	n := bidSeq.Add(1)
	rc.bids = append(rc.bids, bidOut{imp: imp, c: *cd, reserved: reserve, slotInPod: slot,
		bidID: b.bidPrefix + strconv.FormatUint(n, 36)})
	if rc.inPod(imp) {
		rc.podUsed = append(rc.podUsed, podUse{pod: imp.Video.PodID, c: cd.e.c, ord: cd.e.ord})
	}
	return true
}
