package auction

import (
	"strconv"
	"time"

	"github.com/cuepoint/cuepoint/internal/jsonw"
)

// Request is one ad break put to auction: an OpenRTB 2.6 bid request with a single video
// impression asking for a dynamic pod (poddur, maxseq), sent unchanged to every bidder.
type Request struct {
	ID string // the auction id: BidRequest.id, ${AUCTION_ID}
	// TMax is the time bidders have, as sent in tmax (milliseconds).
	TMax time.Duration
	// AT is the auction type: 1 first price, 2 second price plus.
	AT       int
	Currency string // the one currency bids are accepted in (cur)
	Pod      Pod
	Deals    []Deal
	// Supply describes the publisher's app or site and the content playing.
	Supply  Supply
	Device  Device
	User    User
	Regs    Regs
	SChain  *SupplyNode // this adserver's node in source.schain, when set
	BCat    []string    // blocked advertiser categories
	BAdv    []string    // blocked advertiser domains
	Test    bool
	TraceID string // source.tid: the transaction id shared by every bidder
}

// Pod describes the ad pod: the break's length and what each ad may be.
type Pod struct {
	ID       string        // podid
	Seq      int           // podseq: 1 the first pod of the content (pre-roll), -1 the last (post-roll), 0 any
	Duration time.Duration // poddur: the whole break
	MaxAds   int           // maxseq
	MinAd    time.Duration // minduration of one ad
	MaxAd    time.Duration // maxduration of one ad
	// RequiredDurations, when set, are the only ad lengths accepted (rqddurs, whole seconds);
	// they replace MinAd and MaxAd.
	RequiredDurations []int
	MinCPMPerSec      float64 // mincpmpersec: the floor, per second of ad, in Currency
	FloorCPM          float64 // bidfloor: the floor of any one ad, in Currency
	StartDelay        int     // 0 pre-roll, -1 mid-roll, -2 post-roll
	W, H              int     // the largest rendition of the content
	MIMEs             []string
	Protocols         []int
	// Slots, when set, make the pod structured (OpenRTB 2.6): one impression per slot, ids
	// "1".."n" in slot order, sharing podid and podseq, each with its slotinpod (1 the first,
	// -1 the last, 0 one in the middle), its own length and floor. Duration and MaxAds then
	// only bound the whole break; poddur and maxseq are not sent.
	Slots []Slot
}

// Slot is one position of a structured pod.
type Slot struct {
	// Duration is the slot's length: its ad may be at most this long (maxduration).
	Duration time.Duration
	// FloorCPM is the slot's bidfloor.
	FloorCPM float64
}

// SlotInPod returns the OpenRTB slotinpod of slot i (0-based) of n: 1 the first, -1 the last,
// 0 any other (a middle slot; 2.6 has no value for "neither first nor last"). A pod of one
// slot is its first.
func SlotInPod(i, n int) int {
	switch {
	case i == 0:
		return 1
	case i == n-1:
		return -1
	}
	return 0
}

// Imps returns the number of impressions the request carries: one per slot of a structured
// pod, else one.
func (r *Request) Imps() int { return max(1, len(r.Pod.Slots)) }

// SlotOf returns the 1-based slot an impression id names ("1".."n" for a structured pod, "1"
// for a dynamic one), or 0 when the request has no such impression.
func (r *Request) SlotOf(impID string) int {
	n, err := strconv.Atoi(impID)
	if err != nil || n < 1 || n > r.Imps() || strconv.Itoa(n) != impID {
		return 0
	}
	return n
}

// Deal is a private marketplace deal offered in the impression's pmp.
type Deal struct {
	ID       string
	FloorCPM float64
	AT       int // 0 inherits the request's
	// Seats, when set, are the only buyer seats the deal is open to (wseat).
	Seats []string
}

// Supply is the inventory: the publisher's app or site, and the content around the break.
type Supply struct {
	App         bool // app (CTV, mobile) rather than site
	ID          string
	Name        string
	Bundle      string // app bundle or store id
	Domain      string // site or publisher domain
	PageURL     string // site page
	PublisherID string
	Publisher   string
	ContentID   string
	ContentLive bool
}

// Device is the viewer's device as the player reported it.
type Device struct {
	UA         string
	IP         string // IPv4 or IPv6, whichever the viewer had
	DeviceType int    // AdCOM device type (3 connected TV, 7 set-top box, …); 0 unknown
	IFA        string
	LMT        bool // limit ad tracking
}

// User is the viewer.
type User struct {
	ID      string
	Consent string // TCF consent string
}

// Regs are the regulations in force.
type Regs struct {
	COPPA     bool
	GDPR      *bool
	USPrivacy string
	GPP       string
	GPPSID    []int
}

// SupplyNode is one node of the supply chain object.
type SupplyNode struct {
	ASI string // the advertising system's domain
	SID string // the seller id within it
}

// Protocols a pod request accepts: VAST 4.x InLine and Wrapper (AdCOM 7, 8), VAST 3.0 (3, 6)
// and 2.0 (2, 5) — the adserver reads all of them and answers in VAST 4.2.
var DefaultProtocols = []int{2, 3, 5, 6, 7, 8, 11, 12}

// AppendJSON appends the OpenRTB 2.6 bid request to dst. It allocates nothing beyond growing
// dst.
func (r *Request) AppendJSON(dst []byte) []byte {
	w := jsonw.Writer{B: dst}
	w.Open("")
	w.Str("id", r.ID)
	w.OpenArr("imp")
	for k := 0; k < r.Imps(); k++ {
		r.appendImp(&w, k)
	}
	w.CloseArr()
	r.appendSupply(&w)
	r.appendDevice(&w)
	if r.User.ID != "" || r.User.Consent != "" {
		w.Open("user")
		w.StrOpt("id", r.User.ID)
		w.StrOpt("consent", r.User.Consent)
		w.Close()
	}
	r.appendRegs(&w)
	w.Open("source")
	w.StrOpt("tid", r.TraceID)
	if r.SChain != nil {
		w.Open("schain")
		w.Int("complete", 1)
		w.Str("ver", "1.0")
		w.OpenArr("nodes")
		w.Open("")
		w.Str("asi", r.SChain.ASI)
		w.Str("sid", r.SChain.SID)
		w.Int("hp", 1)
		w.Close()
		w.CloseArr()
		w.Close()
	}
	w.Close()
	if r.TMax > 0 {
		w.Int("tmax", int64(r.TMax/time.Millisecond))
	}
	at := r.AT
	if at == 0 {
		at = 2
	}
	w.Int("at", int64(at))
	w.Strs("cur", []string{r.Currency})
	if len(r.BCat) > 0 {
		w.Int("cattax", 1)
		w.Strs("bcat", r.BCat)
	}
	if len(r.BAdv) > 0 {
		w.Strs("badv", r.BAdv)
	}
	if r.Test {
		w.Int("test", 1)
	}
	w.Close()
	return w.B
}

// appendImp writes impression k (0-based): the dynamic pod, or slot k of a structured one.
func (r *Request) appendImp(w *jsonw.Writer, k int) {
	w.Open("")
	w.Key("id")
	w.B = append(strconv.AppendInt(append(w.B, '"'), int64(k+1), 10), '"')
	r.appendVideo(w, k)
	floor := r.Pod.FloorCPM
	if len(r.Pod.Slots) > 0 {
		floor = r.Pod.Slots[k].FloorCPM
	}
	if floor > 0 {
		w.Float("bidfloor", floor)
		w.Str("bidfloorcur", r.Currency)
	}
	if len(r.Deals) > 0 {
		w.Open("pmp")
		w.Int("private_auction", 0)
		w.OpenArr("deals")
		for i := range r.Deals {
			d := &r.Deals[i]
			w.Open("")
			w.Str("id", d.ID)
			if d.FloorCPM > 0 {
				w.Float("bidfloor", d.FloorCPM)
				w.Str("bidfloorcur", r.Currency)
			}
			w.IntOpt("at", int64(d.AT))
			if len(d.Seats) > 0 {
				w.Strs("wseat", d.Seats)
			}
			w.Close()
		}
		w.CloseArr()
		w.Close()
	}
	w.Int("secure", 1)
	w.Close()
}

func (r *Request) appendVideo(w *jsonw.Writer, k int) {
	p := &r.Pod
	w.Open("video")
	mimes := p.MIMEs
	if len(mimes) == 0 {
		mimes = []string{"video/mp4", "application/x-mpegURL"}
	}
	w.Strs("mimes", mimes)
	structured := len(p.Slots) > 0
	maxAd := p.MaxAd
	if structured {
		maxAd = min(maxAd, p.Slots[k].Duration)
		if maxAd <= 0 {
			maxAd = p.Slots[k].Duration
		}
	}
	switch {
	case len(p.RequiredDurations) > 0 && structured:
		// The accepted lengths that fit this slot (the adserver checks every slot has one).
		w.Key("rqddurs")
		w.B = append(w.B, '[')
		n := 0
		for _, d := range p.RequiredDurations {
			if time.Duration(d)*time.Second <= maxAd {
				if n > 0 {
					w.B = append(w.B, ',')
				}
				w.B = strconv.AppendInt(w.B, int64(d), 10)
				n++
			}
		}
		w.B = append(w.B, ']')
	case len(p.RequiredDurations) > 0:
		w.Ints("rqddurs", p.RequiredDurations)
	default:
		w.IntOpt("minduration", ceilSeconds(p.MinAd))
		w.IntOpt("maxduration", int64(maxAd/time.Second))
	}
	prot := p.Protocols
	if len(prot) == 0 {
		prot = DefaultProtocols
	}
	w.Ints("protocols", prot)
	w.IntOpt("w", int64(p.W))
	w.IntOpt("h", int64(p.H))
	w.Int("startdelay", int64(p.StartDelay))
	w.Int("plcmt", 1)     // instream
	w.Int("linearity", 1) // linear
	w.Int("skip", 0)
	w.Str("podid", p.ID)
	w.Int("podseq", int64(p.Seq))
	if structured {
		w.Int("slotinpod", int64(SlotInPod(k, len(p.Slots))))
	} else {
		w.Int("poddur", int64(p.Duration/time.Second))
		w.IntOpt("maxseq", int64(p.MaxAds))
	}
	if p.MinCPMPerSec > 0 {
		w.Float("mincpmpersec", p.MinCPMPerSec)
	}
	w.Ints("delivery", []int{1, 2}) // streaming, progressive
	w.Close()
}

func (r *Request) appendSupply(w *jsonw.Writer) {
	s := &r.Supply
	kind := "site"
	if s.App {
		kind = "app"
	}
	w.Open(kind)
	w.StrOpt("id", s.ID)
	w.StrOpt("name", s.Name)
	if s.App {
		w.StrOpt("bundle", s.Bundle)
		w.StrOpt("domain", s.Domain)
	} else {
		w.StrOpt("domain", s.Domain)
		w.StrOpt("page", s.PageURL)
	}
	if s.PublisherID != "" || s.Publisher != "" {
		w.Open("publisher")
		w.StrOpt("id", s.PublisherID)
		w.StrOpt("name", s.Publisher)
		w.Close()
	}
	if s.ContentID != "" {
		w.Open("content")
		w.Str("id", s.ContentID)
		if s.ContentLive {
			w.Int("livestream", 1)
		}
		w.Close()
	}
	w.Close()
}

func (r *Request) appendDevice(w *jsonw.Writer) {
	d := &r.Device
	w.Open("device")
	w.StrOpt("ua", d.UA)
	if isIPv6(d.IP) {
		w.Str("ipv6", d.IP)
	} else {
		w.StrOpt("ip", d.IP)
	}
	w.IntOpt("devicetype", int64(d.DeviceType))
	w.StrOpt("ifa", d.IFA)
	if d.LMT {
		w.Int("lmt", 1)
	}
	w.Close()
}

func (r *Request) appendRegs(w *jsonw.Writer) {
	g := &r.Regs
	if !g.COPPA && g.GDPR == nil && g.USPrivacy == "" && g.GPP == "" {
		return
	}
	w.Open("regs")
	if g.COPPA {
		w.Int("coppa", 1)
	}
	if g.GDPR != nil {
		v := int64(0)
		if *g.GDPR {
			v = 1
		}
		w.Int("gdpr", v)
	}
	w.StrOpt("us_privacy", g.USPrivacy)
	if g.GPP != "" {
		w.Str("gpp", g.GPP)
		if len(g.GPPSID) > 0 {
			w.Ints("gpp_sid", g.GPPSID)
		}
	}
	w.Close()
}

func ceilSeconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

func isIPv6(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// formatPrice writes a CPM for a macro or a log: plain decimal, at most six decimals.
func formatPrice(dst []byte, micros int64) []byte {
	return strconv.AppendFloat(dst, float64(micros)/1e6, 'f', -1, 64)
}
