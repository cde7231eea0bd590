package bidder

import (
	"bytes"
	"sync"
	"time"

	"github.com/prebid/openrtb/v20/openrtb2"
)

// requestCtx is everything one bid request needs, pooled so that the steady state allocates
// only what the JSON decoder does.
type requestCtx struct {
	req       openrtb2.BidRequest
	facts     requestFacts
	priv      privacy
	viewer    ViewerFeatures
	hasViewer bool
	asg       assignment
	now       time.Time // the bidder's clock (Deps.Now) at arrival
	start     time.Time // wall clock at arrival, for latency
	deadline  time.Time
	traceID   string
	cur       string
	fx        float64
	supplyKey uint64

	res, impRes, mask bitset
	overCap           bitset // capped campaigns that must not bid for this viewer
	capQ              []FreqQuery
	capOrd            []uint32
	cands             []candidate
	bids              []bidOut
	curImp            *openrtb2.Imp
	podUsed           []podUse
	cover             podCover // dynamic pods: campaigns that cannot make the best set
	dp                []int64
	take              []int32
	groups            [][2]int

	in      bytes.Buffer // inflated request body
	out     []byte       // response body
	scratch []byte       // markup and URLs under construction
	tok     []byte
	tokRaw  []byte
	zbuf    bytes.Buffer // gzipped response
}

var requestCtxs = sync.Pool{New: func() any { return new(requestCtx) }}

func getRequestCtx() *requestCtx { return requestCtxs.Get().(*requestCtx) }

// release clears references (so pooled contexts pin no request data) and pools rc.
func (rc *requestCtx) release() {
	rc.req = openrtb2.BidRequest{}
	rc.facts = requestFacts{}
	rc.priv = privacy{}
	rc.hasViewer = false
	rc.viewer.Found = false
	clear(rc.cands)
	rc.cands = rc.cands[:0]
	clear(rc.bids)
	rc.bids = rc.bids[:0]
	clear(rc.capQ)
	clear(rc.podUsed)
	rc.podUsed = rc.podUsed[:0]
	rc.curImp = nil
	rc.asg.reset()
	if rc.in.Cap() > 1<<20 {
		rc.in = bytes.Buffer{}
	}
	requestCtxs.Put(rc)
}

// size makes the bitsets fit the index.
func (rc *requestCtx) size(ix *Index) {
	n := len(ix.all)
	if cap(rc.res) < n {
		rc.res, rc.impRes, rc.mask, rc.overCap = make(bitset, n), make(bitset, n), make(bitset, n), make(bitset, n)
	}
	rc.res, rc.impRes, rc.mask, rc.overCap = rc.res[:n], rc.impRes[:n], rc.mask[:n], rc.overCap[:n]
}
