// Package loadtest is Cuepoint's open-loop load generator: the source of truth for every latency
// budget in ARCHITECTURE.md and the engine behind `cuepoint loadtest`.
//
// # Open loop, and why it matters
//
// A closed-loop tool (wrk, hey, ab) sends the next request on a connection only after the
// previous response came back. When the server stalls for 300 ms, such a tool simply stops
// sending for 300 ms: the thousands of requests real clients would have sent during the stall
// are never made, so they never appear in the percentiles. This is "coordinated omission", and
// it is how a server stalling 300 ms every 3 s shows a p99 of 3.5 ms under hey.
//
// Run schedules requests the way the outside world does: request i is due at a time fixed in
// advance, t0 + i/rate (Constant) or after exponential gaps (Poisson), whatever the server is
// doing. Its latency is measured from that intended time to the end of the response, so time a
// request spent waiting for a busy connection, or waiting for a stalled server, is latency, as
// it would be for the SSP or the player on the other end. The same stall then reads p99 ≈ 280 ms.
//
// # How a run is put together
//
//	dispatcher ──job{due, request}──▶ queue ──▶ worker × connections ──▶ fasthttp.HostClient
//	  (one goroutine:                             │ record(latency from due, wait, status)
//	   sleeps until the next due time,            ▼
//	   hands off every job that is due)        recorder shards ──(1/s)──▶ collector: Interval,
//	                                                                         progress, time series
//
// The parts, one file each:
//
//   - The dispatcher (run.go) never looks at responses. It computes due times from the arrival
//     process (arrivals.go), sleeps until the next one with a precise pacer (pacer_linux.go:
//     a timerfd in Go's netpoller, ~30 µs late instead of time.Sleep's ~1 ms), and enqueues
//     every job that is due. How late it was is its "dispatch lag"; a lag that keeps growing
//     means the generator cannot keep up, and the Result says so (Result.Warnings).
//   - Workers are the connections (worker.go): --connections workers, each owning one fasthttp
//     request and response, send jobs in order. A job whose due time plus the timeout has
//     already passed is not sent at all and counts as a timeout, so a backlog left by a starved
//     generator is not fired at the target late. Connections have 32 KB buffers (a 3.4 KB
//     OpenRTB body leaves in one write, a 10 KB answer arrives in one read), and on Linux their
//     reads and writes are raw non-blocking system calls waited on through the netpoller
//     (conn_linux.go), like the pacer's: the runtime's ordinary syscall entry wakes its sysmon
//     thread after every idle stretch, which at 10k requests/s was a fifth of the generator's
//     CPU.
//   - Requests are built before the run (scenario_*.go) and shared read-only by all workers:
//     sending one allocates nothing. A mix (Weighted) interleaves scenarios at exact proportions
//     (mix.go).
//   - Each worker records into one of a few mutex-guarded shards (recorder.go) holding
//     HdrHistograms; the collector (collector.go) swaps each shard's interval histogram once a
//     second to build the time series and the live progress line without stopping the workers.
//
// # Scenarios
//
// Bidder (varied OpenRTB 2.6 requests: CTV pods, app interstitials, web video, display with
// deals, and a share that must not bid), AdServer (VAST ad decisions for breaks of several
// lengths), SSAI (viewer sessions through a Player), Recs (Zipf-popular viewers), FeatureStore
// (200-entity batch reads) and URL (a plain GET). Build makes any of them by name.
//
// # Reading a result
//
// Result carries the merged HdrHistograms (microseconds), per-scenario results, status codes,
// error kinds, the per-second series and the generator's own health: dispatch lag (how late the
// generator itself was) and connection wait (how long due requests queued for a free
// connection; part of the latency, and a hint to raise --connections when the target is idle).
// Summary is the JSON shape; WriteText and WriteHTML render it for people. SLO checks a result
// against objectives such as "p99=5ms,errors=0.1%", and FindMax ramps the rate until they break.
//
// # Budget
//
// The generator must not be what is measured, and on a shared machine it must not take the
// target's CPU. Its hot path (dispatch, send, record) allocates nothing per request
// (BenchmarkSend, BenchmarkDispatchAndRecord). What it costs per request at a service's rate,
// 10k/s (BenchmarkGeneratorCost), and the rate it sustains on one core (BenchmarkGeneratorCeiling,
// next to BenchmarkClientCeiling, the closed-loop fasthttp yardstick) are in BENCHMARKS.md with
// the commands that reproduce them; every Result carries its own CPU per request
// (Result.CPUPerRequest). At moderate rates one P is cheaper than several (Config.Procs,
// AutoProcs: a due request or an answer is handed between goroutines on one thread instead of
// waking another), and most of what remains is the kernel's: loopback TCP, and waking the target
// and the generator twice per request (the due time, the answer). When the generator cannot keep
// up, a Result says so rather than reporting its own delay as the target's latency.
package loadtest
