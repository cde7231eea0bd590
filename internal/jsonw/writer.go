package jsonw

import (
	"math"
	"strconv"
)

// Writer appends JSON objects and arrays to B, writing the commas between members. The zero
// value with B set to a buffer is ready to use; B is the output.
type Writer struct {
	B     []byte
	comma bool // the next member needs a comma before it
}

// sep writes the comma a member needs after the previous one.
func (w *Writer) sep() {
	if w.comma {
		w.B = append(w.B, ',')
	}
	w.comma = true
}

// Key writes the key of the next member; the caller appends its value to B.
func (w *Writer) Key(k string) {
	w.sep()
	w.B = append(w.B, '"')
	w.B = append(w.B, k...)
	w.B = append(w.B, '"', ':')
}

// Open starts an object: the member k, or with k "" an array element or the top level.
func (w *Writer) Open(k string) {
	if k == "" {
		w.sep()
	} else {
		w.Key(k)
	}
	w.B = append(w.B, '{')
	w.comma = false
}

// Close ends the object Open started.
func (w *Writer) Close() { w.B = append(w.B, '}'); w.comma = true }

// OpenArr starts the array member k.
func (w *Writer) OpenArr(k string) { w.Key(k); w.B = append(w.B, '['); w.comma = false }

// CloseArr ends the array OpenArr started.
func (w *Writer) CloseArr() { w.B = append(w.B, ']'); w.comma = true }

// Str writes the member k with the string v.
func (w *Writer) Str(k, v string) { w.Key(k); w.B = AppendString(w.B, v) }

// StrOpt writes the member k unless v is empty.
func (w *Writer) StrOpt(k, v string) {
	if v != "" {
		w.Str(k, v)
	}
}

// StrElem writes v as the next element of an array.
func (w *Writer) StrElem(v string) { w.sep(); w.B = AppendString(w.B, v) }

// Int writes the member k with the integer v.
func (w *Writer) Int(k string, v int64) { w.Key(k); w.B = strconv.AppendInt(w.B, v, 10) }

// IntOpt writes the member k unless v is zero.
func (w *Writer) IntOpt(k string, v int64) {
	if v != 0 {
		w.Int(k, v)
	}
}

// Float writes the member k with v in its shortest exact form; NaN and infinities, which
// JSON cannot carry, become null.
func (w *Writer) Float(k string, v float64) {
	w.Key(k)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.B = append(w.B, "null"...)
		return
	}
	w.B = strconv.AppendFloat(w.B, v, 'f', -1, 64)
}

// BoolOpt writes the member k as true when v is.
func (w *Writer) BoolOpt(k string, v bool) {
	if v {
		w.Key(k)
		w.B = append(w.B, "true"...)
	}
}

// Strs writes the member k with the array of strings vs.
func (w *Writer) Strs(k string, vs []string) {
	w.OpenArr(k)
	for _, v := range vs {
		w.StrElem(v)
	}
	w.CloseArr()
}

// StrsOpt writes the member k unless vs is empty.
func (w *Writer) StrsOpt(k string, vs []string) {
	if len(vs) > 0 {
		w.Strs(k, vs)
	}
}

// Ints writes the member k with the array of integers vs.
func (w *Writer) Ints(k string, vs []int) {
	w.OpenArr(k)
	for _, v := range vs {
		w.sep()
		w.B = strconv.AppendInt(w.B, int64(v), 10)
	}
	w.CloseArr()
}
