package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/cuepoint/cuepoint/analytics/collector"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/analytics/sink"
	"github.com/cuepoint/cuepoint/internal/server"
)

// The analytics pipeline inside `cuepoint dev`: one producer shared by every service of the
// process that emits events, the sink consuming them into ClickHouse (its /metrics on :8087),
// and the dashboard with the collector on :8088 (cmd_dashboard.go), which takes events from the
// dev sender (devCollectorSender). The sink starts first
// (order 5) and creates the producer, so it exists before any service that emits.

const (
	devSinkPort     = 8087
	devSinkOrder    = 5
	devSpoolMaxSize = 256 << 20
	// devSinkInterval is how long an event waits in the sink for its batch: what "shows up on
	// the dashboard within seconds" is made of, with the producer's linger and the query.
	devSinkInterval = 500 * time.Millisecond
	// devInsertTimeout bounds one INSERT of the dev sink's small batches, and so how long
	// stopping waits on a ClickHouse that is gone.
	devInsertTimeout = 5 * time.Second
)

func init() {
	registerDev(devService{name: "sink", port: devSinkPort, order: devSinkOrder, start: startDevSink})
}

// sharedProducer is the process's one analytics producer in dev, counted by its users.
type sharedProducer struct {
	prod   *producer.Producer
	users  int
	closed chan struct{} // closed once the producer is closed
	err    error         // Close's result
}

var devProducers = struct {
	sync.Mutex
	byEnv map[*devEnv]*sharedProducer
}{byEnv: map[*devEnv]*sharedProducer{}}

// devProducer returns the dev process's analytics producer, created on first use from env's
// Kafka brokers with its spool under <root>/spool/dev, and release, which the caller registers
// as its server's OnClose (it runs after that server drained). The producer closes when its
// last user released it: after every server that emits has drained, so no event of a request
// in flight at shutdown is refused. Every service of `cuepoint dev` that emits uses it:
//
//	prod, release, err := devProducer(env)
//	srv.OnClose("analytics", release)
//	deps.Emitter = prod
func devProducer(env *devEnv) (*producer.Producer, func(context.Context) error, error) {
	devProducers.Lock()
	defer devProducers.Unlock()
	sp := devProducers.byEnv[env]
	if sp == nil {
		prod, err := producer.New(env.kafka, producer.WithService("dev"), producer.WithLogger(env.log),
			producer.WithSpool(filepath.Join(env.root, "spool", "dev"), devSpoolMaxSize))
		if err != nil {
			return nil, nil, fmt.Errorf("analytics producer: %w", err)
		}
		sp = &sharedProducer{prod: prod, closed: make(chan struct{})}
		devProducers.byEnv[env] = sp
	}
	sp.users++
	var once sync.Once
	release := func(ctx context.Context) error {
		var last bool
		once.Do(func() {
			devProducers.Lock()
			sp.users--
			last = sp.users == 0
			if last {
				delete(devProducers.byEnv, env)
			}
			devProducers.Unlock()
		})
		if !last {
			return nil
		}
		sp.err = sp.prod.Close(ctx)
		close(sp.closed)
		return sp.err
	}
	return sp.prod, release, nil
}

// DevCollectorSenderID is the collector's sender in `cuepoint dev`: it may send every family.
const DevCollectorSenderID = "dev"

// devCollectorSender returns the dev collector's one sender, with a secret kept under --root
// (<root>/collector-dev-secret, created on first use). Services of the dev process that need
// to post to the collector, or to mint tokens for a web player's pages, use it:
//
//	s, _ := devCollectorSender(env)
//	token, _ := collector.MintToken(s.ID, s.Secrets[0], "http://127.0.0.1:8084", time.Hour, time.Now())
func devCollectorSender(env *devEnv) (collector.Sender, error) {
	secret, err := devSecret(filepath.Join(env.root, "collector-dev-secret"))
	if err != nil {
		return collector.Sender{}, fmt.Errorf("collector dev secret: %w", err)
	}
	return collector.Sender{ID: DevCollectorSenderID, Secrets: [][]byte{secret}, Families: events.Families}, nil
}

// devProducerClosed returns a channel closed once the producer env's services share has been
// closed, or nil when none is open.
func devProducerClosed(env *devEnv) <-chan struct{} {
	devProducers.Lock()
	defer devProducers.Unlock()
	if sp := devProducers.byEnv[env]; sp != nil {
		return sp.closed
	}
	return nil
}

// startDevSink runs the sink in process with its metrics and
// readiness on :8087. It holds a reference to the shared producer, so the producer exists
// before the services that emit start. At shutdown the sink keeps consuming until the producer
// has delivered the services' last events (bounded by the shutdown timeout), then stores what
// it read and stops.
func startDevSink(ctx context.Context, env *devEnv) (*server.Server, error) {
	database := env.platform.clickhouseDatabase // migrated by cuepoint dev with every schema
	s, err := sink.New(sink.Config{
		Brokers:        env.kafka,
		ClickHouseAddr: env.chAddr,
		Database:       database,
		BatchInterval:  devSinkInterval,
		InsertTimeout:  devInsertTimeout,
		BackoffMax:     time.Second,
		Logger:         env.log,
	})
	if err != nil {
		return nil, err
	}
	_, release, err := devProducer(env)
	if err != nil {
		return nil, err
	}
	srv := server.New("sink", env.addr(devSinkPort), server.WithLogger(env.log))
	s.Mount(srv)

	// The sink outlives ctx (Ctrl-C) until its closer stops it.
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	// Closers run in reverse: first wait for the other services' events, then stop the sink.
	srv.OnClose("sink", func(cctx context.Context) error {
		if closed := devProducerClosed(env); closed != nil {
			select {
			case <-closed:
				// The last events are in Kafka: give the sink a batch interval and a poll to
				// read them before it stores what it has and leaves.
				select {
				case <-time.After(2*devSinkInterval + 100*time.Millisecond):
				case <-cctx.Done():
				}
			case <-cctx.Done():
			}
		}
		stop()
		select {
		case err := <-done:
			return err
		case <-cctx.Done():
			return errors.New("sink did not stop within the shutdown timeout")
		}
	})
	srv.OnClose("analytics", release)
	return srv, nil
}
