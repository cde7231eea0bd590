package schema

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Retention is how many days of each kind of table to keep; 0 keeps everything. Data leaves
// by whole partitions (a day of raw rows or minute rollups, a month of hour rollups), once the
// newest row of the partition is older than the limit.
type Retention struct {
	RawDays    int
	MinuteDays int
	HourDays   int
	// LedgerDays must exceed the longest time a Kafka partition may go unconsumed, since the
	// sink's exactly-once check reads the ledger for offsets not yet committed.
	LedgerDays int
}

// DefaultRetention keeps raw events 30 days, minute rollups 90, hour rollups two years and
// the ledger 30 days.
var DefaultRetention = Retention{RawDays: 30, MinuteDays: 90, HourDays: 730, LedgerDays: 30}

func (r Retention) days(k Kind) int {
	switch k {
	case Raw:
		return r.RawDays
	case Minute:
		return r.MinuteDays
	case Hour:
		return r.HourDays
	case Ledger:
		return r.LedgerDays
	}
	return 0
}

// Validate rejects negative limits and a ledger kept for less than two days.
func (r Retention) Validate() error {
	if r.RawDays < 0 || r.MinuteDays < 0 || r.HourDays < 0 || r.LedgerDays < 0 {
		return fmt.Errorf("retention: negative number of days in %+v", r)
	}
	if r.LedgerDays != 0 && r.LedgerDays < 2 {
		return errors.New("retention: the sink ledger must be kept at least 2 days")
	}
	return nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Dropped is one partition DropExpired dropped.
type Dropped struct {
	Table       string
	PartitionID string
	Newest      time.Time // the partition's newest row
}

// DropExpired drops the partitions of the schema's tables in database whose newest row is
// older than the retention of the table's kind, as of now. Tables not in Tables are never
// touched. It returns what it dropped, also when it fails part-way.
func DropExpired(ctx context.Context, conn driver.Conn, database string, r Retention, now time.Time) ([]Dropped, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if !identRE.MatchString(database) {
		return nil, fmt.Errorf("retention: database %q is not an identifier", database)
	}
	kinds := make(map[string]Kind, len(Tables))
	for _, t := range Tables {
		kinds[t.Name] = t.Kind
	}
	rows, err := conn.Query(ctx, `SELECT table, partition_id, max(max_time) AS newest
FROM system.parts WHERE database = ? AND active GROUP BY table, partition_id`, database)
	if err != nil {
		return nil, fmt.Errorf("retention: list partitions of %s: %w", database, err)
	}
	var expired []Dropped
	for rows.Next() {
		var d Dropped
		if err := rows.Scan(&d.Table, &d.PartitionID, &d.Newest); err != nil {
			rows.Close()
			return nil, fmt.Errorf("retention: read partitions of %s: %w", database, err)
		}
		kind, ok := kinds[d.Table]
		days := r.days(kind)
		if !ok || days == 0 || d.Newest.Unix() <= 0 { // no DateTime min/max: not one of ours
			continue
		}
		if d.Newest.Before(now.Add(-time.Duration(days) * 24 * time.Hour)) {
			expired = append(expired, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("retention: read partitions of %s: %w", database, err)
	}
	var dropped []Dropped
	for _, d := range expired {
		q := fmt.Sprintf("ALTER TABLE %s.%s DROP PARTITION ID '%s'", database, d.Table, d.PartitionID)
		if err := conn.Exec(ctx, q); err != nil {
			return dropped, fmt.Errorf("retention: %s: %w", q, err)
		}
		dropped = append(dropped, d)
	}
	return dropped, nil
}
