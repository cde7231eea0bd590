package featurestore

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"
)

// A stored value (the Cassandra value blob) is a format byte followed by fields in tag order:
//
//	value  = 0x01 field*
//	field  = uvarint(tag<<3 | wire) payload
//	wire 0 = varint:  zig-zag varint (Int)
//	wire 1 = fixed64: IEEE 754 float64, little endian (Float)
//	wire 2 = bytes:   uvarint(len) bytes (String; tag 0: the stream watermark)
//	wire 3 = vector:  uvarint(n) n × float32, little endian (Vector)
//	wire 4 = list:    uvarint(n) n × (uvarint(len) bytes) (Strings)
//
// Every field says its own length, so a reader skips tags it does not know (a feature added
// by a newer binary) and a field whose wire no longer matches its feature's kind is ignored
// (the feature's default is served). Feature tags start at 1; tag 0 carries the watermark of
// the stream updater: uvarint(n) n × (uvarint(len) source, uvarint(next offset), varint(time ms)).
const (
	formatV1 = 0x01

	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireVector  = 3
	wireList    = 4
	wireInvalid = 7
)

// MaxValueSize bounds an encoded value; larger writes are refused and larger stored values are
// treated as corrupt.
const MaxValueSize = 256 << 10

var errCorrupt = errors.New("featurestore: corrupt stored value")

// field is one decoded field header and its payload.
type field struct {
	tag     uint32
	wire    uint64
	n       int    // element count of vector and list fields
	payload []byte // varint bytes, 8 float bytes, string bytes, n×4 vector bytes, or list items
}

// fieldIter walks the fields of a value without allocating.
type fieldIter struct {
	b   []byte
	f   field
	bad bool
}

func newFieldIter(raw []byte) fieldIter {
	if len(raw) == 0 || raw[0] != formatV1 {
		return fieldIter{bad: len(raw) != 0}
	}
	return fieldIter{b: raw[1:]}
}

// next advances to the next field; false at the end or on malformed input (then bad is set).
func (it *fieldIter) next() bool {
	if len(it.b) == 0 || it.bad {
		return false
	}
	key, k := binary.Uvarint(it.b)
	if k <= 0 || key>>3 >= maxTag {
		it.bad = true
		return false
	}
	b := it.b[k:]
	f := field{tag: uint32(key >> 3), wire: key & 7}
	switch f.wire {
	case wireVarint:
		_, m := binary.Varint(b)
		if m <= 0 {
			it.bad = true
			return false
		}
		f.payload, b = b[:m], b[m:]
	case wireFixed64:
		if len(b) < 8 {
			it.bad = true
			return false
		}
		f.payload, b = b[:8], b[8:]
	case wireBytes, wireVector:
		n, m := binary.Uvarint(b)
		size := n
		if f.wire == wireVector {
			size = n * 4
		}
		if m <= 0 || n > MaxValueSize || size > uint64(len(b)-m) {
			it.bad = true
			return false
		}
		f.n = int(n)
		f.payload, b = b[m:m+int(size)], b[m+int(size):]
	case wireList:
		n, m := binary.Uvarint(b)
		if m <= 0 || n > MaxValueSize {
			it.bad = true
			return false
		}
		rest := b[m:]
		for i := uint64(0); i < n; i++ {
			l, lm := binary.Uvarint(rest)
			if lm <= 0 || l > uint64(len(rest)-lm) {
				it.bad = true
				return false
			}
			rest = rest[lm+int(l):]
		}
		f.n = int(n)
		f.payload, b = b[m:len(b)-len(rest)], rest
	default:
		it.bad = true
		return false
	}
	it.f, it.b = f, b
	return true
}

// checkValue reports whether raw is a well-formed value (empty counts as well-formed: no fields).
func checkValue(raw []byte) error {
	if len(raw) > MaxValueSize {
		return errCorrupt
	}
	it := newFieldIter(raw)
	for it.next() {
	}
	if it.bad {
		return errCorrupt
	}
	return nil
}

func (f *field) int() int64 {
	v, _ := binary.Varint(f.payload)
	return v
}

func (f *field) float() float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(f.payload))
}

func (f *field) appendVector(dst []float32) []float32 {
	for i := 0; i < f.n; i++ {
		dst = append(dst, math.Float32frombits(binary.LittleEndian.Uint32(f.payload[4*i:])))
	}
	return dst
}

// eachItem calls fn with each item of a list field.
func (f *field) eachItem(fn func([]byte)) {
	b := f.payload
	for i := 0; i < f.n; i++ {
		l, m := binary.Uvarint(b)
		fn(b[m : m+int(l)])
		b = b[m+int(l):]
	}
}

// Encoding, used on the write path.

func appendKey(dst []byte, tag uint32, wire uint64) []byte {
	return binary.AppendUvarint(dst, uint64(tag)<<3|wire)
}

func appendInt(dst []byte, tag uint32, v int64) []byte {
	return binary.AppendVarint(appendKey(dst, tag, wireVarint), v)
}

func appendFloat(dst []byte, tag uint32, v float64) []byte {
	return binary.LittleEndian.AppendUint64(appendKey(dst, tag, wireFixed64), math.Float64bits(v))
}

func appendString(dst []byte, tag uint32, s string) []byte {
	dst = binary.AppendUvarint(appendKey(dst, tag, wireBytes), uint64(len(s)))
	return append(dst, s...)
}

func appendVector(dst []byte, tag uint32, v []float32) []byte {
	dst = binary.AppendUvarint(appendKey(dst, tag, wireVector), uint64(len(v)))
	for _, x := range v {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(x))
	}
	return dst
}

func appendList(dst []byte, tag uint32, items []string) []byte {
	dst = binary.AppendUvarint(appendKey(dst, tag, wireList), uint64(len(items)))
	for _, s := range items {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// Watermark is the stream updater's exactly-once bookkeeping stored with a stream view's
// value: for each source (a topic partition, e.g. "cuepoint.playback/3"), the mark of what has
// been applied to this value.
type Watermark map[string]Mark

// Mark is what of one source has been applied: every record with an offset below Next and a
// timestamp not after Time (Unix ms, the latest applied). A replayed record satisfies both
// and is skipped; a record of a log that was reset (offsets from 0 again) is newer than Time
// and is applied.
type Mark struct {
	Next int64
	Time int64
}

// Applied reports whether the record (offset, timestamp in Unix ms) of the source is already
// in the value.
func (w Watermark) Applied(source string, offset, timeMs int64) bool {
	m, ok := w[source]
	return ok && offset < m.Next && timeMs <= m.Time
}

// Advance records that the record (offset, timestamp) of the source is now applied.
func (w Watermark) Advance(source string, offset, timeMs int64) {
	m := w[source]
	if offset+1 > m.Next || timeMs > m.Time {
		// After a log reset offsets restart: the newest record defines the mark.
		m.Next = offset + 1
	}
	m.Time = max(m.Time, timeMs)
	w[source] = m
}

func appendWatermark(dst []byte, w Watermark) []byte {
	if len(w) == 0 {
		return dst
	}
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(keys)))
	for _, k := range keys {
		body = binary.AppendUvarint(body, uint64(len(k)))
		body = append(body, k...)
		body = binary.AppendUvarint(body, uint64(max(w[k].Next, 0)))
		body = binary.AppendVarint(body, w[k].Time)
	}
	dst = binary.AppendUvarint(appendKey(dst, 0, wireBytes), uint64(len(body)))
	return append(dst, body...)
}

func decodeWatermark(b []byte) (Watermark, error) {
	n, m := binary.Uvarint(b)
	if m <= 0 || n > uint64(len(b)) {
		return nil, errCorrupt
	}
	b = b[m:]
	w := make(Watermark, n)
	for i := uint64(0); i < n; i++ {
		l, lm := binary.Uvarint(b)
		if lm <= 0 || l > uint64(len(b)-lm) {
			return nil, errCorrupt
		}
		src := string(b[lm : lm+int(l)])
		b = b[lm+int(l):]
		next, om := binary.Uvarint(b)
		if om <= 0 || next > math.MaxInt64 {
			return nil, errCorrupt
		}
		b = b[om:]
		t, tm := binary.Varint(b)
		if tm <= 0 {
			return nil, errCorrupt
		}
		b = b[tm:]
		w[src] = Mark{Next: int64(next), Time: t}
	}
	if len(b) != 0 {
		return nil, errCorrupt
	}
	return w, nil
}
