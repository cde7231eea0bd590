package sink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/server"
)

// Sink consumes the event topics and stores them in ClickHouse exactly once. Create it with
// New, add its readiness checks to a server with Mount, and Run it.
type Sink struct {
	cfg    Config
	log    *slog.Logger
	m      *sinkMetrics
	topics map[string]*table
	dlq    string // the dead-letter topic
	hooks  hooks
	// dec decodes records in the poll loop, the only caller of add. Its strings alias the
	// records' values, which the column buffers then hold until the batch is stored: the
	// Kafka client must not recycle record memory (no kgo.WithPools with PoolDecompressBytes).
	dec events.Decoder

	running atomic.Bool
	mu      sync.Mutex
	conn    driver.Conn // nil until connected
	cl      *kgo.Client // nil until Run created it
	chErr   error       // the last ClickHouse failure, nil after a success
}

// New checks cfg and returns a Sink. It connects to nothing: Run does, retrying, so a sink
// started before its dependencies waits for them.
func New(cfg Config) (*Sink, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sink{cfg: cfg, log: cfg.Logger.With("component", "sink"), topics: map[string]*table{}, dlq: cfg.TopicPrefix + events.DeadLetterTopic}
	for _, f := range cfg.Families {
		s.topics[cfg.TopicPrefix+f.Topic()] = tables[f]
	}
	s.m = newMetrics(s.topics)
	return s, nil
}

// Mount registers the sink's readiness checks ("clickhouse", "kafka") on srv, whose
// /metrics serves the sink's metrics.
func (s *Sink) Mount(srv *server.Server) {
	srv.Ready("clickhouse", s.ReadyClickHouse)
	srv.Ready("kafka", s.ReadyKafka)
}

// ReadyClickHouse reports whether ClickHouse answers and the last store attempt succeeded.
func (s *Sink) ReadyClickHouse(ctx context.Context) error {
	s.mu.Lock()
	conn, last := s.conn, s.chErr
	s.mu.Unlock()
	if conn == nil {
		if last != nil {
			return fmt.Errorf("connecting: %w", last)
		}
		return errors.New("not connected yet")
	}
	if err := conn.Ping(ctx); err != nil {
		return err
	}
	return last
}

// ReadyKafka reports whether a Kafka broker answers.
func (s *Sink) ReadyKafka(ctx context.Context) error {
	s.mu.Lock()
	cl := s.cl
	s.mu.Unlock()
	if cl == nil {
		return errors.New("not started")
	}
	return cl.Ping(ctx)
}

// chUp records the outcome of the last ClickHouse operation for readiness.
func (s *Sink) chUp(err error) {
	s.mu.Lock()
	s.chErr = err
	s.mu.Unlock()
}

// Run consumes until ctx is cancelled, then stores and commits what it has read (waiting at
// most InsertTimeout for it) and leaves the group. It returns an error only when it cannot
// start: a ClickHouse or Kafka that is down is waited for, not an error.
func (s *Sink) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("sink: Run called twice")
	}
	conn, err := s.connect(ctx)
	if err != nil {
		return nil // ctx was cancelled while waiting for ClickHouse
	}
	defer conn.Close()

	acc := newAccumulator()
	in := newInserter(s, conn, nil, acc)
	cl, err := kgo.NewClient(s.kafkaOptions(acc, in)...)
	if err != nil {
		return fmt.Errorf("sink: kafka client: %w", err)
	}
	in.cl = cl
	s.mu.Lock()
	s.cl = cl
	s.mu.Unlock()
	defer func() {
		cl.Close() // leaves the group
		s.mu.Lock()
		s.cl = nil
		s.mu.Unlock()
	}()

	// The inserter outlives ctx by up to InsertTimeout, to store what was read.
	insCtx, stopInserter := context.WithCancel(context.WithoutCancel(ctx))
	defer stopInserter()
	done := make(chan struct{})
	go func() {
		defer close(done)
		in.run(insCtx)
	}()
	var retention sync.WaitGroup
	defer retention.Wait() // before the connection closes
	if s.cfg.RetentionInterval > 0 {
		retention.Go(func() { s.retain(ctx, conn) })
	}
	s.log.Info("consuming", "topics", len(s.topics), "group", s.cfg.Group, "database", s.cfg.Database)

	s.poll(ctx, cl, acc, in)

	// Drain: hand over what was read, let the inserter finish, bounded.
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.InsertTimeout)
	defer cancel()
	if !in.crashed.Load() && in.waitIdle(drainCtx) {
		acc.mu.Lock() // see poll: no revocation between take and hand
		if f := acc.take(); len(f.parts) > 0 {
			in.hand(f)
		}
		acc.mu.Unlock()
	}
	in.close()
	select {
	case <-done:
	case <-drainCtx.Done():
		s.log.Warn("stopping with a batch not stored: it will be read again", "err", drainCtx.Err())
		stopInserter()
		<-done
	}
	return nil
}

// connect opens the ClickHouse connection, retrying with backoff until it answers or ctx is
// done.
func (s *Sink) connect(ctx context.Context) (driver.Conn, error) {
	opts := s.cfg.ClickHouse
	opts.Database = "default"
	bo := backoff{min: s.cfg.BackoffMin, max: s.cfg.BackoffMax}
	for {
		conn, err := db.OpenClickHouse(ctx, s.cfg.ClickHouseAddr, opts)
		if err == nil {
			s.mu.Lock()
			s.conn, s.chErr = conn, nil
			s.mu.Unlock()
			return conn, nil
		}
		s.chUp(err)
		wait := bo.next()
		s.log.Warn("clickhouse unavailable, retrying", "addr", s.cfg.ClickHouseAddr, "retry_in", wait.Round(time.Millisecond), "err", err)
		if !sleep(ctx, wait) {
			return nil, ctx.Err()
		}
	}
}

// retain drops expired partitions now and every RetentionInterval.
func (s *Sink) retain(ctx context.Context, conn driver.Conn) {
	t := time.NewTicker(s.cfg.RetentionInterval)
	defer t.Stop()
	for {
		dropped, err := schema.DropExpired(ctx, conn, s.cfg.Database, s.cfg.Retention, time.Now())
		s.m.retentionDrops.Add(len(dropped))
		for _, d := range dropped {
			s.log.Info("retention dropped a partition", "table", d.Table, "partition", d.PartitionID, "newest", d.Newest)
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("retention failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
