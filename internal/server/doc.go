// Package server is the one way a Cuepoint service serves HTTP: a fasthttp server with
// read/write/idle timeouts, a request body cap, panic recovery, per-route request counts and
// latency histograms, /healthz, /readyz and /metrics, admin-token authentication, and a
// graceful shutdown that stops accepting, drains in-flight requests, and only then closes the
// service's dependencies.
//
// A service package builds its handlers and hands them to a *Server; the command decides the
// address and runs it. The same code runs one service per process in production
// (`cuepoint bidder`) and every service in one process in development (`cuepoint dev`):
//
//	srv := server.New("bidder", ":8081", server.WithLogger(log), server.WithMaxBodySize(256<<10))
//	srv.Handle("POST", "/openrtb2/bid", b.HandleBid)
//	srv.Handle("GET", "/v1/campaigns/{id}", srv.Admin(b.GetCampaign))
//	srv.Ready("featurestore", fs.Ping)       // reported by /readyz
//	srv.OnClose("analytics", producer.Close) // runs after in-flight requests drained
//	err := server.Run(ctx, log, srv)         // until ctx is cancelled (SIGINT/SIGTERM)
//
// Path patterns are literal segments and {name} segments, with an optional final {name...}
// that takes the rest of the path; read them with Param. A static route is one map look-up.
//
// Never pass the *fasthttp.RequestCtx to code that takes a context.Context: fasthttp's
// RequestCtx.Done reads the server's shutdown channel without synchronization, which races with
// Shutdown (the race detector reports it, and tests fail). Derive request-scoped contexts from
// context.Background with the deadline the handler computes.
//
// Budget: the wrapper adds no allocation per request on the static-route path; its cost is a
// map look-up, two clock reads and a histogram update (see server_bench_test.go).
package server
