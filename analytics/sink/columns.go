package sink

import (
	"fmt"
	"unsafe"

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

// column buffers one column's values for a batch; only the fields of its kind are used.
//
// Strings are kept as bytes in one buffer and the offsets where each value ends, so that a
// column holds no pointers: the garbage collector does not scan it (a batch of 100k rows has
// millions of values), and the records the values were decoded from are not kept alive.
// values builds string views of the buffer only for the INSERT.
type column struct {
	kind kind
	i64  []int64 // kInt64, kDateTime; kInt64s: the elements of every row
	i32  []int32
	u32  []uint32
	u16  []uint16
	u8   []uint8
	// kString: the values' bytes, and the end of each value in them. kStrings: the same for
	// the elements of every row.
	bytes []byte
	ends  []int
	// kStrings, kInt64s: the number of elements up to and including each row.
	rowEnds []int

	// Views for an INSERT, reused across batches; cleared by reset.
	strView []string
	arrStr  [][]string
	arrI64  [][]int64
}

// view returns the bytes of b as a string without copying; b must not change while the
// string is in use (the column's bytes do not until reset).
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// strings returns views of the column's strings (values or array elements), all of them.
func (c *column) strings() []string {
	v := c.strView[:0]
	start := 0
	for _, end := range c.ends {
		v = append(v, view(c.bytes[start:end]))
		start = end
	}
	c.strView = v
	return v
}

// values returns the column's values as clickhouse-go's columnar Append takes them, filtered
// to the rows where keep is true when keep is not nil. Array columns are returned as one
// slice per row ([][]string, [][]int64).
func (c *column) values(keep []bool) any {
	switch c.kind {
	case kString:
		return filter(c.strings(), keep)
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
		elems := c.strings()
		rows, start := c.arrStr[:0], 0
		for i, end := range c.rowEnds {
			if keep == nil || keep[i] {
				rows = append(rows, elems[start:end:end])
			}
			start = end
		}
		c.arrStr = rows
		return rows
	case kInt64s:
		rows, start := c.arrI64[:0], 0
		for i, end := range c.rowEnds {
			if keep == nil || keep[i] {
				rows = append(rows, c.i64[start:end:end])
			}
			start = end
		}
		c.arrI64 = rows
		return rows
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
		return len(c.ends)
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
	case kStrings, kInt64s:
		return len(c.rowEnds)
	}
	return 0
}

// reset empties the column, keeping its capacity, and clears the views of the last INSERT.
func (c *column) reset() {
	clear(c.strView)
	clear(c.arrStr)
	clear(c.arrI64)
	c.i64, c.i32, c.u32, c.u16, c.u8 = c.i64[:0], c.i32[:0], c.u32[:0], c.u16[:0], c.u8[:0]
	c.bytes, c.ends, c.rowEnds = c.bytes[:0], c.ends[:0], c.rowEnds[:0]
	c.strView, c.arrStr, c.arrI64 = c.strView[:0], c.arrStr[:0], c.arrI64[:0]
}

// rows is a columnar buffer of rows for one raw table.
type rows struct {
	cols []column
	n    int
	// arenaStr and arenaI64 are scratch space for the arrays a table's writer builds from an
	// event, valid until the next row (the columns copy them).
	arenaStr []string
	arenaI64 []int64
}

// strings returns a slice of n strings from the scratch arena, valid until the next row.
func (r *rows) strings(n int) []string {
	if cap(r.arenaStr)-len(r.arenaStr) < n {
		r.arenaStr = make([]string, 0, max(64, 2*cap(r.arenaStr), n))
	}
	l := len(r.arenaStr)
	r.arenaStr = r.arenaStr[:l+n]
	return r.arenaStr[l : l+n : l+n]
}

// int64s returns a slice of n int64s from the scratch arena, valid until the next row.
func (r *rows) int64s(n int) []int64 {
	if cap(r.arenaI64)-len(r.arenaI64) < n {
		r.arenaI64 = make([]int64, 0, max(64, 2*cap(r.arenaI64), n))
	}
	l := len(r.arenaI64)
	r.arenaI64 = r.arenaI64[:l+n]
	return r.arenaI64[l : l+n : l+n]
}

// nextRow empties the scratch arenas for the next row's arrays.
func (r *rows) nextRow() {
	clear(r.arenaStr)
	r.arenaStr, r.arenaI64 = r.arenaStr[:0], r.arenaI64[:0]
}

func newRows(specs []colSpec) *rows {
	r := &rows{cols: make([]column, len(specs))}
	for i, s := range specs {
		r.cols[i].kind = s.kind
	}
	return r
}

// rowsSize is the size of a rows: its row count and, per column, how many values, bytes,
// string ends and row ends it holds. newRowsLike allocates rows that large.
type rowsSize struct {
	n    int
	cols []colSize
}

type colSize struct{ values, bytes, ends, rowEnds int }

func sizeOf(r *rows) rowsSize {
	s := rowsSize{n: r.n, cols: make([]colSize, len(r.cols))}
	for i := range r.cols {
		c := &r.cols[i]
		s.cols[i] = colSize{values: max(len(c.i64), len(c.i32), len(c.u32), len(c.u16), len(c.u8)),
			bytes: len(c.bytes), ends: len(c.ends), rowEnds: len(c.rowEnds)}
	}
	return s
}

// newRowsLike returns empty rows for specs with room for s and a quarter more.
func newRowsLike(specs []colSpec, s rowsSize) *rows {
	r := newRows(specs)
	grow := func(n int) int { return n + n/4 }
	for i := range r.cols {
		c, cs := &r.cols[i], s.cols[i]
		switch c.kind {
		case kInt64, kDateTime, kInt64s:
			c.i64 = make([]int64, 0, grow(cs.values))
		case kInt32:
			c.i32 = make([]int32, 0, grow(cs.values))
		case kUInt32:
			c.u32 = make([]uint32, 0, grow(cs.values))
		case kUInt16:
			c.u16 = make([]uint16, 0, grow(cs.values))
		case kUInt8:
			c.u8 = make([]uint8, 0, grow(cs.values))
		}
		if cs.bytes > 0 || cs.ends > 0 {
			c.bytes, c.ends = make([]byte, 0, grow(cs.bytes)), make([]int, 0, grow(cs.ends))
		}
		if cs.rowEnds > 0 {
			c.rowEnds = make([]int, 0, grow(cs.rowEnds))
		}
	}
	return r
}

func (r *rows) reset() {
	for i := range r.cols {
		r.cols[i].reset()
	}
	r.nextRow()
	r.n = 0
}

// arraysByRow selects how appendTo hands array columns to clickhouse-go: row by row
// (AppendRow of a []T), or the whole column at once (Append of a [][]T). BenchmarkAppendTo
// compares the two.
var arraysByRow = true

// appendTo appends the rows (those where keep is true, when keep is not nil) to the batch,
// column by column with the columnar API. Arrays go row by row (AppendRow of a []T), which
// clickhouse-go appends without reflection, where the columnar Append of a [][]T reflects on
// every row and element.
func (r *rows) appendTo(b driver.Batch, keep []bool) error {
	for i := range r.cols {
		c := &r.cols[i]
		var err error
		v := c.values(keep)
		if !arraysByRow {
			if err := b.Column(i).Append(v); err != nil {
				return fmt.Errorf("column %d: %w", i, err)
			}
			continue
		}
		switch v := v.(type) {
		case [][]string:
			bc := b.Column(i)
			for _, row := range v {
				if err = bc.AppendRow(row); err != nil {
					break
				}
			}
		case [][]int64:
			bc := b.Column(i)
			for _, row := range v {
				if err = bc.AppendRow(row); err != nil {
					break
				}
			}
		default:
			err = b.Column(i).Append(v)
		}
		if err != nil {
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

func (w *rowWriter) str(v string) {
	c := w.next(kString)
	c.bytes = append(c.bytes, v...)
	c.ends = append(c.ends, len(c.bytes))
}
func (w *rowWriter) i64(v int64)      { c := w.next(kInt64); c.i64 = append(c.i64, v) }
func (w *rowWriter) i32(v int32)      { c := w.next(kInt32); c.i32 = append(c.i32, v) }
func (w *rowWriter) u32(v int)        { c := w.next(kUInt32); c.u32 = append(c.u32, uint32(v)) }
func (w *rowWriter) u16(v int)        { c := w.next(kUInt16); c.u16 = append(c.u16, uint16(v)) }
func (w *rowWriter) u8(v uint8)       { c := w.next(kUInt8); c.u8 = append(c.u8, v) }
func (w *rowWriter) dateTime(v int64) { c := w.next(kDateTime); c.i64 = append(c.i64, v) }
func (w *rowWriter) strs(v []string) {
	c := w.next(kStrings)
	for _, e := range v {
		c.bytes = append(c.bytes, e...)
		c.ends = append(c.ends, len(c.bytes))
	}
	c.rowEnds = append(c.rowEnds, len(c.ends))
}
func (w *rowWriter) i64s(v []int64) {
	c := w.next(kInt64s)
	c.i64 = append(c.i64, v...)
	c.rowEnds = append(c.rowEnds, len(c.i64))
}
func (w *rowWriter) flag(v bool) { w.u8(b2u(v)) }

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
	w.r.nextRow()
}
