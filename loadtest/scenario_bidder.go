package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/prebid/openrtb/v20/adcom1"
	"github.com/prebid/openrtb/v20/openrtb2"
)

// BidderPath is the bidder's OpenRTB endpoint.
const BidderPath = "/openrtb2/bid"

// BidKind is the shape of a generated bid request.
type BidKind uint8

const (
	BidCTVPod          BidKind = iota // CTV ad pod: structured (one imp per slot) or dynamic (poddur/maxseq)
	BidAppInterstitial                // mobile app, full-screen skippable video
	BidWebVideo                       // desktop site, instream pre-roll
	BidDisplayDeals                   // banners with private-marketplace deals
	BidNoBid                          // must not bid: a floor above any campaign, or every category blocked
)

var bidKindNames = [...]string{"ctv-pod", "app-interstitial", "web-video", "display-deals", "no-bid"}

func (k BidKind) String() string { return bidKindNames[k] }

// bidKindCycle fixes the shares of a bidder pool over every 20 requests: 40% CTV pods, 20% app
// interstitials, 15% web video, 15% display with deals, 10% that should not bid.
var bidKindCycle = [20]BidKind{
	BidCTVPod, BidAppInterstitial, BidCTVPod, BidWebVideo, BidCTVPod, BidDisplayDeals, BidCTVPod, BidNoBid, BidAppInterstitial, BidCTVPod,
	BidWebVideo, BidCTVPod, BidDisplayDeals, BidAppInterstitial, BidCTVPod, BidWebVideo, BidCTVPod, BidDisplayDeals, BidAppInterstitial, BidNoBid,
}

// BidKindOf returns the kind of the i-th request of a Bidder scenario's pool.
func BidKindOf(i int) BidKind { return bidKindCycle[i%len(bidKindCycle)] }

// Bidder builds OpenRTB 2.6 bid requests for POST {target}/openrtb2/bid, o.Pool of them, with
// the shares of bidKindCycle. CTV pod requests are ~3.4 KB, like those of a CTV SSP. 200 (bid)
// and 204 (no bid) both count as successes.
func Bidder(target string, o Options) *Scenario {
	o = o.withDefaults()
	g := newBidGen(o)
	uri := baseURL(target) + BidderPath
	s := &Scenario{Name: "bidder", Target: target, Requests: make([]Request, o.Pool)}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // URLs keep their '&'; an SSP does not escape them either
	for i := range s.Requests {
		br := g.request(i, BidKindOf(i))
		buf.Reset()
		if err := enc.Encode(br); err != nil {
			panic(fmt.Sprintf("loadtest: encoding a generated bid request: %v", err)) // types are ours: cannot happen
		}
		body := bytes.Clone(bytes.TrimRight(buf.Bytes(), "\n"))
		s.Requests[i] = Request{Method: "POST", URI: uri, ContentType: "application/json", Body: body}
	}
	return s
}

type bidGen struct {
	r        *rand.Rand
	users    *population
	contents *population
}

func newBidGen(o Options) *bidGen {
	r := newRand(o.Seed, "bidder")
	return &bidGen{r: r, users: newPopulation(r, o.Users, o.ZipfS), contents: newPopulation(r, o.Contents, o.ZipfS)}
}

func (g *bidGen) request(i int, kind BidKind) *openrtb2.BidRequest {
	br := &openrtb2.BidRequest{
		ID:     g.hex(16),
		AT:     1,
		TMax:   100,
		Cur:    []string{"USD"},
		Source: g.source(),
		Regs:   g.regs(),
		User:   g.user(),
		BAdv:   []string{"competitor.example", "blocked-brand.example"},
	}
	switch kind {
	case BidCTVPod:
		g.ctvPod(br, i, false)
	case BidAppInterstitial:
		g.appInterstitial(br)
	case BidWebVideo:
		g.webVideo(br)
	case BidDisplayDeals:
		g.displayDeals(br)
	case BidNoBid:
		if (i/len(bidKindCycle))%2 == 0 {
			g.ctvPod(br, i, true) // priced out: floors far above any campaign
		} else {
			g.webVideo(br)
			br.BCat = allIABCategories // nothing left that may run
			br.CatTax = adcom1.CatTaxIABContent10
		}
	}
	return br
}

// NoBidFloor is the CPM floor of priced-out requests: no campaign pays $900 CPM.
const NoBidFloor = 900.0

var allIABCategories = func() []string {
	c := make([]string, 26)
	for i := range c {
		c[i] = fmt.Sprintf("IAB%d", i+1)
	}
	return c
}()

// ctvPod fills a CTV request: a structured pod (one imp per slot, slotinpod first/any/last) or
// a dynamic one (one imp, poddur and maxseq), on a TV app with its content.
func (g *bidGen) ctvPod(br *openrtb2.BidRequest, i int, pricedOut bool) {
	br.Device = g.tvDevice()
	br.App = g.tvApp()
	podID := fmt.Sprintf("pod-%d", i)
	pos := g.r.IntN(3)
	podSeq := [...]adcom1.PodSequence{adcom1.PodSeqFirst, adcom1.PodSeqAny, adcom1.PodSeqLast}[pos]
	start := [...]adcom1.StartDelay{adcom1.StartPreRoll, adcom1.StartMidRoll, adcom1.StartPostRoll}[pos]
	floor := 12 + float64(g.r.IntN(14))
	mincpm := floor / 30 // per second of a 30 s spot
	if pricedOut {
		floor, mincpm = NoBidFloor, NoBidFloor/15
	}
	video := func() *openrtb2.Video {
		return &openrtb2.Video{
			MIMEs:          []string{"video/mp4", "application/x-mpegURL", "video/webm"},
			Protocols:      []adcom1.MediaCreativeSubtype{adcom1.CreativeVAST30, adcom1.CreativeVAST40, adcom1.CreativeVAST41, adcom1.CreativeVAST42, adcom1.CreativeVAST30Wrapper, adcom1.CreativeVAST40Wrapper},
			W:              openrtb2.Int64Ptr(1920),
			H:              openrtb2.Int64Ptr(1080),
			StartDelay:     &start,
			Plcmt:          adcom1.VideoPlcmtInstream,
			Placement:      adcom1.VideoPlacementInStream,
			Linearity:      adcom1.LinearityLinear,
			Skip:           openrtb2.Int8Ptr(0),
			PlaybackMethod: []adcom1.PlaybackMethod{adcom1.PlaybackContinuous},
			PlaybackEnd:    adcom1.PlaybackCompletion,
			Delivery:       []adcom1.DeliveryMethod{adcom1.DeliveryStreaming, adcom1.DeliveryProgressive},
			API:            []adcom1.APIFramework{adcom1.APIOMID10},
			PodID:          podID,
			PodSeq:         podSeq,
			PodDedupe:      []adcom1.PodDedupe{adcom1.PodDedupeADomain, adcom1.PodDedupeIABCategory},
			BAttr:          []adcom1.CreativeAttribute{1, 2, 3, 6, 8},
		}
	}
	imp := func(id string, v *openrtb2.Video) openrtb2.Imp {
		return openrtb2.Imp{
			ID: id, Video: v, BidFloor: floor, BidFloorCur: "USD", Secure: openrtb2.Int8Ptr(1),
			TagID: "ctv-" + podID, SSAI: openrtb2.AdInsertServer,
		}
	}
	if i%2 == 0 {
		// Structured: three 15/30 s slots, first, middle and last of the pod.
		for n, slot := range []adcom1.SlotPositionInPod{adcom1.SlotPosFirst, adcom1.SlotPosAny, adcom1.SlotPosLast} {
			v := video()
			v.SlotInPod = slot
			v.RqdDurs = []int64{15, 30}
			v.MinCPMPerSec = mincpm
			br.Imp = append(br.Imp, imp(fmt.Sprint(n+1), v))
		}
		return
	}
	// Dynamic: a 60-120 s pod filled with up to maxseq ads of 5-30 s.
	v := video()
	v.PodDur = int64(60 + 30*g.r.IntN(3))
	v.MaxSeq = v.PodDur / 15
	v.MinDuration, v.MaxDuration = 5, 30
	v.MinCPMPerSec = mincpm
	v.DurFloors = []openrtb2.DurFloors{{MinDur: 1, MaxDur: 15, BidFloor: floor * 0.6}, {MinDur: 16, MaxDur: 30, BidFloor: floor}}
	br.Imp = []openrtb2.Imp{imp("1", v)}
}

func (g *bidGen) appInterstitial(br *openrtb2.BidRequest) {
	ios := g.r.IntN(2) == 0
	br.Device = g.mobileDevice(ios)
	app := g.pick(mobileApps)
	br.App = &openrtb2.App{
		ID: "app-" + app[0], Name: app[1], Bundle: app[0], StoreURL: app[2], Ver: "4.2.1",
		Cat: []string{"IAB9-30"}, CatTax: adcom1.CatTaxIABContent10,
		Publisher:     &openrtb2.Publisher{ID: "pub-" + app[0], Name: app[1] + " Studio"},
		PrivacyPolicy: openrtb2.Int8Ptr(1), Paid: openrtb2.Int8Ptr(0),
	}
	sd := adcom1.StartPreRoll
	br.Imp = []openrtb2.Imp{{
		ID: "1", Instl: 1, Rwdd: int8(g.r.IntN(2)), BidFloor: 4 + float64(g.r.IntN(7)), BidFloorCur: "USD", Secure: openrtb2.Int8Ptr(1),
		TagID: "interstitial-video",
		Video: &openrtb2.Video{
			MIMEs:       []string{"video/mp4", "video/3gpp"},
			MinDuration: 5, MaxDuration: 30,
			Protocols:      []adcom1.MediaCreativeSubtype{adcom1.CreativeVAST20, adcom1.CreativeVAST30, adcom1.CreativeVAST40, adcom1.CreativeVAST42},
			W:              openrtb2.Int64Ptr(320),
			H:              openrtb2.Int64Ptr(480),
			StartDelay:     &sd,
			Plcmt:          adcom1.VideoPlcmtInterstitial,
			Placement:      adcom1.VideoPlacementAlwaysVisible,
			Linearity:      adcom1.LinearityLinear,
			Skip:           openrtb2.Int8Ptr(1),
			SkipMin:        10,
			SkipAfter:      5,
			PlaybackMethod: []adcom1.PlaybackMethod{adcom1.PlaybackPageLoadSoundOn},
			API:            []adcom1.APIFramework{adcom1.APIMRAID20, adcom1.APIMRAID30, adcom1.APIOMID10},
			Pos:            ptr(adcom1.PositionFullScreen),
			CompanionType:  []adcom1.CompanionType{1, 2},
		},
	}}
}

func (g *bidGen) webVideo(br *openrtb2.BidRequest) {
	br.Device = g.pcDevice()
	site := g.pick(sites)
	path := fmt.Sprintf("/watch/%s", contentID(g.contents.draw()))
	br.Site = &openrtb2.Site{
		ID: "site-" + site[0], Name: site[1], Domain: site[0], Page: "https://" + site[0] + path + "?utm_source=home&ref=rail",
		Ref: "https://" + site[0] + "/", Cat: []string{site[2]}, CatTax: adcom1.CatTaxIABContent10,
		Publisher: &openrtb2.Publisher{ID: "pub-" + site[0], Name: site[1], Domain: site[0]},
		Content:   &openrtb2.Content{ID: path, Title: "Highlights " + path[7:], URL: "https://" + site[0] + path, Len: int64(60 + g.r.IntN(600)), Language: "en", Context: adcom1.ContentVideo},
		Mobile:    openrtb2.Int8Ptr(0), PrivacyPolicy: openrtb2.Int8Ptr(1),
	}
	sd := adcom1.StartPreRoll
	br.Imp = []openrtb2.Imp{{
		ID: "1", BidFloor: 3 + float64(g.r.IntN(6)), BidFloorCur: "USD", Secure: openrtb2.Int8Ptr(1), TagID: "player-preroll",
		Video: &openrtb2.Video{
			MIMEs:       []string{"video/mp4", "video/webm", "application/javascript"},
			MinDuration: 6, MaxDuration: 30,
			Protocols:      []adcom1.MediaCreativeSubtype{adcom1.CreativeVAST30, adcom1.CreativeVAST40, adcom1.CreativeVAST41, adcom1.CreativeVAST42},
			W:              openrtb2.Int64Ptr(640),
			H:              openrtb2.Int64Ptr(360),
			StartDelay:     &sd,
			Plcmt:          adcom1.VideoPlcmtInstream,
			Placement:      adcom1.VideoPlacementInStream,
			Linearity:      adcom1.LinearityLinear,
			Skip:           openrtb2.Int8Ptr(1),
			SkipAfter:      5,
			PlaybackMethod: []adcom1.PlaybackMethod{adcom1.PlaybackPageLoadSoundOff},
			PlaybackEnd:    adcom1.PlaybackCompletion,
			API:            []adcom1.APIFramework{adcom1.APIVPAID20, adcom1.APIOMID10, adcom1.APISIMID11},
			Pos:            ptr(adcom1.PositionAboveFold),
		},
	}}
}

func (g *bidGen) displayDeals(br *openrtb2.BidRequest) {
	br.Device = g.pcDevice()
	site := g.pick(sites)
	br.Site = &openrtb2.Site{
		ID: "site-" + site[0], Name: site[1], Domain: site[0], Page: "https://" + site[0] + "/schedule",
		Cat: []string{site[2]}, CatTax: adcom1.CatTaxIABContent10,
		Publisher: &openrtb2.Publisher{ID: "pub-" + site[0], Name: site[1], Domain: site[0]},
	}
	layouts := [][]openrtb2.Format{
		{{W: 300, H: 250}, {W: 336, H: 280}},
		{{W: 728, H: 90}, {W: 970, H: 90}, {W: 970, H: 250}},
		{{W: 160, H: 600}, {W: 300, H: 600}},
	}
	deals := func() *openrtb2.PMP {
		n := 1 + g.r.IntN(3)
		pmp := &openrtb2.PMP{PrivateAuction: int8(g.r.IntN(2))}
		for d := range n {
			pmp.Deals = append(pmp.Deals, openrtb2.Deal{
				ID: fmt.Sprintf("deal-%s-%d", site[0][:4], d+g.r.IntN(50)), BidFloor: 2 + float64(g.r.IntN(8)), BidFloorCur: "USD",
				AT: int64(1 + 2*g.r.IntN(2)), WSeat: []string{fmt.Sprintf("seat-%d", 1+g.r.IntN(12))},
			})
		}
		return pmp
	}
	for n := range 1 + g.r.IntN(2) {
		l := layouts[g.r.IntN(len(layouts))]
		br.Imp = append(br.Imp, openrtb2.Imp{
			ID: fmt.Sprint(n + 1), TagID: fmt.Sprintf("slot-%d", n+1), BidFloor: 0.5 + float64(g.r.IntN(20))/10, BidFloorCur: "USD",
			Secure: openrtb2.Int8Ptr(1), PMP: deals(),
			Banner: &openrtb2.Banner{Format: l, W: openrtb2.Int64Ptr(l[0].W), H: openrtb2.Int64Ptr(l[0].H), Pos: ptr(adcom1.PositionAboveFold),
				API: []adcom1.APIFramework{adcom1.APIMRAID30, adcom1.APIOMID10}, BAttr: []adcom1.CreativeAttribute{1, 3, 8, 9}},
		})
	}
}

// tvDevice is a connected TV (devicetype 3) or a set-top box (7).
func (g *bidGen) tvDevice() *openrtb2.Device {
	tv := g.pick(tvModels)
	dt := adcom1.DeviceTV
	if tv[4] == "stb" {
		dt = adcom1.DeviceSetTopBox
	}
	return &openrtb2.Device{
		UA: tv[3], IP: g.ip(), DeviceType: dt, Make: tv[0], Model: tv[1], OS: tv[2], OSV: fmt.Sprintf("%d.%d", 9+g.r.IntN(4), g.r.IntN(10)),
		W: 1920, H: 1080, JS: openrtb2.Int8Ptr(0), Language: "en", IFA: g.uuid(), Lmt: openrtb2.Int8Ptr(0), DNT: openrtb2.Int8Ptr(0),
		ConnectionType: ptr(adcom1.ConnectionEthernet), Geo: g.geo(), Ext: json.RawMessage(`{"ifa_type":"rida"}`),
	}
}

func (g *bidGen) mobileDevice(ios bool) *openrtb2.Device {
	d := &openrtb2.Device{
		IP: g.ip(), DeviceType: adcom1.DevicePhone, Language: "en", IFA: g.uuid(), Lmt: openrtb2.Int8Ptr(0),
		ConnectionType: ptr(adcom1.ConnectionWIFI), Geo: g.geo(), W: 390, H: 844, PxRatio: 3, JS: openrtb2.Int8Ptr(1),
	}
	if ios {
		d.UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
		d.Make, d.Model, d.OS, d.OSV = "Apple", "iPhone15,3", "iOS", "17.4"
	} else {
		d.UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
		d.Make, d.Model, d.OS, d.OSV = "Google", "Pixel 8", "Android", "14"
		if g.r.IntN(3) == 0 {
			d.DeviceType = adcom1.DeviceTablet
		}
	}
	return d
}

func (g *bidGen) pcDevice() *openrtb2.Device {
	return &openrtb2.Device{
		UA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		IP: g.ip(), DeviceType: adcom1.DevicePC, Make: "Microsoft", OS: "Windows", OSV: "10", Language: "en",
		JS: openrtb2.Int8Ptr(1), W: 1920, H: 1080, Geo: g.geo(), ConnectionType: ptr(adcom1.ConnectionEthernet),
		SUA: &openrtb2.UserAgent{
			Browsers: []openrtb2.BrandVersion{{Brand: "Chromium", Version: []string{"124"}}, {Brand: "Google Chrome", Version: []string{"124"}}},
			Platform: &openrtb2.BrandVersion{Brand: "Windows", Version: []string{"10", "0"}}, Mobile: openrtb2.Int8Ptr(0), Source: 2,
		},
	}
}

func (g *bidGen) tvApp() *openrtb2.App {
	ch := g.pick(tvChannels)
	c := g.contents.draw()
	show := g.pick(tvShows)
	live := int8(0)
	if show[2] == "live" {
		live = 1
	}
	return &openrtb2.App{
		ID: "app-" + ch[0], Name: ch[1], Bundle: ch[0], StoreURL: "https://channelstore.example/details/" + ch[0],
		Cat: []string{"IAB1", "IAB1-5"}, CatTax: adcom1.CatTaxIABContent10, Ver: "7.3.0",
		Publisher:     &openrtb2.Publisher{ID: "pub-" + ch[0], Name: ch[1] + " Media", Domain: ch[2]},
		PrivacyPolicy: openrtb2.Int8Ptr(1), Paid: openrtb2.Int8Ptr(0), InventoryPartnerDomain: ch[2],
		Content: &openrtb2.Content{
			ID: contentID(c), Title: fmt.Sprintf("%s S%dE%d", show[0], 1+c%5, 1+c%12), Series: show[0], Season: fmt.Sprintf("Season %d", 1+c%5),
			Episode: int64(1 + c%12), Genre: show[1], Cat: []string{"IAB1-7"}, CatTax: adcom1.CatTaxIABContent10,
			ProdQ: ptr(adcom1.ProductionProfessional), Context: adcom1.ContentVideo, ContentRating: "TV-14", QAGMediaRating: adcom1.MediaRatingAll,
			LiveStream: openrtb2.Int8Ptr(live), SourceRelationship: openrtb2.Int8Ptr(1), Len: int64(1320 + 60*(c%40)), Language: "en", Embeddable: openrtb2.Int8Ptr(0),
			KwArray:  []string{show[1], "streaming", "ctv"},
			Producer: &openrtb2.Producer{ID: "prod-" + ch[0], Name: ch[1] + " Studios"},
			Network:  &openrtb2.Network{ID: "net-" + ch[0], Name: ch[1], Domain: ch[2]},
			Channel:  &openrtb2.Channel{ID: "chan-" + ch[0], Name: ch[1] + " " + show[1], Domain: ch[2]},
			Data: []openrtb2.Data{{ID: "cuepoint-ctx", Name: "contextual", Segment: []openrtb2.Segment{
				{ID: fmt.Sprintf("ctx-%d", c%97)}, {ID: fmt.Sprintf("ctx-%d", c%89)}, {ID: fmt.Sprintf("ctx-%d", c%83)}}}},
		},
	}
}

func (g *bidGen) user() *openrtb2.User {
	u := g.users.draw()
	return &openrtb2.User{
		ID: userID(u), BuyerUID: g.hex(12),
		EIDs: []openrtb2.EID{
			{Source: "liveramp.com", UIDs: []openrtb2.UID{{ID: "XY" + g.hex(20), AType: adcom1.AgentTypePerson}}},
			{Source: "uidapi.com", UIDs: []openrtb2.UID{{ID: g.hex(22) + "==", AType: adcom1.AgentTypePerson}}},
		},
		Data: []openrtb2.Data{{ID: "cuepoint-aud", Name: "audiences", Segment: []openrtb2.Segment{
			{ID: fmt.Sprintf("aud-%d", u%211)}, {ID: fmt.Sprintf("aud-%d", u%199)}}}},
	}
}

func (g *bidGen) source() *openrtb2.Source {
	return &openrtb2.Source{
		TID: g.uuid(),
		SChain: &openrtb2.SupplyChain{Complete: 1, Ver: "1.0", Nodes: []openrtb2.SupplyChainNode{
			{ASI: "cuepoint.example", SID: fmt.Sprintf("pub-%d", 1000+g.r.IntN(50)), RID: g.hex(8), HP: openrtb2.Int8Ptr(1)},
			{ASI: "ssp.example", SID: fmt.Sprintf("%d", 50000+g.r.IntN(900)), HP: openrtb2.Int8Ptr(1)},
		}},
	}
}

func (g *bidGen) regs() *openrtb2.Regs {
	return &openrtb2.Regs{
		GDPR: openrtb2.Int8Ptr(0), USPrivacy: "1YNN",
		GPP: "DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", GPPSID: []int8{7},
	}
}

func (g *bidGen) geo() *openrtb2.Geo {
	m := g.pick(metros)
	return &openrtb2.Geo{Type: adcom1.LocationIP, IPService: adcom1.LocationServiceMaxMind, Country: "USA", Region: m[0], Metro: m[1], City: m[2], ZIP: m[3], UTCOffset: -300}
}

// ip is an address from the documentation ranges (RFC 5737): realistic shape, nobody's address.
func (g *bidGen) ip() string {
	nets := [...]string{"192.0.2", "198.51.100", "203.0.113"}
	return fmt.Sprintf("%s.%d", nets[g.r.IntN(3)], 1+g.r.IntN(254))
}

func (g *bidGen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *bidGen) uuid() string {
	h := g.hex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

func (g *bidGen) pick(list [][]string) []string { return list[g.r.IntN(len(list))] }

func ptr[T any](v T) *T { return &v }

// Reference data: make, model, os, user agent, kind.
var tvModels = [][]string{
	{"Roku", "Roku Ultra", "Roku OS", "Roku/DVP-12.5 (12.5.0.4174-AE)", "tv"},
	{"Samsung", "QN65Q80C", "Tizen", "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) 94.0.4606.31/7.0 TV Safari/537.36", "tv"},
	{"LG", "OLED55C3", "webOS", "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/94.0.4606.128 Safari/537.36 WebAppManager", "tv"},
	{"Amazon", "AFTKA", "Fire OS", "Mozilla/5.0 (Linux; Android 9; AFTKA Build/PS7633; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36", "stb"},
	{"Apple", "AppleTV14,1", "tvOS", "AppleCoreMedia/1.0.0.21K69 (Apple TV; U; CPU OS 17_1 like Mac OS X; en_us)", "stb"},
	{"Google", "Chromecast", "Android TV", "Mozilla/5.0 (Linux; Android 12; Chromecast Build/STTE.230319.008; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36", "stb"},
}

// Bundle, name, domain.
var tvChannels = [][]string{
	{"com.cuepoint.newsnow", "News Now", "newsnow.example"},
	{"com.cuepoint.classicmovies", "Classic Movies", "classicmovies.example"},
	{"com.cuepoint.sportszone", "Sports Zone", "sportszone.example"},
	{"com.cuepoint.kidsplay", "Family Time", "familytime.example"},
	{"com.cuepoint.foodtv", "Kitchen Stories", "kitchenstories.example"},
}

// Series, genre, vod|live.
var tvShows = [][]string{
	{"Evening Report", "news", "live"},
	{"The Long Road", "drama", "vod"},
	{"Matchday", "sports", "live"},
	{"Bake It Up", "cooking", "vod"},
	{"Deep Blue", "documentary", "vod"},
	{"Laugh Track", "comedy", "vod"},
}

// Bundle, name, store URL.
var mobileApps = [][]string{
	{"com.example.puzzlequest", "Puzzle Quest", "https://apps.apple.com/app/id1234567890"},
	{"com.example.wordsprint", "Word Sprint", "https://play.google.com/store/apps/details?id=com.example.wordsprint"},
	{"com.example.runnerx", "Runner X", "https://play.google.com/store/apps/details?id=com.example.runnerx"},
}

// Domain, name, IAB category.
var sites = [][]string{
	{"streamdaily.example", "Stream Daily", "IAB1-6"},
	{"sportsdesk.example", "Sports Desk", "IAB17"},
	{"recipebox.example", "Recipe Box", "IAB8"},
	{"techreview.example", "Tech Review", "IAB19"},
}

// Region, metro (DMA), city, zip.
var metros = [][]string{
	{"NY", "501", "New York", "10001"}, {"CA", "803", "Los Angeles", "90012"}, {"IL", "602", "Chicago", "60601"},
	{"TX", "623", "Dallas", "75201"}, {"WA", "819", "Seattle", "98101"}, {"GA", "524", "Atlanta", "30303"},
}
