package schema

import "github.com/cuepoint/cuepoint/analytics/events"

// Kind is what a table holds, which decides its retention.
type Kind int

// The kinds of tables.
const (
	Raw    Kind = iota // one row per event
	Minute             // per-minute rollup
	Hour               // per-hour rollup
	Ledger             // the sink's batch ledger
)

func (k Kind) String() string {
	switch k {
	case Raw:
		return "raw"
	case Minute:
		return "minute rollup"
	case Hour:
		return "hour rollup"
	case Ledger:
		return "ledger"
	}
	return "unknown"
}

// Table is one table of the schema.
type Table struct {
	Name string
	Kind Kind
}

// Tables lists every table of the schema (views excluded).
var Tables = func() []Table {
	var ts []Table
	for _, f := range events.Families {
		ts = append(ts, Table{RawTable(f), Raw})
	}
	for _, r := range rollups {
		ts = append(ts, Table{r.name + perMinute.suffix, Minute}, Table{r.name + perHour.suffix, Hour})
	}
	return append(ts, Table{LedgerTable, Ledger})
}()

// LedgerTable is the name of the sink's batch ledger.
const LedgerTable = "sink_batches"

// RawTable returns the name of the raw table of family f: the family's name.
func RawTable(f events.Family) string { return string(f) }
