package train

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/schema"
)

// ReadOptions select what ReadClickHouse reads.
type ReadOptions struct {
	// Database holds the analytics tables (default schema.Database).
	Database string
	// From and To bound the events' time (To exclusive).
	From, To time.Time
	// ServedSample is the share of served lists read (a deterministic sample by list id; the
	// ranker needs a sample, not every impression). 0 means 1: all of them. Clicks and plays
	// are always read in full.
	ServedSample float64
	// Progress, when set, is called every 100k rows with the rows read so far.
	Progress func(rows int)
}

// ReadClickHouse reads the recs events of a time window from the raw recs table (schema's
// docs/events.md columns): served lists (sampled) and every click and play. Rows stored twice
// by a retried insert are read once. The query is plain SQL that ClickHouse 18.16 and current
// versions both run, streamed, so memory holds the dataset and not the result set twice.
func ReadClickHouse(ctx context.Context, conn driver.Conn, o ReadOptions) (*Dataset, error) {
	if o.Database == "" {
		o.Database = schema.Database
	}
	if !o.To.After(o.From) {
		return nil, fmt.Errorf("train: empty time window %s..%s", o.From, o.To)
	}
	sample := 1000
	if o.ServedSample > 0 && o.ServedSample < 1 {
		sample = int(o.ServedSample * 1000)
	}
	table := o.Database + "." + schema.RawTable(events.FamilyRecs)
	q := `SELECT id, type, user_id, list_id, item, position, items,
	       toInt64(toUnixTimestamp(time)) * 1000 + time_ms AS ms
	FROM ` + table + `
	WHERE time >= toDateTime(?) AND time < toDateTime(?)
	  AND (type IN ('click', 'play') OR (type = 'served' AND cityHash64(id) % 1000 < ?))`
	rows, err := conn.Query(ctx, q, o.From.Unix(), o.To.Unix(), sample)
	if err != nil {
		return nil, fmt.Errorf("train: read %s: %w", table, err)
	}
	defer rows.Close()
	ds := &Dataset{}
	n := 0
	for rows.Next() {
		var (
			id, typ, user, list, item string
			position                  uint16
			items                     []string
			ms                        int64
		)
		if err := rows.Scan(&id, &typ, &user, &list, &item, &position, &items, &ms); err != nil {
			return nil, fmt.Errorf("train: read %s: %w", table, err)
		}
		switch typ {
		case events.TypeRecsServed:
			if ds.first(id) {
				ds.Served = append(ds.Served, Served{ID: id, User: user, TimeMS: ms, Items: items})
			}
		case string(events.ActionClick), string(events.ActionPlay):
			if ds.first(id) {
				ds.Actions = append(ds.Actions, Action{ID: id, Kind: events.ActionKind(typ), List: list, User: user,
					Item: item, Position: int(position), TimeMS: ms})
			}
		}
		if n++; n%100_000 == 0 && o.Progress != nil {
			o.Progress(n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("train: read %s: %w", table, err)
	}
	if o.Progress != nil {
		o.Progress(n)
	}
	if len(ds.Actions) == 0 {
		return ds, errors.New("train: no clicks or plays in the window")
	}
	ds.Sort()
	return ds, nil
}
