package auction

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/adserver/safehttp"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Endpoint is one bidder the adserver asks: Cuepoint's own bidder or any OpenRTB 2.6 endpoint.
type Endpoint struct {
	Name string // short name for logs and metrics ("cuepoint", "ssp-a")
	URL  string // POST target, e.g. http://127.0.0.1:8081/openrtb2/bid
	// GzipRequest compresses request bodies (Content-Encoding: gzip); responses are always
	// accepted gzipped.
	GzipRequest bool
	// MaxConns bounds the keep-alive pool to this bidder (default 256).
	MaxConns int
}

// Outcome is what one bidder did in one auction.
type Outcome struct {
	Bidder  string
	Status  int // HTTP status; 0 when no answer came
	Latency time.Duration
	Bids    int
	Err     error // transport failure, timeout, or an invalid response
}

// Result is the outcome of one auction: every valid bid, every rejected one (to notify), and
// what each bidder did.
type Result struct {
	Bids     []Bid
	Rejected []Rejected
	Outcomes []Outcome
}

// Reset empties r for reuse, keeping its capacity.
func (r *Result) Reset() {
	clear(r.Bids)
	clear(r.Rejected)
	r.Bids, r.Rejected, r.Outcomes = r.Bids[:0], r.Rejected[:0], r.Outcomes[:0]
}

// MaxResponseBytes caps a bid response, after gzip inflation.
const MaxResponseBytes = 2 << 20

// Client sends a bid request to every endpoint in parallel over keep-alive pools and gathers
// the bids that arrive before the deadline. It is safe for concurrent use.
type Client struct {
	endpoints []*endpoint
}

type endpoint struct {
	Endpoint
	hc   *fasthttp.HostClient
	path []byte
	host string

	requests, bids, nobids, timeouts, errors, invalid *vm.Counter
	latency                                           *vm.PrometheusHistogram
}

// NewClient returns a client for the endpoints; it checks each URL.
func NewClient(eps []Endpoint) (*Client, error) {
	c := &Client{}
	seen := map[string]bool{}
	for _, ep := range eps {
		if ep.Name == "" || seen[ep.Name] {
			return nil, fmt.Errorf("bidder %q: names must be unique and non-empty", ep.Name)
		}
		seen[ep.Name] = true
		u, err := url.Parse(ep.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("bidder %s: %q is not an http(s) URL", ep.Name, ep.URL)
		}
		if ep.MaxConns <= 0 {
			ep.MaxConns = 256
		}
		addr := u.Host
		if u.Port() == "" {
			if u.Scheme == "https" {
				addr += ":443"
			} else {
				addr += ":80"
			}
		}
		l := `{bidder="` + ep.Name + `"}`
		e := &endpoint{
			Endpoint: ep,
			path:     []byte(u.RequestURI()),
			host:     u.Host,
			hc: &fasthttp.HostClient{
				Addr:                      addr,
				Name:                      "Cuepoint-Adserver/1",
				IsTLS:                     u.Scheme == "https",
				MaxConns:                  ep.MaxConns,
				MaxIdleConnDuration:       60 * time.Second,
				MaxResponseBodySize:       MaxResponseBytes,
				MaxIdemponentCallAttempts: 1,
				ReadBufferSize:            16 << 10,
				WriteBufferSize:           16 << 10,
			},
			requests: metrics.Counter(`cuepoint_adserver_bid_requests_total` + l),
			bids:     metrics.Counter(`cuepoint_adserver_bids_total` + l),
			nobids:   metrics.Counter(`cuepoint_adserver_nobids_total` + l),
			timeouts: metrics.Counter(`cuepoint_adserver_bidder_timeouts_total` + l),
			errors:   metrics.Counter(`cuepoint_adserver_bidder_errors_total` + l),
			invalid:  metrics.Counter(`cuepoint_adserver_bidder_invalid_responses_total` + l),
			latency:  metrics.Latency(`cuepoint_adserver_bidder_latency_seconds` + l),
		}
		c.endpoints = append(c.endpoints, e)
	}
	return c, nil
}

// Len is the number of endpoints.
func (c *Client) Len() int { return len(c.endpoints) }

// Names lists the endpoints' names.
func (c *Client) Names() []string {
	out := make([]string, len(c.endpoints))
	for i, e := range c.endpoints {
		out[i] = e.Name
	}
	return out
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// call is one endpoint's share of an auction, filled by its goroutine.
type call struct {
	out      Outcome
	bids     []Bid
	rejected []Rejected
	scratch  []byte
}

var callPool = sync.Pool{New: func() any { return new(call) }}

// Auction sends body (req encoded by AppendJSON) to every endpoint and waits for the answers,
// or for deadline, whichever comes first; bids arriving later are lost (and counted as
// timeouts). The gathered bids are appended to res.
func (c *Client) Auction(deadline time.Time, req *Request, body []byte, res *Result) {
	var zbody []byte
	for _, e := range c.endpoints {
		if e.GzipRequest {
			var buf bytes.Buffer
			zw := gzipWriters.Get().(*gzip.Writer)
			zw.Reset(&buf)
			_, _ = zw.Write(body)
			_ = zw.Close()
			gzipWriters.Put(zw)
			zbody = buf.Bytes()
			break
		}
	}
	calls := make([]*call, len(c.endpoints))
	var wg sync.WaitGroup
	for i, e := range c.endpoints {
		cl := callPool.Get().(*call)
		calls[i] = cl
		payload := body
		if e.GzipRequest {
			payload = zbody
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.do(deadline, req, payload, cl)
		}()
	}
	wg.Wait()
	for _, cl := range calls {
		res.Bids = append(res.Bids, cl.bids...)
		res.Rejected = append(res.Rejected, cl.rejected...)
		res.Outcomes = append(res.Outcomes, cl.out)
		clear(cl.bids)
		clear(cl.rejected)
		cl.bids, cl.rejected = cl.bids[:0], cl.rejected[:0]
		callPool.Put(cl)
	}
}

func (e *endpoint) do(deadline time.Time, req *Request, payload []byte, cl *call) {
	start := time.Now()
	cl.out = Outcome{Bidder: e.Name}
	e.requests.Inc()
	hreq, hresp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(hreq)
	defer fasthttp.ReleaseResponse(hresp)
	hreq.Header.SetMethod(fasthttp.MethodPost)
	hreq.SetRequestURIBytes(e.path)
	hreq.Header.SetHost(e.host)
	hreq.Header.SetContentType("application/json")
	hreq.Header.Set("X-Openrtb-Version", "2.6")
	hreq.Header.Set(fasthttp.HeaderAcceptEncoding, "gzip")
	if e.GzipRequest {
		hreq.Header.Set(fasthttp.HeaderContentEncoding, "gzip")
	}
	hreq.SetBodyRaw(payload)
	err := e.hc.DoDeadline(hreq, hresp, deadline)
	cl.out.Latency = time.Since(start)
	e.latency.Update(cl.out.Latency.Seconds())
	if err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) || !time.Now().Before(deadline) {
			e.timeouts.Inc()
			cl.out.Err = fmt.Errorf("bidder %s: no answer by the deadline: %w", e.Name, err)
		} else {
			e.errors.Inc()
			cl.out.Err = fmt.Errorf("bidder %s: %w", e.Name, err)
		}
		return
	}
	cl.out.Status = hresp.StatusCode()
	switch cl.out.Status {
	case fasthttp.StatusNoContent:
		e.nobids.Inc()
		return
	case fasthttp.StatusOK:
	default:
		e.errors.Inc()
		cl.out.Err = fmt.Errorf("bidder %s: status %d", e.Name, cl.out.Status)
		return
	}
	body := hresp.Body()
	if bytes.EqualFold(hresp.Header.ContentEncoding(), []byte("gzip")) {
		cl.scratch, err = safehttp.Gunzip(cl.scratch[:0], body, MaxResponseBytes)
		if err != nil {
			e.invalid.Inc()
			cl.out.Err = fmt.Errorf("bidder %s: %w", e.Name, err)
			return
		}
		body = cl.scratch
	}
	if len(bytes.TrimSpace(body)) == 0 { // some bidders say "no bid" with an empty 200
		e.nobids.Inc()
		return
	}
	n := len(cl.bids)
	cl.bids, cl.rejected, err = ParseResponse(e.Name, body, req, cl.bids, cl.rejected)
	if err != nil {
		e.invalid.Inc()
		cl.out.Err = err
		return
	}
	cl.out.Bids = len(cl.bids) - n
	e.bids.Add(cl.out.Bids)
	if cl.out.Bids == 0 {
		e.nobids.Inc()
	}
}
