package producer

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// Emitter is what code on a request path needs from a Producer: a call that hands an event
// over and returns at once. Accept an Emitter where emitting is all you do.
type Emitter interface {
	Emit(events.Event)
}

// Errors from TryEmit. Each means the event was dropped and counted.
var (
	// ErrClosed means Close has started; nothing more is accepted.
	ErrClosed = errors.New("producer: closed")
	// ErrOverloaded means the in-memory queue is full: events arrive faster than Kafka and the
	// spool together take them. Shed load, or answer 503 so the sender retries later.
	ErrOverloaded = errors.New("producer: overloaded, in-memory queue full")
	// ErrTooLarge means the event's key and encoding exceed WithMaxEventBytes.
	ErrTooLarge = errors.New("producer: event too large")
	// ErrUnknownFamily means the event's family is not one of events.Families, so it has no topic.
	ErrUnknownFamily = errors.New("producer: unknown event family")
)

// Producer sends events to Kafka, spooling them to disk while Kafka cannot take them. Create it
// with New, emit with Emit or TryEmit from any number of goroutines, and Close it once.
type Producer struct {
	// Written by every Emit: kept apart from the read-mostly fields below.
	state atomic.Int64 // closedBit | number of Emit calls in progress
	mem   atomic.Int64 // bytes of records held in memory
	_     [48]byte

	cfg      options
	cl       *kgo.Client
	spool    *spool
	stats    *stats
	pool     sync.Pool
	inq      handoff // records emitted, waiting for the dispatcher
	inflight inflight

	quit         chan struct{} // closed by Close: the dispatcher drains the queue and returns
	dispatchDone chan struct{}
	replayCtx    context.Context // cancelled by Close: the replayer stops
	stopReplay   context.CancelFunc
	replay       replayer
	aborting     atomic.Bool // an AbortBufferedRecords started by awaitInflight is running
	syncStop     chan struct{}
	syncDone     chan struct{}

	closeOnce sync.Once
	closeErr  error
}

const closedBit = 1 << 62

// New returns a Producer for the Kafka cluster reachable through the seed brokers ("host:port").
// It does not wait for Kafka: while Kafka is unreachable, events are spooled. Segments a
// previous process left in the spool directory are replayed first.
func New(brokers []string, opts ...Option) (*Producer, error) {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(brokers); err != nil {
		return nil, err
	}
	st := newStats(cfg.service, cfg.log)
	sp, err := openSpool(cfg.spoolDir, cfg.spoolBytes, cfg.segmentBytes, func(f events.Family, n int, err error) {
		st.drop(st.familyOrUnknown(f), reasonSpoolWrite, n, err)
	})
	if err != nil {
		return nil, err
	}
	kopts := append([]kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RecordDeliveryTimeout(cfg.deliveryTimeout),
		// Without this, a record whose request was on the wire when the broker died is never
		// timed out (the idempotent client cannot know whether the broker wrote it), and an
		// outage would hold records in memory instead of spooling them. The client still
		// deduplicates its own retries; a record spooled this way may reach Kafka twice.
		kgo.AllowIdempotentProduceCancellation(),
		// With every broker gone, the client fails records only when a metadata refresh
		// fails, and refreshes at most once per MetadataMinAge (5 s by default): refresh
		// often enough that the delivery timeout, not the refresh interval, decides.
		kgo.MetadataMinAge(min(cfg.deliveryTimeout/4, 5*time.Second)),
		kgo.MaxBufferedBytes(int(cfg.memoryLimit / 2)),
		// Ask for a missing topic to be created, where the cluster allows it (dev's broker
		// does; production clusters that do not must have the topics created beforehand).
		kgo.AllowAutoTopicCreation(),
		kgo.WithLogger(kafkaLogger{cfg.log}),
	}, cfg.kafka...)
	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		_ = sp.close()
		return nil, fmt.Errorf("producer: kafka client: %w", err)
	}
	p := &Producer{
		cfg:          cfg,
		cl:           cl,
		spool:        sp,
		stats:        st,
		quit:         make(chan struct{}),
		dispatchDone: make(chan struct{}),
		syncStop:     make(chan struct{}),
		syncDone:     make(chan struct{}),
	}
	p.pool.New = func() any {
		r := &rec{p: p}
		r.promise = r.done
		return r
	}
	p.inflight.init()
	p.inq.init(cfg.queueSize, cfg.batchRecords)
	p.replayCtx, p.stopReplay = context.WithCancel(context.Background())
	p.replay.init(p)
	if n := len(sp.sealed); n > 0 {
		cfg.log.Info("replaying spool left by a previous process", "dir", cfg.spoolDir, "segments", n, "bytes", sp.bytes.Load())
	}
	go p.dispatchLoop()
	go p.replay.loop()
	go p.syncLoop()
	return p, nil
}

func (c *options) validate(brokers []string) error {
	switch {
	case len(brokers) == 0:
		return errors.New("producer: no Kafka seed brokers: pass at least one host:port")
	case c.spoolDir == "":
		return errors.New("producer: no spool directory: use WithSpool(dir, maxBytes)")
	case c.maxEventBytes <= 0 || c.maxEventBytes > maxFrameBody-frameOverhead-255:
		return fmt.Errorf("producer: max event bytes %d: want 1..%d", c.maxEventBytes, maxFrameBody-frameOverhead-255)
	case c.memoryLimit < 2*int64(c.maxEventBytes):
		return fmt.Errorf("producer: memory limit %d bytes: want at least twice the max event size (%d)", c.memoryLimit, c.maxEventBytes)
	case c.spoolBytes < c.segmentBytes || c.segmentBytes <= 0:
		return fmt.Errorf("producer: spool of %d bytes with %d-byte segments: want 0 < segment ≤ spool", c.spoolBytes, c.segmentBytes)
	case c.deliveryTimeout < time.Second:
		return fmt.Errorf("producer: delivery timeout %s: the Kafka client allows 1s or more", c.deliveryTimeout)
	case c.queueSize <= 0, c.syncInterval <= 0, c.backoff <= 0, c.maxBackoff < c.backoff, c.linger < 0, c.batchRecords <= 0:
		return errors.New("producer: queue size, sync interval, replay backoff and batch records must be positive, linger not negative")
	}
	return nil
}

// Emit hands ev over for sending and returns at once; it never blocks. An event that cannot be
// accepted (see TryEmit) is dropped, counted in cuepoint_events_dropped_total and logged.
func (p *Producer) Emit(ev events.Event) { _ = p.TryEmit(ev) }

// TryEmit is Emit reporting whether the event was accepted. An accepted event reaches Kafka
// (directly, or through the spool) unless the spool fills up; a refused one was counted as
// dropped with the reason the error names.
func (p *Producer) TryEmit(ev events.Event) error {
	fam := p.stats.family(ev.Family())
	if fam == nil {
		p.stats.drop(p.stats.unknown, reasonUnknownFamily, 1, nil)
		return ErrUnknownFamily
	}
	if p.state.Add(1)&closedBit != 0 {
		p.state.Add(-1)
		p.stats.drop(fam, reasonClosed, 1, nil)
		return ErrClosed
	}
	r := p.pool.Get().(*rec)
	key := ev.Key()
	buf, err := ev.Append(append(r.buf[:0], key...))
	r.buf, r.keyLen, r.fam = buf, len(key), fam
	if err != nil {
		return p.refuse(r, 0, reasonEncode, fmt.Errorf("producer: encode %s event: %w", fam.family, err))
	}
	if len(buf) > p.cfg.maxEventBytes {
		return p.refuse(r, 0, reasonTooLarge, ErrTooLarge)
	}
	n := int64(len(buf))
	if p.mem.Add(n) > p.cfg.memoryLimit {
		return p.refuse(r, n, reasonOverloaded, ErrOverloaded)
	}
	if !p.inq.put(r) {
		return p.refuse(r, n, reasonOverloaded, ErrOverloaded)
	}
	p.state.Add(-1)
	return nil
}

// refuse drops a record TryEmit could not accept, releasing mem bytes of its memory budget.
func (p *Producer) refuse(r *rec, mem int64, why reason, err error) error {
	if mem != 0 {
		p.mem.Add(-mem)
	}
	p.stats.drop(r.fam, why, 1, err)
	p.put(r)
	p.state.Add(-1)
	return err
}

func (p *Producer) put(r *rec) {
	if cap(r.buf) > maxPooledBuffer {
		r.buf = nil
	}
	r.kr = kgo.Record{}
	r.fam = nil
	p.pool.Put(r)
}

// release returns a resolved record's memory budget and the record to the pool.
func (p *Producer) release(r *rec) {
	p.mem.Add(-int64(len(r.buf)))
	p.put(r)
}

// dispatchLoop moves records from the hand-off queue to Kafka, or to the spool while it is
// pending, a batch at a time: woken by the first record of a batch, it lets records gather for
// the linger (or until the batch is full), then dispatches them all.
func (p *Producer) dispatchLoop() {
	defer close(p.dispatchDone)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		select {
		case <-p.inq.wake:
		case <-p.quit:
			p.dispatchAll()
			return
		}
		if p.inq.len() < p.inq.batch && p.cfg.linger > 0 {
			linger.Reset(p.cfg.linger)
			select {
			case <-p.inq.wake: // the batch is full
			case <-linger.C:
			case <-p.quit:
			}
			linger.Stop()
		}
		p.dispatchAll()
	}
}

// dispatchAll dispatches every record in the hand-off queue.
func (p *Producer) dispatchAll() {
	for {
		batch := p.inq.take()
		if len(batch) == 0 {
			return
		}
		for _, r := range batch {
			p.dispatch(r)
		}
		p.inq.recycle(batch)
	}
}

func (p *Producer) dispatch(r *rec) {
	// Stamped here rather than in Emit, where reading the clock would be a fifth of the cost.
	// The queue wait it leaves out is microseconds unless the dispatcher falls behind, which
	// shows as drops for reason "overloaded".
	r.at = time.Now()
	if p.spool.pending.Load() && p.inflight.count() > 0 {
		p.awaitInflight()
	}
	if p.spool.draining.Load() {
		p.awaitDrain()
	}
	spooled, err := p.spool.appendIfPending(r.at.UnixMilli(), r.fam.family, r.key(), r.value())
	if spooled {
		p.countSpooled(r.fam, err)
		p.release(r)
		return
	}
	r.kr = kgo.Record{Topic: r.fam.topic, Value: r.value(), Timestamp: r.at}
	if r.keyLen > 0 {
		r.kr.Key = r.key()
	}
	p.inflight.add(r)
	// TryProduce never blocks: a full client buffer fails the record with ErrMaxBuffered, and
	// the promise spools it.
	p.cl.TryProduce(context.Background(), &r.kr, r.promise)
}

// awaitInflight holds the dispatcher, once the spool is pending, until the records already in
// the Kafka client are resolved, so that those that fail reach the spool ahead of newer records
// and each key keeps its order. The client would fail them one metadata refresh at a time as
// each outlives the delivery timeout; aborting them fails them at once, in order per partition
// (a record that was about to succeed is spooled and replayed instead: no loss, no reordering).
// Emit is not held: records queue meanwhile. The wait gives up, and logs that order may suffer,
// when the queue is half full or a delivery timeout has passed (requests stuck on a broker that
// stopped answering, which the abort must wait for).
func (p *Producer) awaitInflight() {
	if p.aborting.CompareAndSwap(false, true) {
		go func() {
			defer p.aborting.Store(false)
			_ = p.cl.AbortBufferedRecords(context.Background())
		}()
	}
	deadline := time.Now().Add(p.cfg.deliveryTimeout)
	for p.inflight.count() > 0 && p.spool.pending.Load() {
		select {
		case <-p.quit:
			return
		default:
		}
		if p.inq.len() > p.cfg.queueSize/2 || p.mem.Load() > p.cfg.memoryLimit/4*3 || time.Now().After(deadline) {
			p.stats.orderAtRisk(p.inflight.count())
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// awaitDrain holds the dispatcher while the replayer sends the spool's last segment, so that
// the spool empties and the held records go to Kafka directly after it (see spool.next). Emit
// is not held: records queue meanwhile. When the queue is half full or a delivery timeout has
// passed, the dispatcher stops holding and the records join the spool; the replayer drains
// again later.
func (p *Producer) awaitDrain() {
	deadline := time.Now().Add(p.cfg.deliveryTimeout)
	for p.spool.draining.Load() {
		select {
		case <-p.quit:
			p.spool.abortDrain()
			return
		default:
		}
		if p.inq.len() > p.cfg.queueSize/2 || p.mem.Load() > p.cfg.memoryLimit/4*3 || time.Now().After(deadline) {
			p.spool.abortDrain()
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// done is the Kafka client's promise for a record produced directly.
func (r *rec) done(_ *kgo.Record, err error) {
	p := r.p
	if !p.inflight.remove(r) {
		return // Close gave up on Kafka and spooled it; Close owns it
	}
	switch {
	case err == nil:
		r.fam.produced.Inc()
		r.fam.latency.Update(time.Since(r.at).Seconds())
		p.stats.produced.Add(1)
	case isRejected(err):
		p.stats.drop(r.fam, reasonRejected, 1, err)
	default:
		p.spoolRecord(r)
	}
	p.release(r)
}

// spoolRecord appends a record Kafka did not take to the spool, making it pending.
func (p *Producer) spoolRecord(r *rec) {
	p.countSpooled(r.fam, p.spool.append(r.at.UnixMilli(), r.fam.family, r.key(), r.value()))
}

func (p *Producer) countSpooled(fam *familyMetrics, err error) {
	switch {
	case err == nil:
		fam.spooled.Inc()
		p.stats.spooled.Add(1)
	case errors.Is(err, ErrSpoolFull):
		p.stats.drop(fam, reasonSpoolFull, 1, err)
	default:
		p.stats.drop(fam, reasonSpoolWrite, 1, err)
	}
}

// syncLoop fsyncs the spool every sync interval, closes sealed segments and updates gauges.
func (p *Producer) syncLoop() {
	defer close(p.syncDone)
	t := time.NewTicker(p.cfg.syncInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := p.spool.sync(); err != nil {
				p.cfg.log.Error("spool fsync failed", "dir", p.cfg.spoolDir, "err", err)
			}
			p.updateGauges()
		case f := <-p.spool.syncs:
			if err := syncClose(f); err != nil {
				p.cfg.log.Error("spool segment fsync failed", "dir", p.cfg.spoolDir, "err", err)
			}
		case <-p.syncStop:
			return
		}
	}
}

func (p *Producer) updateGauges() {
	p.stats.spoolBytes.Set(float64(p.spool.bytes.Load()))
	p.stats.spoolSegments.Set(float64(p.spool.segments()))
	p.stats.memBytes.Set(float64(p.mem.Load()))
}

// Stats is a snapshot of a producer's counters, for tests, readiness checks and logs; the same
// figures are exported as Prometheus metrics.
type Stats struct {
	Produced      uint64 // acknowledged by Kafka on the direct path
	Spooled       uint64 // written to the spool
	Replayed      uint64 // acknowledged by Kafka from the spool
	Dropped       uint64 // lost, for any reason (see cuepoint_events_dropped_total)
	SpoolBytes    int64  // bytes in the spool
	SpoolSegments int    // segment files in the spool
	MemoryBytes   int64  // bytes of records held in memory
	Spooling      bool   // the spool holds records not yet replayed; new records queue behind them
}

// Stats returns the producer's counters.
func (p *Producer) Stats() Stats {
	return Stats{
		Produced:      p.stats.produced.Load(),
		Spooled:       p.stats.spooled.Load(),
		Replayed:      p.stats.replayed.Load(),
		Dropped:       p.stats.dropped.Load(),
		SpoolBytes:    p.spool.bytes.Load(),
		SpoolSegments: p.spool.segments(),
		MemoryBytes:   p.mem.Load(),
		Spooling:      p.spool.pending.Load(),
	}
}

// Close stops accepting events and delivers what was accepted: it waits, until ctx ends, for
// Kafka to acknowledge the records in memory, then writes whatever Kafka has not acknowledged
// to the spool (a few milliseconds of disk writes, which may run past ctx), fsyncs it and
// releases the spool for the next process. Only records the full spool cannot take are lost,
// and Close reports them. Call it once, after the callers of Emit have stopped; later calls
// return the first call's result.
func (p *Producer) Close(ctx context.Context) error {
	p.closeOnce.Do(func() { p.closeErr = p.close(ctx) })
	return p.closeErr
}

func (p *Producer) close(ctx context.Context) error {
	dropped := p.stats.dropped.Load()
	p.state.Or(closedBit)
	for p.state.Load()&^closedBit != 0 {
		runtime.Gosched() // an Emit between its check and its hand-off: nanoseconds
	}
	close(p.quit)
	<-p.dispatchDone // every accepted record is now in the Kafka client or the spool

	p.stopReplay()
	<-p.replay.done

	var errs []error
	if err := p.cl.Flush(ctx); err != nil {
		left := p.inflight.takeAll()
		p.cfg.log.Warn("Kafka did not acknowledge every record before shutdown: spooling them for the next start",
			"records", len(left), "err", err)
		for _, r := range left {
			p.spoolRecord(r)
			// The client may still hold r's buffer, so r is not pooled again.
			p.mem.Add(-int64(len(r.buf)))
		}
	}
	p.cl.Close()
	errs = append(errs, p.replay.finish())

	close(p.syncStop)
	<-p.syncDone
	errs = append(errs, p.spool.close())
	p.updateGauges()
	if n := p.stats.dropped.Load() - dropped; n > 0 {
		errs = append(errs, fmt.Errorf("producer: %d events dropped while closing (see cuepoint_events_dropped_total)", n))
	}
	return errors.Join(errs...)
}
