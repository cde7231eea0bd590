package server

import (
	"strings"
	"sync"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/metrics"
)

// route is one registered method+pattern with its handler and its metrics.
type route struct {
	method   string
	pattern  string
	segments []string // for parametric routes
	handler  fasthttp.RequestHandler
	codes    [6]*vm.Counter // by status class: 1xx..5xx; [0] unused
	latency  *vm.PrometheusHistogram
}

func newRoute(service, method, pattern string, h fasthttp.RequestHandler) *route {
	r := &route{method: method, pattern: pattern, handler: h}
	if strings.Contains(pattern, "{") {
		r.segments = strings.Split(strings.Trim(pattern, "/"), "/")
	}
	labels := `service="` + service + `",method="` + method + `",route="` + pattern + `"`
	for c := 1; c <= 5; c++ {
		r.codes[c] = metrics.Counter(`cuepoint_http_requests_total{` + labels + `,code="` + string(rune('0'+c)) + `xx"}`)
	}
	r.latency = metrics.Latency(`cuepoint_http_request_duration_seconds{` + labels + `}`)
	return r
}

// match reports whether path fits the parametric route, collecting parameters into ps.
func (r *route) match(ps *params, path string) bool {
	ps.n = 0
	path = strings.Trim(path, "/")
	for i, seg := range r.segments {
		last := i == len(r.segments)-1
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "...}") && last {
			if path == "" {
				return false
			}
			return ps.add(seg[1:len(seg)-4], path)
		}
		var part string
		if j := strings.IndexByte(path, '/'); j >= 0 {
			part, path = path[:j], path[j+1:]
		} else {
			part, path = path, ""
			if !last {
				return false
			}
		}
		if strings.HasPrefix(seg, "{") {
			if part == "" || !ps.add(seg[1:len(seg)-1], part) {
				return false
			}
		} else if seg != part {
			return false
		}
	}
	return path == ""
}

// maxParams bounds the parameters of one pattern.
const maxParams = 8

// params holds a matched route's path parameters for the duration of one request. It is
// pooled: fasthttp calls Close on user values that are io.Closers when the request ends.
type params struct {
	names  [maxParams]string
	values [maxParams]string
	n      int
}

var paramsPool = sync.Pool{New: func() any { return new(params) }}

const paramsKey = "cuepoint.server.params"

func (ps *params) add(name, value string) bool {
	if ps.n == maxParams {
		return false
	}
	ps.names[ps.n], ps.values[ps.n] = name, value
	ps.n++
	return true
}

// Close returns ps to the pool; fasthttp calls it when the request's user values are reset.
func (ps *params) Close() error {
	*ps = params{}
	paramsPool.Put(ps)
	return nil
}

// router finds the route for a request: static routes by map, then parametric ones in order.
type router struct {
	static     map[string]map[string]*route // method → path → route
	staticPath map[string]bool
	params     []*route
}

func (rt *router) add(r *route) {
	if r.segments == nil {
		if rt.static == nil {
			rt.static, rt.staticPath = map[string]map[string]*route{}, map[string]bool{}
		}
		if rt.static[r.method] == nil {
			rt.static[r.method] = map[string]*route{}
		}
		rt.static[r.method][r.pattern] = r
		rt.staticPath[r.pattern] = true
		return
	}
	rt.params = append(rt.params, r)
}

// find returns the route, or nil with methodMismatch set when the path exists for another method.
// A parametric match costs one allocation: the path as a string, which parameter values share.
func (rt *router) find(ctx *fasthttp.RequestCtx, method, path []byte) (r *route, methodMismatch bool) {
	if r = rt.static[string(method)][string(path)]; r != nil {
		return r, false
	}
	if rt.staticPath[string(path)] {
		methodMismatch = true
	}
	if len(rt.params) == 0 {
		return nil, methodMismatch
	}
	p := string(path)
	ps := paramsPool.Get().(*params)
	for _, pr := range rt.params {
		if pr.match(ps, p) {
			if pr.method == string(method) {
				ctx.SetUserValue(paramsKey, ps)
				return pr, false
			}
			methodMismatch = true
		}
	}
	ps.Close()
	return nil, methodMismatch
}

// Param returns the path parameter name of the matched route ("" when absent). The value
// stays valid after the request.
func Param(ctx *fasthttp.RequestCtx, name string) string {
	ps, _ := ctx.UserValue(paramsKey).(*params)
	if ps == nil {
		return ""
	}
	for i := 0; i < ps.n; i++ {
		if ps.names[i] == name {
			return ps.values[i]
		}
	}
	return ""
}
