package sink

import (
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// kind is the Go representation of a column's values, chosen to be what clickhouse-go's
// columnar Append takes for the ClickHouse type without conversion.
type kind uint8

const (
	kString   kind = iota // String
	kInt64                // Int64
	kInt32                // Int32
	kUInt32               // UInt32
	kUInt16               // UInt16
	kUInt8                // UInt8
	kDateTime             // DateTime, as Unix seconds
	kStrings              // Array(String)
	kInt64s               // Array(Int64)
)

// chType is the ClickHouse type a kind is stored as.
func (k kind) chType() string {
	return [...]string{"String", "Int64", "Int32", "UInt32", "UInt16", "UInt8", "DateTime", "Array(String)", "Array(Int64)"}[k]
}

// colSpec is one column of a raw table as the sink writes it.
type colSpec struct {
	name string
	kind kind
}

// column buffers one column's values for a batch; only the slice of its kind is used.
type column struct {
	kind kind
	str  []string
	i64  []int64
	i32  []int32
	u32  []uint32
	u16  []uint16
	u8   []uint8
	strs [][]string
	i64s [][]int64
}

// values returns the column's slice, filtered to the rows where keep is true when keep is
// not nil.
func (c *column) values(keep []bool) any {
	switch c.kind {
	case kString:
		return filter(c.str, keep)
	case kInt64, kDateTime:
		return filter(c.i64, keep)
	case kInt32:
		return filter(c.i32, keep)
	case kUInt32:
		return filter(c.u32, keep)
	case kUInt16:
		return filter(c.u16, keep)
	case kUInt8:
		return filter(c.u8, keep)
	case kStrings:
		return filter(c.strs, keep)
	case kInt64s:
		return filter(c.i64s, keep)
	}
	panic(fmt.Sprintf("sink: column kind %d", c.kind))
}

func filter[T any](vs []T, keep []bool) []T {
	if keep == nil {
		return vs
	}
	out := make([]T, 0, len(vs))
	for i, v := range vs {
		if keep[i] {
			out = append(out, v)
		}
	}
	return out
}

func (c *column) len() int {
	switch c.kind {
	case kString:
		return len(c.str)
	case kInt64, kDateTime:
		return len(c.i64)
	case kInt32:
		return len(c.i32)
	case kUInt32:
		return len(c.u32)
	case kUInt16:
		return len(c.u16)
	case kUInt8:
		return len(c.u8)
	case kStrings:
		return len(c.strs)
	case kInt64s:
		return len(c.i64s)
	}
	return 0
}

// reset empties the column, keeping its capacity, and drops references to the strings of the
// previous batch so that their records can be collected.
func (c *column) reset() {
	clear(c.str)
	clear(c.strs)
	clear(c.i64s)
	c.str, c.i64, c.i32, c.u32, c.u16, c.u8, c.strs, c.i64s = c.str[:0], c.i64[:0], c.i32[:0], c.u32[:0], c.u16[:0], c.u8[:0], c.strs[:0], c.i64s[:0]
}

// rows is a columnar buffer of rows for one raw table.
type rows struct {
	cols []column
	n    int
	// arena backs the arrays the table's writer builds, so that an event's arrays cost no
	// allocation of their own.
	arenaStr []string
	arenaI64 []int64
}

// strings returns a slice of n strings from the arena, valid until reset.
func (r *rows) strings(n int) []string {
	if cap(r.arenaStr)-len(r.arenaStr) < n {
		r.arenaStr = make([]string, 0, max(4096, n)) // the old chunk lives on in the columns
	}
	l := len(r.arenaStr)
	r.arenaStr = r.arenaStr[:l+n]
	return r.arenaStr[l : l+n : l+n]
}

// int64s returns a slice of n int64s from the arena, valid until reset.
func (r *rows) int64s(n int) []int64 {
	if cap(r.arenaI64)-len(r.arenaI64) < n {
		r.arenaI64 = make([]int64, 0, max(4096, n))
	}
	l := len(r.arenaI64)
	r.arenaI64 = r.arenaI64[:l+n]
	return r.arenaI64[l : l+n : l+n]
}

func newRows(specs []colSpec) *rows {
	r := &rows{cols: make([]column, len(specs))}
	for i, s := range specs {
		r.cols[i].kind = s.kind
	}
	return r
}

func (r *rows) reset() {
	for i := range r.cols {
		r.cols[i].reset()
	}
	clear(r.arenaStr)
	r.arenaStr, r.arenaI64 = r.arenaStr[:0], r.arenaI64[:0]
	r.n = 0
}

// appendTo appends the rows (those where keep is true, when keep is not nil) to the batch,
// column by column.
func (r *rows) appendTo(b driver.Batch, keep []bool) error {
	for i := range r.cols {
		if err := b.Column(i).Append(r.cols[i].values(keep)); err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return nil
}

// rowWriter appends one row, column after column in table order. Each method checks the
// column's kind, so a table whose writer and column list disagree fails its first row
// loudly (and the table tests) instead of shifting values into the wrong columns.
type rowWriter struct {
	r *rows
	i int
}

func (w *rowWriter) next(k kind) *column {
	c := &w.r.cols[w.i]
	if c.kind != k {
		panic(fmt.Sprintf("sink: column %d is %s, written as %s", w.i, c.kind.chType(), k.chType()))
	}
	w.i++
	return c
}

func (w *rowWriter) str(v string)     { c := w.next(kString); c.str = append(c.str, v) }
func (w *rowWriter) i64(v int64)      { c := w.next(kInt64); c.i64 = append(c.i64, v) }
func (w *rowWriter) i32(v int32)      { c := w.next(kInt32); c.i32 = append(c.i32, v) }
func (w *rowWriter) u32(v int)        { c := w.next(kUInt32); c.u32 = append(c.u32, uint32(v)) }
func (w *rowWriter) u16(v int)        { c := w.next(kUInt16); c.u16 = append(c.u16, uint16(v)) }
func (w *rowWriter) u8(v uint8)       { c := w.next(kUInt8); c.u8 = append(c.u8, v) }
func (w *rowWriter) dateTime(v int64) { c := w.next(kDateTime); c.i64 = append(c.i64, v) }
func (w *rowWriter) strs(v []string)  { c := w.next(kStrings); c.strs = append(c.strs, nonNil(v)) }
func (w *rowWriter) i64s(v []int64)   { c := w.next(kInt64s); c.i64s = append(c.i64s, v) }
func (w *rowWriter) flag(v bool)      { w.u8(b2u(v)) }
func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func b2u(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// done checks that the row wrote every column and counts it.
func (w *rowWriter) done() {
	if w.i != len(w.r.cols) {
		panic(fmt.Sprintf("sink: row wrote %d of %d columns", w.i, len(w.r.cols)))
	}
	w.r.n++
}
