package sink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/schema"
)

// inserter stores flushes one at a time, in the order the poll loop hands them over, and
// commits their offsets. It retries a failing flush with backoff until it succeeds, the sink
// stops, or the flush's partitions are revoked; while it retries, the poll loop stops
// polling, so the sink stops fetching.
//
// Rebalance callbacks (revoke) synchronize with it through mu: they wait for a running
// attempt to end and then prune the flushes and forget the partitions' state, so no attempt
// ever runs for a partition the sink no longer owns.
type inserter struct {
	s    *Sink
	conn driver.Conn
	cl   *kgo.Client
	acc  *accumulator

	mu         sync.Mutex
	cond       *sync.Cond
	next       *flush             // handed over, not started
	current    *flush             // being stored
	attempting bool               // an attempt of current is running
	interrupt  context.CancelFunc // cancels the running attempt
	closed     bool
	crashed    atomic.Bool // a test hook simulated a crash: store nothing more
	state      map[tp]*partState
}

func newInserter(s *Sink, conn driver.Conn, cl *kgo.Client, acc *accumulator) *inserter {
	in := &inserter{s: s, conn: conn, cl: cl, acc: acc, state: map[tp]*partState{}}
	in.cond = sync.NewCond(&in.mu)
	return in
}

// waitIdle blocks until no flush is waiting to start, so the poll loop may hand over the
// next one. It returns false when ctx is done.
func (in *inserter) waitIdle(ctx context.Context) bool {
	stop := context.AfterFunc(ctx, func() {
		in.mu.Lock()
		in.cond.Broadcast()
		in.mu.Unlock()
	})
	defer stop()
	in.mu.Lock()
	defer in.mu.Unlock()
	for in.next != nil && ctx.Err() == nil {
		in.cond.Wait()
	}
	return ctx.Err() == nil
}

// prewrite writes f's ledger rows before f is handed over, while the inserter stores the
// previous flush, so that the ledger's round trip is off the inserter's path. The ledger only
// bounds what may be stored, so writing it early is safe whatever happens to f afterwards
// (a revoked partition's next owner merely checks a range nothing was stored in). On failure
// it leaves the ledger to the inserter's attempt, which retries.
func (in *inserter) prewrite(ctx context.Context, f *flush) {
	if in.crashed.Load() || in.writeLedger(ctx, f) != nil {
		return
	}
	f.intentWritten = true
}

// hand queues f; the caller waited for waitIdle.
func (in *inserter) hand(f *flush) {
	in.mu.Lock()
	in.next = f
	in.cond.Broadcast()
	in.mu.Unlock()
}

// drained reports whether nothing is queued or being stored.
func (in *inserter) drained() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.next == nil && in.current == nil
}

// close makes run return once the current flush is done (or abandoned with ctx).
func (in *inserter) close() {
	in.mu.Lock()
	in.closed = true
	in.cond.Broadcast()
	in.mu.Unlock()
}

// revoke is called by the rebalance callbacks. If the flush being stored holds a revoked
// partition, it interrupts the running attempt and waits for it to end; then it drops the
// revoked partitions from the queued and current flushes and forgets their state (a
// partition assigned again is checked against the ledger again). The interrupted attempt's
// outcome is unknown, which the next owner's check covers, as after any failure.
func (in *inserter) revoke(revoked map[tp]bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.attempting && in.current != nil && in.current.holds(revoked) {
		in.interrupt()
		for in.attempting {
			in.cond.Wait()
		}
	}
	for _, f := range []*flush{in.next, in.current} {
		if f != nil {
			f.prune(revoked)
		}
	}
	for k := range revoked {
		delete(in.state, k)
	}
	in.cond.Broadcast()
}

// run stores the flushes handed over until close, then returns. ctx cancels a flush in
// progress (its offsets stay uncommitted; the ledger makes the next owner skip what it
// stored).
func (in *inserter) run(ctx context.Context) {
	for {
		in.mu.Lock()
		for in.next == nil && !in.closed {
			in.cond.Wait()
		}
		if in.next == nil || in.crashed.Load() {
			in.mu.Unlock()
			return
		}
		f := in.next
		in.current, in.next = f, nil
		in.cond.Broadcast()
		in.mu.Unlock()

		in.store(ctx, f)

		in.mu.Lock()
		in.current = nil
		in.cond.Broadcast()
		in.mu.Unlock()
		in.acc.recycle(f)
	}
}

// store retries f until it is stored and committed, or ctx is done.
func (in *inserter) store(ctx context.Context, f *flush) {
	start := time.Now()
	bo := backoff{min: in.s.cfg.BackoffMin, max: in.s.cfg.BackoffMax}
	for {
		in.mu.Lock()
		if len(f.parts) == 0 { // every partition was revoked
			in.mu.Unlock()
			return
		}
		actx, interrupt := context.WithCancel(ctx)
		in.attempting, in.interrupt = true, interrupt
		in.mu.Unlock()

		err := in.attempt(actx, f)
		interrupted := actx.Err() != nil && ctx.Err() == nil
		interrupt()

		in.mu.Lock()
		in.attempting, in.interrupt = false, nil
		rows, parts := f.rows, len(f.parts) // revoke may prune f once the attempt is over
		in.cond.Broadcast()
		in.mu.Unlock()

		if errors.Is(err, errCrashed) {
			return
		}
		if err != nil && interrupted {
			in.s.log.Info("a rebalance interrupted storing a batch; retrying what is still ours", "err", err)
			continue
		}
		if err == nil {
			in.s.chUp(nil)
			in.s.m.flushes.Inc()
			in.s.m.flushDuration.UpdateDuration(start)
			in.s.log.Debug("stored", "rows", rows, "partitions", parts, "took", time.Since(start), "waited", start.Sub(f.oldest))
			return
		}
		if ctx.Err() != nil {
			return
		}
		in.s.chUp(err)
		in.s.m.insertErrors.Inc()
		wait := bo.next()
		in.s.log.Warn("storing a batch failed, retrying", "rows", rows, "retry_in", wait.Round(time.Millisecond), "err", err)
		if !sleep(ctx, wait) {
			return
		}
	}
}

// attempt stores what f still needs: the exactly-once check, the ledger, one INSERT per
// table, the dead letters; then it commits the offsets. Each step is skipped on a retry
// once it succeeded.
func (in *inserter) attempt(ctx context.Context, f *flush) error {
	if err := in.recover(ctx, f); err != nil {
		return err
	}
	if !f.intentWritten {
		if err := in.writeLedger(ctx, f); err != nil {
			return err
		}
		f.intentWritten = true
	}
	byTable := map[*table][]*partBatch{}
	var order []*table
	for _, b := range f.parts {
		if !b.hasRows() || f.tablesDone[b.table.name] {
			continue
		}
		if byTable[b.table] == nil {
			order = append(order, b.table)
		}
		byTable[b.table] = append(byTable[b.table], b)
	}
	for _, t := range order {
		bs := byTable[t]
		if err := in.insert(ctx, t, bs); err != nil {
			// The INSERT may have been stored: check its offsets before the retry.
			for _, b := range bs {
				st := in.state[b.tp]
				st.upTo = max(st.upTo, b.last)
			}
			return fmt.Errorf("insert into %s.%s: %w", in.s.cfg.Database, t.name, err)
		}
		f.tablesDone[t.name] = true
		now := time.Now()
		tm := in.s.m.topics[bs[0].topic]
		for _, b := range bs {
			if st := in.state[b.tp]; b.last >= st.upTo {
				st.upTo = -1
			}
			tm.rows.Add(b.rows.n - b.skipped)
			tm.duplicates.Add(b.skipped)
			tm.age.Update(max(0, now.Sub(time.Unix(b.minTime, 0)).Seconds()))
		}
	}
	if h := in.s.hooks.afterInsert; h != nil && h() {
		in.crashed.Store(true)
		return errCrashed
	}
	if !f.deadDone {
		if err := in.produceDead(ctx, f); err != nil {
			return err
		}
		f.deadDone = true
	}
	in.commit(ctx, f)
	return nil
}

// queryCtx bounds one ClickHouse statement or Kafka request.
func (in *inserter) queryCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, in.s.cfg.InsertTimeout)
}

// insert writes the batches of one table as one INSERT, one block: ClickHouse stores it
// whole or not at all (up to a block split across day partitions, which the offset check
// also covers).
func (in *inserter) insert(ctx context.Context, t *table, bs []*partBatch) error {
	var qid strings.Builder
	qid.WriteString(queryIDPrefix(in.s.cfg.Database, t))
	qid.WriteByte(',')
	for _, b := range bs {
		fmt.Fprintf(&qid, "%d,", b.partition)
	}
	fmt.Fprintf(&qid, ":%s", events.NewID())
	qctx, cancel := in.queryCtx(ctx)
	defer cancel()
	qctx = clickhouse.Context(qctx, clickhouse.WithQueryID(qid.String()))
	batch, err := in.conn.PrepareBatch(qctx, t.insertSQL(in.s.cfg.Database))
	if err != nil {
		return err
	}
	defer batch.Close()
	ids := make([]string, 0, 1024)
	for _, b := range bs {
		if b.skipped == b.rows.n {
			continue
		}
		if err := b.rows.appendTo(batch, b.keep); err != nil {
			return fmt.Errorf("batch %s: %w", b.id(), err)
		}
		id := b.id()
		for range b.rows.n - b.skipped {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return batch.Abort()
	}
	if err := batch.Column(len(t.cols)).Append(ids); err != nil {
		return fmt.Errorf("batch_id column: %w", err)
	}
	return batch.Send()
}

// writeLedger records, before any INSERT of f, the offset and time range each partition
// batch is about to store.
func (in *inserter) writeLedger(ctx context.Context, f *flush) error {
	qctx, cancel := in.queryCtx(ctx)
	defer cancel()
	batch, err := in.conn.PrepareBatch(qctx, fmt.Sprintf(
		"INSERT INTO %s.%s (written_at, topic, kafka_partition, first_offset, last_offset, rows, min_time, max_time, batch_id, consumer)",
		in.s.cfg.Database, schema.LedgerTable))
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer batch.Close()
	now := time.Now()
	n := 0
	for _, b := range f.parts {
		if !b.hasRows() {
			continue
		}
		if err := batch.Append(now, b.topic, b.partition, b.first, b.last, uint32(b.rows.n),
			time.Unix(b.minTime, 0), time.Unix(b.maxTime, 0), b.id(), in.s.cfg.Consumer); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		n++
	}
	if n == 0 {
		return batch.Abort()
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	return nil
}

// produceDead sends f's dead letters and waits for Kafka to acknowledge them.
func (in *inserter) produceDead(ctx context.Context, f *flush) error {
	var recs []*kgo.Record
	var reasons []events.Reason
	var topics []string
	for _, b := range f.parts {
		for _, d := range b.dead {
			recs = append(recs, d.out)
			reasons = append(reasons, d.reason)
			topics = append(topics, b.topic)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	qctx, cancel := in.queryCtx(ctx)
	defer cancel()
	results := in.cl.ProduceSync(qctx, recs...)
	var errs []error
	for i, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
			continue
		}
		in.s.m.topics[topics[i]].dead[reasons[i]].Inc()
	}
	if len(errs) > 0 {
		return fmt.Errorf("dead letters: %d of %d not produced: %w", len(errs), len(recs), errors.Join(errs...))
	}
	return nil
}

// commit commits the offsets of f. A failed commit is not retried: the data is stored, the
// next commit covers these offsets, and after a crash the ledger makes the rows be skipped.
func (in *inserter) commit(ctx context.Context, f *flush) {
	recs := make([]*kgo.Record, 0, len(f.parts))
	for _, b := range f.parts {
		recs = append(recs, b.commit)
	}
	qctx, cancel := in.queryCtx(ctx)
	defer cancel()
	if err := in.cl.CommitRecords(qctx, recs...); err != nil {
		in.s.m.commitErrors.Inc()
		in.s.log.Warn("committing offsets failed", "err", err)
	}
}
