package adserver

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/adserver/vast"
)

// Sources of a placed ad.
const (
	SourceAuction = "auction"
	SourceDirect  = catalog.KindDirect
	SourceHouse   = catalog.KindHouse
)

// PlacedAd is one ad of a decided pod.
type PlacedAd struct {
	Sequence int // 1-based position in the pod
	// Slot is the 1-based slot of a structured pod the ad fills; 0 in a dynamic pod.
	Slot      int
	ServingID string // <AdServingId>: distinct per ad served
	Source    string // auction, direct or house
	// Bid is the winning bid (auction ads); LineItem the line item (direct and house ads).
	Bid      *auction.Bid
	LineItem *catalog.LineItem
	// PriceMicros is the clearing price, CPM, in micros of the auction currency (0 for house).
	PriceMicros int64
	Duration    time.Duration
	CreativeID  string
	CampaignID  string
	Title       string
	Advertiser  string
	ADomain     string
	Categories  []string
	Click       string // click-through URL
	Media       *catalog.Media
	resolved    *resolvedAd // third-party trackers of auction ads
	billURL     string      // the bid's burl, macros expanded
}

// Decision is a decided break: the pod and how it was reached.
type Decision struct {
	ID     string // the auction id
	Break  *BreakRequest
	Issued time.Time
	Ads    []PlacedAd
	// Bidders asked, and the valid bids they returned.
	Bidders, Bids int
	// AuctionLatency is from the request's arrival to the end of the auction; AuctionWait the
	// part of it spent waiting for bidders (the slowest one's answer, capped by the deadline).
	AuctionLatency time.Duration
	AuctionWait    time.Duration
	// FreqWait is the time spent waiting, after the auction, for the viewer's shared frequency
	// counts (0 when they were in before the auction ended).
	FreqWait time.Duration
	Latency  time.Duration
	// Dropped counts the ads left out of the pod, by reason.
	Dropped map[string]int
	// sharedFreq are the viewer's impressions per advertiser domain from the shared store (nil:
	// local counts only).
	sharedFreq map[string]int
}

// Filled returns the time the pod's ads take.
func (d *Decision) Filled() time.Duration {
	var t time.Duration
	for i := range d.Ads {
		t += d.Ads[i].Duration
	}
	return t
}

// Reasons an eligible ad is left out of a pod (the cuepoint_adserver_ads_dropped_total label).
const (
	dropFloor      = "floor"
	dropDuration   = "duration"
	dropFreqCap    = "freq_cap"
	dropMarkup     = "markup"  // the VAST could not be read or resolved
	dropPending    = "pending" // media not conditioned yet (queued)
	dropNoMezz     = "no_mezzanine"
	dropCondFailed = "conditioning_failed"
	dropInvalid    = "invalid_bid"
)

var dropReasons = []string{dropFloor, dropDuration, dropFreqCap, dropMarkup, dropPending, dropNoMezz, dropCondFailed, dropInvalid}

// candidate is an auction bid being considered for the pod.
type candidate struct {
	bid      *auction.Bid
	durMS    int64
	excl     exclMask
	resolved *resolvedAd
	media    *catalog.Media
	dropped  string // reason, once left out
	loss     int    // OpenRTB loss reason when dropped
}

// maxFitRounds bounds the fit → resolve → refit loop: each round replaces the ads of the
// previous one that could not be played.
const maxFitRounds = 8

// Decide fills the break br that arrived at arrival: auction, pod fitting, wrapper
// resolution, line items, clearing prices, notices. It always returns a decision, possibly
// with no ads; it never takes longer than the decision timeout plus the encoding of the
// answer.
func (a *AdServer) Decide(br *BreakRequest, arrival time.Time) *Decision {
	now := a.now()
	d := &Decision{ID: newID(), Break: br, Issued: now.UTC().Truncate(time.Millisecond)}
	if br.ID == "" {
		br.ID = d.ID
	}
	if br.Session == "" {
		br.Session = "anon-" + d.ID // analytics needs one; the viewer's breaks are then unlinked
	}
	deadline := arrival.Add(a.cfg.DecisionTimeout)
	auctionDeadline := arrival.Add(a.cfg.AuctionTimeout)
	hdr := deviceHeaders(br)
	fr := a.startFreqRead(br.Viewer, now, deadline) // in parallel with the auction

	// 1. The auction.
	st := auctionStatePool.Get().(*auctionState)
	defer st.release()
	req := a.buildRequest(br, d.ID, auctionDeadline.Sub(now), &st.req)
	st.body = req.AppendJSON(st.body[:0])
	if a.auction.Len() > 0 {
		waitStart := time.Now()
		a.auction.Auction(auctionDeadline, req, st.body, &st.res)
		d.AuctionWait = time.Since(waitStart)
	}
	d.AuctionLatency = time.Since(arrival)
	d.sharedFreq, d.FreqWait = a.awaitFreq(fr, arrival)
	d.Bidders = a.auction.Len()
	d.Bids = len(st.res.Bids)
	d.Dropped = map[string]int{}
	for i := range st.res.Rejected {
		r := &st.res.Rejected[i]
		a.loss(&r.Bid, req, r.Reason, 0)
		d.drop(a, dropInvalid)
	}

	// 2. Candidates: valid bids above their floor, of an accepted length, not capped. In a
	// structured pod each slot is an exclusion key too (registered first: one bit each), so
	// the fitting puts at most one ad in a slot.
	keys := exclKeys{}
	for k := range br.Slots {
		keys.mask([]string{slotKey(k + 1)})
	}
	cands := st.cands[:0]
	for i := range st.res.Bids {
		b := &st.res.Bids[i]
		c := candidate{bid: b, durMS: b.Duration.Milliseconds()}
		var slot []string
		if b.Slot > 0 {
			slot = []string{slotKey(b.Slot)}
		}
		c.excl = keys.mask(b.ADomain, b.Cat, []string{"cr:" + b.Bidder + "/" + b.CreativeID}, slot)
		cands = append(cands, c)
	}
	st.cands = cands
	// Bids without a dur are resolved first: their length is in their markup.
	var unknown []*candidate
	for i := range cands {
		if cands[i].durMS == 0 {
			unknown = append(unknown, &cands[i])
		}
	}
	a.resolveAll(unknown, req, earlier(time.Now().Add(a.cfg.WrapperTimeout), deadline), hdr, d)
	for i := range cands {
		a.screen(&cands[i], br, d)
	}

	// 3. Fit, resolve the chosen, refit without those that cannot play.
	capMS := br.Duration.Milliseconds()
	var chosen []int
	items := st.items
	wrapperDeadline := earlier(time.Now().Add(a.cfg.WrapperTimeout), deadline)
	for round := 0; round < maxFitRounds; round++ {
		items = items[:0]
		idx := st.idx[:0]
		for i := range cands {
			if cands[i].dropped == "" {
				items = append(items, fitItem{durMS: cands[i].durMS, value: cands[i].bid.PriceMicros, excl: cands[i].excl})
				idx = append(idx, i)
			}
		}
		st.idx = idx
		picked, _ := fitPod(items, capMS, br.PodSize, fitState{})
		chosen = chosen[:0]
		var todo []*candidate
		for _, p := range picked {
			c := &cands[idx[p]]
			chosen = append(chosen, idx[p])
			if c.resolved == nil {
				todo = append(todo, c)
			}
		}
		if len(todo) == 0 {
			break
		}
		// Resolve the runners-up that need the network (wrappers, nurl-served markup)
		// alongside, as many as there are ads to resolve: when an ad of the pod cannot play, its
		// replacement is then usually resolved already, and a chain of failing wrappers costs
		// one round trip instead of one per replacement. Inline markup is only parsed when
		// chosen: parsing is CPU, and speculating on it would double it.
		spare := len(todo)
		for _, i := range a.byValue(cands, st) {
			if spare == 0 {
				break
			}
			if c := &cands[i]; c.resolved == nil && c.dropped == "" && needsNetwork(c.bid) && !slices.Contains(chosen, i) {
				todo = append(todo, c)
				spare--
			}
		}
		a.resolveAll(todo, req, wrapperDeadline, hdr, d)
		for _, c := range todo {
			a.screen(c, br, d)
		}
		// The pod stands when every ad can play and their real lengths (read from the markup
		// and the conditioned media, which may differ from what was bid) still fit.
		var total int64
		ok := true
		for _, i := range chosen {
			ok = ok && cands[i].dropped == ""
			total += cands[i].durMS
		}
		if ok && total <= capMS {
			break
		}
		if round == maxFitRounds-1 || !time.Now().Before(deadline) {
			// Out of rounds or time: keep the chosen ads that can play, while they fit.
			chosen = slices.DeleteFunc(chosen, func(i int) bool { return cands[i].dropped != "" })
			for total = 0; len(chosen) > 0; chosen = chosen[:len(chosen)-1] {
				total = 0
				for _, i := range chosen {
					total += cands[i].durMS
				}
				if total <= capMS {
					break
				}
			}
			break
		}
	}
	st.items = items

	// 4. Place the auction's winners, then direct and house line items in the time left.
	won := make(map[int]bool, len(chosen))
	var used fitState
	for _, i := range chosen {
		c := &cands[i]
		won[i] = true
		used.usedMS += c.durMS
		used.n++
		used.excl = used.excl.or(c.excl)
	}
	a.clear(d, cands, chosen, req)
	a.fillLineItems(d, br, keys, &used, now)
	a.sequence(d)

	// 5. Notices: win for the winners (unless their nurl already served the markup), loss for
	// the others.
	minToWin := int64(0)
	for i := range d.Ads {
		if p := d.Ads[i].PriceMicros; d.Ads[i].Source == SourceAuction && (minToWin == 0 || p < minToWin) {
			minToWin = p
		}
	}
	for i := range cands {
		c := &cands[i]
		switch {
		case won[i]:
		case c.dropped != "":
			a.loss(c.bid, req, c.loss, 0)
		default:
			a.loss(c.bid, req, auction.LossOutbid, minToWin)
		}
	}
	for i := range d.Ads {
		ad := &d.Ads[i]
		if ad.Bid != nil && !ad.resolved.nurlServed {
			m := macrosFor(req, ad.Bid, ad.PriceMicros)
			a.pinger.Fire(safehttp.KindWin, m.Expand(ad.Bid.NURL), nil)
		}
	}
	d.Latency = time.Since(arrival)
	return d
}

// byValue returns the indices of the candidates by price per second, best first.
func (a *AdServer) byValue(cands []candidate, st *auctionState) []int {
	order := st.order[:0]
	for i := range cands {
		if cands[i].durMS > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(x, y int) int {
		vx := float64(cands[x].bid.PriceMicros) / float64(cands[x].durMS)
		vy := float64(cands[y].bid.PriceMicros) / float64(cands[y].durMS)
		switch {
		case vx > vy:
			return -1
		case vx < vy:
			return 1
		}
		return x - y
	})
	st.order = order
	return order
}

// needsNetwork reports whether resolving b's markup fetches something: it is served by the
// nurl, or it is a wrapper.
func needsNetwork(b *auction.Bid) bool {
	return b.Adm == "" || strings.Contains(b.Adm, "<Wrapper")
}

// screen drops a candidate that cannot be in this break, recording why.
func (a *AdServer) screen(c *candidate, br *BreakRequest, d *Decision) {
	if c.dropped != "" {
		return
	}
	b := c.bid
	if c.resolved != nil && c.resolved.duration > 0 {
		c.durMS = c.resolved.duration.Milliseconds() // what plays decides, not what was bid
	}
	dur := time.Duration(c.durMS) * time.Millisecond
	if c.resolved != nil && c.resolved.inline == nil {
		return // resolution failed: already dropped by resolveAll
	}
	switch {
	case c.durMS <= 0:
		c.dropped, c.loss = dropDuration, auction.LossIncorrectFormat
	case !fitsSlot(dur, br, b.Slot):
		c.dropped, c.loss = dropDuration, auction.LossIncorrectFormat
		if c.resolved != nil {
			a.fireErrors(c.resolved.errorURLs, vast.ErrDuration, br)
		}
	case b.PriceMicros < a.floor(b, max(dur, slotLength(br, b.Slot))):
		c.dropped, c.loss = dropFloor, auction.LossBelowFloor
		if b.DealID != "" {
			c.loss = auction.LossBelowDealFloor
		}
	case a.capped(d, b.ADomain):
		c.dropped, c.loss = dropFreqCap, auction.LossAdvertiserExcluded
	case c.resolved != nil && c.media == nil:
		a.checkMedia(c, br)
	}
	if c.dropped != "" {
		d.drop(a, c.dropped)
	}
}

// checkMedia looks the resolved ad's creative up in the catalog; an ad whose media is not
// conditioned is dropped (and queued for conditioning by the catalog).
func (a *AdServer) checkMedia(c *candidate, br *BreakRequest) {
	ra := c.resolved
	ref := catalog.Ref{
		UniversalAdID: ra.uaid, Mezzanine: ra.mezz, Duration: ra.duration,
		Source: "bidder:" + c.bid.Bidder, Title: ra.inline.AdTitle, Advertiser: ra.inline.Advertiser,
	}
	m, status := a.catalog.Resolve(ref)
	switch status {
	case catalog.StatusReady:
		c.media = m
		if m.Duration > 0 && m.Duration.Milliseconds() != c.durMS {
			c.durMS = m.Duration.Milliseconds()
			if !fitsSlot(m.Duration, br, c.bid.Slot) {
				c.dropped, c.loss = dropDuration, auction.LossIncorrectFormat
			}
		}
		return
	case catalog.StatusNoMezzanine:
		c.dropped, c.loss = dropNoMezz, auction.LossIncorrectFormat
		a.fireErrors(ra.errorURLs, vast.ErrMezzanineRequired, br)
	case catalog.StatusFailed:
		c.dropped, c.loss = dropCondFailed, auction.LossCreativeFiltered
		a.fireErrors(ra.errorURLs, vast.ErrMediaDisplay, br)
	default:
		c.dropped, c.loss = dropPending, auction.LossCreativePending
		a.fireErrors(ra.errorURLs, vast.ErrMezzanineDownloading, br)
	}
}

// resolveAll resolves the candidates' markup in parallel by deadline.
func (a *AdServer) resolveAll(cs []*candidate, req *auction.Request, deadline time.Time, hdr []safehttp.Header, d *Decision) {
	if len(cs) == 0 {
		return
	}
	var wg sync.WaitGroup
	errs := make([]*resolveError, len(cs))
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := macrosFor(req, c.bid, 0) // the price is not known before clearing
			c.resolved, errs[i] = a.resolver.resolve(deadline, c.bid, &m, hdr)
		}()
	}
	wg.Wait()
	for i, c := range cs {
		if e := errs[i]; e != nil {
			c.dropped, c.loss = dropMarkup, auction.LossInvalidResponse
			a.fireErrors(c.resolved.errorURLs, e.code, d.Break)
			c.resolved.inline = nil
			d.drop(a, dropMarkup)
			a.log.Debug("ad left out: markup", "bidder", c.bid.Bidder, "crid", c.bid.CreativeID, "err", e)
		}
	}
}

// slotKey is the exclusion key of a structured pod's slot.
func slotKey(slot int) string { return "slot:" + strconv.Itoa(slot) }

// slotLength is the length of slot (1-based) of a structured pod; 0 for slot 0 (a dynamic
// pod's ad).
func slotLength(br *BreakRequest, slot int) time.Duration {
	if slot < 1 || slot > len(br.Slots) {
		return 0
	}
	return br.Slots[slot-1]
}

// fitsSlot reports whether an ad of length d may fill slot (0: anywhere in a dynamic pod).
func fitsSlot(d time.Duration, br *BreakRequest, slot int) bool {
	if l := slotLength(br, slot); l > 0 && d > l {
		return false
	}
	return durationFits(d, br)
}

func durationFits(d time.Duration, br *BreakRequest) bool {
	if d <= 0 || d > br.Duration {
		return false
	}
	if len(br.RequiredDurations) > 0 {
		// A whole number of seconds, within half a second (encoders add a frame or two).
		s := (d + 500*time.Millisecond) / time.Second
		diff := d - s*time.Second
		return slices.Contains(br.RequiredDurations, int(s)) && diff < 500*time.Millisecond && diff > -500*time.Millisecond
	}
	return d >= br.MinAd && (br.MaxAd == 0 || d <= br.MaxAd)
}

// floor is the lowest price bid b may clear at for an ad of length dur.
func (a *AdServer) floor(b *auction.Bid, dur time.Duration) int64 {
	f := a.cfg.FloorCPM
	if perSec := a.cfg.MinCPMPerSec * dur.Seconds(); perSec > f {
		f = perSec
	}
	if b.DealID != "" {
		for _, d := range a.cfg.Deals {
			if d.ID == b.DealID && d.FloorCPM > f {
				f = d.FloorCPM
			}
		}
	}
	return int64(f*1e6 + 0.5)
}

// capped reports whether the decision's viewer has seen the cap of ads of one of domains: the
// larger of the local count (this instance's impressions, at once) and the shared one (every
// instance's, as read at the start of the decision).
func (a *AdServer) capped(d *Decision, domains []string) bool {
	viewer := d.Break.Viewer
	if a.cfg.FreqCap <= 0 || viewer == "" {
		return false
	}
	for _, dom := range domains {
		if max(a.freq.Count(viewer, dom, d.Issued), d.sharedFreq[dom]) >= a.cfg.FreqCap {
			return true
		}
	}
	return false
}

// clear sets the winners' clearing prices and places them in the decision.
//
// First price: each winner pays its bid. Second price: each winner pays what it needed to
// keep its place — the best losing bid's price per second, for its own length, or its floor
// if higher, plus the increment — and never more than it bid. Losing bids that could not play
// (bad markup, unconditioned media) set no price.
func (a *AdServer) clear(d *Decision, cands []candidate, chosen []int, req *auction.Request) {
	var runnerUp float64 // micros per millisecond
	// In a structured pod each slot is an auction of its own: the best losing bid for the slot.
	slotRunnerUp := make([]int64, len(d.Break.Slots)+1)
	in := make(map[int]bool, len(chosen))
	for _, i := range chosen {
		in[i] = true
	}
	for i := range cands {
		c := &cands[i]
		if in[i] || c.durMS <= 0 || c.dropped == dropMarkup || c.dropped == dropPending || c.dropped == dropNoMezz || c.dropped == dropCondFailed {
			continue
		}
		if s := c.bid.Slot; s > 0 && s < len(slotRunnerUp) {
			if c.dropped == "" { // only a bid that could have filled the slot sets its price
				slotRunnerUp[s] = max(slotRunnerUp[s], c.bid.PriceMicros)
			}
			continue
		}
		if r := float64(c.bid.PriceMicros) / float64(c.durMS); r > runnerUp {
			runnerUp = r
		}
	}
	for _, i := range chosen {
		c := &cands[i]
		b := c.bid
		dur := time.Duration(c.durMS) * time.Millisecond
		price := b.PriceMicros
		if a.cfg.AuctionType == 2 {
			second := max(a.floor(b, dur), int64(runnerUp*float64(c.durMS)+0.5)) + a.cfg.IncrementMicros
			if s := b.Slot; s > 0 && s < len(slotRunnerUp) {
				second = max(a.floor(b, max(dur, slotLength(d.Break, s))), slotRunnerUp[s]) + a.cfg.IncrementMicros
			}
			price = min(price, second)
		}
		ra := c.resolved
		bid := *b // the decision outlives the pooled auction result
		ad := PlacedAd{
			Source: SourceAuction, Slot: b.Slot, Bid: &bid, PriceMicros: price, Duration: dur,
			CreativeID: b.CreativeID, CampaignID: b.CampaignID, Title: ra.inline.AdTitle,
			Advertiser: ra.inline.Advertiser, Categories: b.Cat, Click: ra.creative.Linear.ClickThrough,
			Media: c.media, resolved: ra,
		}
		if len(b.ADomain) > 0 {
			ad.ADomain = b.ADomain[0]
		}
		if ad.Advertiser == "" {
			ad.Advertiser = ad.ADomain
		}
		if b.BURL != "" {
			m := macrosFor(req, b, price)
			ad.billURL = m.Expand(b.BURL)
		}
		if ad.CampaignID == "" {
			ad.CampaignID = b.Bidder
		}
		d.Ads = append(d.Ads, ad)
	}
}

// fillLineItems fills the time the auction left: direct line items first (by CPM), then
// house line items (by the time they fill), with the same separation and caps.
func (a *AdServer) fillLineItems(d *Decision, br *BreakRequest, keys exclKeys, used *fitState, now time.Time) {
	all := a.catalog.LineItems()
	if len(all) == 0 {
		return
	}
	for _, kind := range []string{catalog.KindDirect, catalog.KindHouse} {
		if used.n >= br.PodSize || used.usedMS >= br.Duration.Milliseconds() {
			return
		}
		var lis []*catalog.LineItem
		var medias []*catalog.Media
		var slots []int
		var items []fitItem
		for _, li := range all {
			if li.Kind != kind || !li.Live(now) || a.capped(d, []string{li.ADomain}) {
				continue
			}
			m, st := a.catalog.Media(li.CreativeID)
			if st != catalog.StatusReady || m.Duration <= 0 || !durationFits(m.Duration, br) {
				continue
			}
			v := li.CPMMicros
			if kind == catalog.KindHouse {
				v = m.Duration.Milliseconds() // house ads are worth the time they fill
			}
			excl := keys.mask([]string{li.ADomain}, li.Categories, []string{"li:" + li.CreativeID})
			// A dynamic pod: one item. A structured pod: one item per slot the ad fits, holding
			// the slot's key, so it fills at most one slot and only a free one.
			for k := 0; k <= len(br.Slots); k++ {
				if len(br.Slots) > 0 && (k == 0 || !fitsSlot(m.Duration, br, k)) {
					continue
				}
				it := fitItem{durMS: m.Duration.Milliseconds(), value: v, excl: excl}
				if k > 0 {
					it.excl = it.excl.or(keys.mask([]string{slotKey(k)}))
				}
				lis, medias, slots = append(lis, li), append(medias, m), append(slots, k)
				items = append(items, it)
			}
		}
		picked, _ := fitPod(items, br.Duration.Milliseconds(), br.PodSize, *used)
		for _, p := range picked {
			li, m := lis[p], medias[p]
			used.usedMS += items[p].durMS
			used.n++
			used.excl = used.excl.or(items[p].excl)
			d.Ads = append(d.Ads, PlacedAd{
				Source: kind, Slot: slots[p], LineItem: li, PriceMicros: li.CPMMicros, Duration: m.Duration,
				CreativeID: li.CreativeID, CampaignID: li.ID, Title: li.Name, Advertiser: li.Advertiser,
				ADomain: li.ADomain, Categories: li.Categories, Click: li.ClickURL, Media: m,
			})
		}
	}
}

// sequence orders the pod — in a structured pod by slot; in a dynamic one auction ads by
// price, the first position being the most valuable, then direct, then house — and gives
// each ad its sequence number (consecutive: an empty slot leaves no gap) and serving id.
func (a *AdServer) sequence(d *Decision) {
	rank := map[string]int{SourceAuction: 0, SourceDirect: 1, SourceHouse: 2}
	slices.SortStableFunc(d.Ads, func(x, y PlacedAd) int {
		if x.Slot != y.Slot {
			return x.Slot - y.Slot
		}
		if rank[x.Source] != rank[y.Source] {
			return rank[x.Source] - rank[y.Source]
		}
		switch {
		case x.PriceMicros > y.PriceMicros:
			return -1
		case x.PriceMicros < y.PriceMicros:
			return 1
		}
		return 0
	})
	for i := range d.Ads {
		d.Ads[i].Sequence = i + 1
		d.Ads[i].ServingID = d.ID + "-" + strconv.Itoa(i+1)
	}
}

func (d *Decision) drop(a *AdServer, reason string) {
	d.Dropped[reason]++
	if c := a.dropped[reason]; c != nil {
		c.Inc()
	}
}

// loss fires a bid's loss notice.
func (a *AdServer) loss(b *auction.Bid, req *auction.Request, reason int, minToWin int64) {
	if b.LURL == "" {
		return
	}
	m := macrosFor(req, b, 0)
	m.Loss, m.MinToWinMicros = reason, minToWin
	a.pinger.Fire(safehttp.KindLoss, m.Expand(b.LURL), nil)
}

// fireErrors calls the VAST error URLs with code.
func (a *AdServer) fireErrors(urls []string, code vast.ErrorCode, br *BreakRequest) {
	hdr := deviceHeaders(br)
	for _, u := range urls {
		a.pinger.Fire(safehttp.KindError, errorURL(u, code), hdr)
	}
}

func macrosFor(req *auction.Request, b *auction.Bid, price int64) auction.Macros {
	m := auction.Macros{AuctionID: req.ID, BidID: b.ID, ImpID: b.ImpID, SeatID: b.Seat, AdID: b.AdID,
		Currency: req.Currency, PriceMicros: price}
	if price > 0 && b.PriceMicros > 0 {
		m.MBR = float64(price) / float64(b.PriceMicros)
	}
	return m
}

// deviceHeaders are the viewer's address and user agent for server-side requests made on the
// viewer's behalf (IAB guidance for server-side ad insertion).
func deviceHeaders(br *BreakRequest) []safehttp.Header {
	var h []safehttp.Header
	if br.IP != "" {
		h = append(h, safehttp.Header{Name: "X-Device-IP", Value: br.IP})
	}
	if br.UA != "" {
		h = append(h, safehttp.Header{Name: "X-Device-User-Agent", Value: br.UA})
	}
	return h
}

// newID returns 16 random bytes in hex: auction and decision ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// auctionState is the pooled scratch of one decision.
type auctionState struct {
	req   auction.Request
	body  []byte
	res   auction.Result
	cands []candidate
	items []fitItem
	idx   []int
	order []int
}

var auctionStatePool = sync.Pool{New: func() any { return new(auctionState) }}

func (s *auctionState) release() {
	s.res.Reset()
	clear(s.cands)
	s.cands = s.cands[:0]
	s.req = auction.Request{}
	auctionStatePool.Put(s)
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
