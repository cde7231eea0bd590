package loadtest

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"github.com/valyala/fasthttp"
)

// endpoint is how a scenario's requests leave the process.
type endpoint struct {
	hc     *fasthttp.HostClient // single requests
	player Player               // or viewer sessions
}

func (r *runner) buildEndpoints() []endpoint {
	eps := make([]endpoint, len(r.cfg.Mix))
	clients := map[string]*fasthttp.HostClient{}
	for i, w := range r.cfg.Mix {
		if w.Scenario.Player != nil {
			eps[i].player = w.Scenario.Player
			continue
		}
		scheme, addr, _ := w.Scenario.validate() // validated in Run
		key := scheme + "://" + addr
		hc := clients[key]
		if hc == nil {
			hc = &fasthttp.HostClient{
				Addr:                   addr,
				IsTLS:                  scheme == "https",
				Name:                   "cuepoint-loadtest",
				MaxConns:               r.cfg.Connections,
				MaxIdleConnDuration:    time.Minute,
				DisablePathNormalizing: true,
				// A load generator must see failures, not hide them behind retries.
				MaxIdemponentCallAttempts: 1,
				// A request (a 3.4 KB OpenRTB body and its headers) leaves in one write and an
				// answer (a ~10 KB bid response) arrives in one read: fasthttp's 4 KB default
				// buffers took two or three system calls each.
				ReadBufferSize:  connBufferSize,
				WriteBufferSize: connBufferSize,
				DialTimeout:     dialQuiet,
			}
			clients[key] = hc
		}
		eps[i].hc = hc
	}
	return eps
}

func (r *runner) closeEndpoints() {
	for _, ep := range r.endpoints {
		if ep.hc != nil {
			ep.hc.CloseIdleConnections()
		}
	}
}

// connBufferSize is each connection's read and write buffer (fasthttp pools them: they are held
// only while a request is in flight).
const connBufferSize = 32 << 10

// worker is one connection's sender. It owns its fasthttp request and response for the whole
// run, so a send reuses their buffers and allocates nothing.
type worker struct {
	shard *shard
	req   *fasthttp.Request
	resp  *fasthttp.Response
}

func newWorker(s *shard) *worker {
	return &worker{shard: s, req: &fasthttp.Request{}, resp: &fasthttp.Response{}}
}

func (w *worker) loop(r *runner) {
	timeout := int64(r.cfg.Timeout)
	for j := range r.queue {
		if r.stopping.Load() {
			r.unsent.Add(1)
			continue
		}
		start := r.now()
		deadline := j.due + timeout
		var status int
		var o outcome
		if start >= deadline {
			// Waited past its deadline for a connection: a client would have given up.
			o = outcomeTimeout
			start = -1
		} else {
			status, o = w.send(&r.endpoints[j.scen], j.req, r.t0.Add(time.Duration(deadline)))
		}
		end := r.now()
		w.shard.record(int(j.scen), end-j.due, start-j.enq, start, status, o)
	}
}

func (w *worker) send(ep *endpoint, r *Request, deadline time.Time) (int, outcome) {
	if ep.player != nil {
		return classify(ep.player.Play(r.URI, deadline))
	}
	req := w.req
	req.Reset()
	req.Header.SetMethod(r.Method)
	req.SetRequestURI(r.URI)
	if r.Body != nil {
		req.Header.SetContentType(r.ContentType)
		req.SetBodyRaw(r.Body)
	}
	if err := ep.hc.DoDeadline(req, w.resp, deadline); err != nil {
		return classify(err)
	}
	code := w.resp.StatusCode()
	if code >= 200 && code < 300 {
		return code, outcomeOK
	}
	return code, outcomeHTTP
}

// classify maps an error from a send or a session to a status code and an outcome.
func classify(err error) (int, outcome) {
	if err == nil {
		return 0, outcomeOK
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code, outcomeHTTP
	}
	var ne net.Error
	if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return 0, outcomeTimeout
	}
	return 0, outcomeTransport
}
