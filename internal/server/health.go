package server

import (
	"context"
	"encoding/json"
	"sort"
	"sync"

	"github.com/valyala/fasthttp"
)

// readyz runs every readiness check concurrently under the ready timeout and answers 200 when
// all pass, 503 otherwise, with each dependency's state in a JSON body. A draining server is
// never ready, so load balancers stop sending to it before it closes.
func (s *Server) readyz(ctx *fasthttp.RequestCtx) {
	c, cancel := context.WithTimeout(context.Background(), s.readyTimeout)
	defer cancel()
	status := make(map[string]string, len(s.checks)+1)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, chk := range s.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := "ok"
			if err := chk.fn(c); err != nil {
				st = err.Error()
			}
			mu.Lock()
			status[chk.name] = st
			mu.Unlock()
		}()
	}
	wg.Wait()
	ready := !s.draining.Load()
	if !ready {
		status["server"] = "draining"
	}
	names := make([]string, 0, len(status))
	for n, st := range status {
		names = append(names, n)
		if st != "ok" {
			ready = false
		}
	}
	sort.Strings(names)
	type dep struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	}
	body := struct {
		Ready bool  `json:"ready"`
		Deps  []dep `json:"dependencies"`
	}{Ready: ready, Deps: make([]dep, 0, len(names))}
	for _, n := range names {
		body.Deps = append(body.Deps, dep{n, status[n]})
	}
	if !ready {
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
	}
	ctx.SetContentType("application/json")
	out, _ := json.Marshal(body)
	ctx.SetBody(out)
}
