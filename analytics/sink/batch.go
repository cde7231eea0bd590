package sink

import (
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// tp names a Kafka topic partition.
type tp struct {
	topic     string
	partition int32
}

// partBatch is what the sink read from one Kafka partition for one flush: the decoded rows,
// the dead letters, and the offsets to commit once both are stored.
type partBatch struct {
	tp
	table *table
	rows  *rows
	// first and last are the offsets of the first and last row; -1 while there are none.
	first, last int64
	// minTime and maxTime bound the rows' event times (Unix seconds), to prune the
	// exactly-once check to the partitions (days) holding them.
	minTime, maxTime int64
	// commit is the last record read, row or dead letter: committing it commits the batch.
	commit *kgo.Record
	// dead are the records that go to the dead-letter topic.
	dead []deadLetter
	// keep is nil, or marks the rows to insert after a recovery check found others stored.
	keep    []bool
	skipped int
}

func (b *partBatch) hasRows() bool { return b.rows.n > 0 }

// id is the batch's deterministic id, stored in every row it inserts: the topic, the
// partition and the offset range of its rows.
func (b *partBatch) id() string {
	return fmt.Sprintf("%s/%d/%d-%d", b.topic, b.partition, b.first, b.last)
}

// flush is the set of partition batches the inserter stores and commits together: one
// INSERT per table, one ledger INSERT, one commit.
type flush struct {
	parts []*partBatch
	rows  int
	// oldest is when the flush's first record was read.
	oldest time.Time
	// progress across attempts.
	intentWritten bool
	tablesDone    map[string]bool
	deadDone      bool
}

// prune drops the batches of the given partitions, which the sink no longer owns.
func (f *flush) prune(revoked map[tp]bool) {
	kept := f.parts[:0]
	f.rows = 0
	for _, b := range f.parts {
		if !revoked[b.tp] {
			kept = append(kept, b)
			f.rows += b.rows.n
		}
	}
	clear(f.parts[len(kept):])
	f.parts = kept
}

// holds reports whether f has a batch of one of the partitions.
func (f *flush) holds(ps map[tp]bool) bool {
	for _, b := range f.parts {
		if ps[b.tp] {
			return true
		}
	}
	return false
}

// accumulator collects the records of the next flush. The poll loop adds to it and takes
// flushes from it; rebalance callbacks prune it.
type accumulator struct {
	mu     sync.Mutex
	parts  map[tp]*partBatch
	order  []*partBatch
	rows   map[*table]int
	total  int
	oldest time.Time
	// behind holds the partitions whose last fetch ended below the high watermark: Kafka
	// has more of them than the sink has read.
	behind map[tp]bool

	// free holds row buffers of stored flushes for reuse, so that steady state allocates
	// no column memory (a sync.Pool would drop them at every GC).
	freeMu sync.Mutex
	free   map[*table][]*rows
	// sizes is, per table, the capacities of the largest partition batch taken so far: new
	// buffers start that large instead of growing from nothing (while the first flushes are
	// stored, before any buffer comes back to free).
	sizes map[*table]rowsSize
}

func newAccumulator() *accumulator {
	return &accumulator{parts: map[tp]*partBatch{}, rows: map[*table]int{}, behind: map[tp]bool{}, free: map[*table][]*rows{}, sizes: map[*table]rowsSize{}}
}

func (a *accumulator) newRows(t *table) *rows {
	a.freeMu.Lock()
	defer a.freeMu.Unlock()
	if fl := a.free[t]; len(fl) > 0 {
		r := fl[len(fl)-1]
		a.free[t] = fl[:len(fl)-1]
		return r
	}
	if size, ok := a.sizes[t]; ok {
		return newRowsLike(t.cols, size)
	}
	return newRows(t.cols)
}

// batch returns the partition's batch of the next flush, creating it.
func (a *accumulator) batch(topic string, partition int32, t *table) *partBatch {
	k := tp{topic, partition}
	b := a.parts[k]
	if b == nil {
		b = &partBatch{tp: k, table: t, rows: a.newRows(t), first: -1, last: -1}
		a.parts[k] = b
		a.order = append(a.order, b)
	}
	if a.oldest.IsZero() {
		a.oldest = time.Now()
	}
	return b
}

// addRow records that rec became a row of its batch.
func (a *accumulator) addRow(b *partBatch, rec *kgo.Record, eventTime int64) {
	if b.first < 0 {
		b.first, b.minTime, b.maxTime = rec.Offset, eventTime, eventTime
	}
	b.last = rec.Offset
	b.minTime, b.maxTime = min(b.minTime, eventTime), max(b.maxTime, eventTime)
	b.commit = rec
	a.rows[b.table]++
	a.total++
}

// addDead records that rec goes to the dead-letter topic.
func (a *accumulator) addDead(b *partBatch, d deadLetter) {
	b.dead = append(b.dead, d)
	b.commit = d.source
}

// fetched records how far the sink has read a partition: up to offset next (exclusive) of
// the highWatermark the broker reported with the records.
func (a *accumulator) fetched(k tp, next, highWatermark int64) {
	if next < highWatermark {
		a.behind[k] = true
	} else {
		delete(a.behind, k)
	}
}

// due reports whether the next flush should go now: a table reached maxRows; or it reached
// minRows and the sink has read every partition up to its high watermark (more waiting
// would only delay these rows); or the oldest record waited interval.
func (a *accumulator) due(minRows, maxRows int, interval time.Duration) bool {
	if len(a.order) == 0 {
		return false
	}
	caughtUp := len(a.behind) == 0
	for _, n := range a.rows {
		if n >= maxRows || caughtUp && n >= minRows {
			return true
		}
	}
	return time.Since(a.oldest) >= interval
}

// deadline is when the pending records are due (zero when there are none).
func (a *accumulator) deadline(interval time.Duration) time.Time {
	if len(a.order) == 0 {
		return time.Time{}
	}
	return a.oldest.Add(interval)
}

// take returns the pending batches as a flush and starts an empty one.
func (a *accumulator) take() *flush {
	a.freeMu.Lock()
	for _, b := range a.order {
		if size, ok := a.sizes[b.table]; !ok || b.rows.n > size.n {
			a.sizes[b.table] = sizeOf(b.rows)
		}
	}
	a.freeMu.Unlock()
	f := &flush{parts: a.order, rows: a.total, oldest: a.oldest, tablesDone: map[string]bool{}}
	a.parts, a.order, a.total, a.oldest = map[tp]*partBatch{}, nil, 0, time.Time{}
	clear(a.rows)
	return f
}

// recycle returns a stored flush's row buffers for reuse.
func (a *accumulator) recycle(f *flush) {
	a.freeMu.Lock()
	defer a.freeMu.Unlock()
	for _, b := range f.parts {
		b.rows.reset()
		a.free[b.table] = append(a.free[b.table], b.rows)
		b.rows = nil
	}
}

// prune drops the pending records of revoked partitions.
func (a *accumulator) prune(revoked map[tp]bool) {
	kept := a.order[:0]
	clear(a.rows)
	a.total = 0
	for k := range revoked {
		delete(a.behind, k)
	}
	for _, b := range a.order {
		if revoked[b.tp] {
			delete(a.parts, b.tp)
			continue
		}
		kept = append(kept, b)
		a.rows[b.table] += b.rows.n
		a.total += b.rows.n
	}
	clear(a.order[len(kept):])
	a.order = kept
	if len(kept) == 0 {
		a.oldest = time.Time{}
	}
}
