package sink

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cuepoint/cuepoint/analytics/schema"
)

// partState is what the inserter knows about a partition it owns: up to which offset rows
// may already be stored by an INSERT whose outcome it does not know (its own failed attempt,
// or a previous owner's). Offsets above upTo were never attempted, so they need no check.
type partState struct {
	upTo int64 // -1: nothing to check
}

// recover makes sure every batch of f inserts only rows not yet stored. For a partition it
// has no state for (newly assigned), it reads the ledger's highest offset; for any batch
// starting at or below its partition's upTo, it waits for in-flight INSERTs of the partition
// to end and marks the rows already stored so they are skipped.
func (in *inserter) recover(ctx context.Context, f *flush) error {
	if err := in.readLedger(ctx, f); err != nil {
		return err
	}
	for _, b := range f.parts {
		st := in.state[b.tp]
		if !b.hasRows() || f.tablesDone[b.table.name] || st.upTo < b.first {
			continue
		}
		if err := in.awaitInflight(ctx, b); err != nil {
			return err
		}
		stored, err := in.storedOffsets(ctx, b, min(b.last, st.upTo))
		if err != nil {
			return err
		}
		b.keep, b.skipped = b.keep[:0], 0
		offsets := b.rows.cols[len(b.table.cols)-1].i64 // kafka_offset is the last column
		for _, off := range offsets {
			keep := !stored[off]
			b.keep = append(b.keep, keep)
			if !keep {
				b.skipped++
			}
		}
		if b.skipped == 0 {
			b.keep = nil
		}
		if b.skipped > 0 {
			in.s.log.Warn("exactly-once check: rows already stored, skipping them", "batch", b.id(), "skipped", b.skipped, "of", len(offsets))
		}
	}
	return nil
}

// readLedger sets the state of the partitions of f the inserter has none for: upTo is the
// highest offset any sink announced in the ledger for the partition.
func (in *inserter) readLedger(ctx context.Context, f *flush) error {
	byTopic := map[string][]int32{}
	for _, b := range f.parts {
		if _, ok := in.state[b.tp]; !ok {
			byTopic[b.topic] = append(byTopic[b.topic], b.partition)
		}
	}
	for topic, parts := range byTopic {
		found := map[int32]int64{}
		q := fmt.Sprintf("SELECT kafka_partition, max(last_offset) AS upto FROM %s.%s WHERE topic = ? AND kafka_partition IN (%s) GROUP BY kafka_partition",
			in.s.cfg.Database, schema.LedgerTable, joinInts(parts))
		if err := in.query(ctx, q, []any{topic}, func(rows driver.Rows) error {
			var p int32
			var upTo int64
			if err := rows.Scan(&p, &upTo); err != nil {
				return err
			}
			found[p] = upTo
			return nil
		}); err != nil {
			return fmt.Errorf("read ledger of %s: %w", topic, err)
		}
		for _, p := range parts {
			upTo, ok := found[p]
			if !ok {
				upTo = -1
			}
			in.state[tp{topic, p}] = &partState{upTo: upTo}
		}
	}
	return nil
}

// awaitInflight waits until no INSERT of b's partition is running on the server: an INSERT
// whose client gave up may still be writing, and must not be missed by the check.
func (in *inserter) awaitInflight(ctx context.Context, b *partBatch) error {
	pattern := queryIDPrefix(in.s.cfg.Database, b.table) + "%," + strconv.Itoa(int(b.partition)) + ",%"
	deadline := time.Now().Add(2 * in.s.cfg.InsertTimeout)
	for {
		var n uint64
		if err := in.query(ctx, "SELECT count() FROM system.processes WHERE query_id LIKE ?", []any{pattern}, func(rows driver.Rows) error {
			return rows.Scan(&n)
		}); err != nil {
			return fmt.Errorf("look for in-flight inserts of %s: %w", b.id(), err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d inserts of %s/%d still running after %s", n, b.topic, b.partition, 2*in.s.cfg.InsertTimeout)
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// storedOffsets returns the offsets in [b.first, upTo] of b's partition already in the raw
// table. The event-time bounds restrict the scan to the day partitions holding b's rows.
func (in *inserter) storedOffsets(ctx context.Context, b *partBatch, upTo int64) (map[int64]bool, error) {
	q := fmt.Sprintf(`SELECT kafka_offset FROM %s.%s
WHERE time >= toDateTime(%d) AND time <= toDateTime(%d)
  AND kafka_partition = %d AND kafka_offset >= %d AND kafka_offset <= %d`,
		in.s.cfg.Database, b.table.name, b.minTime, b.maxTime, b.partition, b.first, upTo)
	stored := map[int64]bool{}
	if err := in.query(ctx, q, nil, func(rows driver.Rows) error {
		var off int64
		if err := rows.Scan(&off); err != nil {
			return err
		}
		stored[off] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("check stored rows of %s: %w", b.id(), err)
	}
	return stored, nil
}

// query runs a SELECT under the statement timeout, calling row for each result row.
func (in *inserter) query(ctx context.Context, q string, args []any, row func(driver.Rows) error) error {
	qctx, cancel := in.queryCtx(ctx)
	defer cancel()
	rows, err := in.conn.Query(qctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// queryIDPrefix starts the query id of every INSERT into t; the id goes on with the
// partitions of the INSERT, comma-separated and comma-terminated, so that one partition's
// inserts can be found with LIKE.
func queryIDPrefix(database string, t *table) string {
	return "cuepoint-sink:" + database + "." + t.name + ":"
}

func joinInts(ps []int32) string {
	var sb strings.Builder
	for i, p := range ps {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(int(p)))
	}
	return sb.String()
}
