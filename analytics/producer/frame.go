package producer

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// A spool segment is a sequence of frames, one record each, and nothing else: no file header,
// so a segment cut anywhere (a crash mid-write) is still a valid prefix followed by a torn tail.
//
//	offset size  field
//	0      2     magic 0xC1 0xFE (two bytes that never occur in UTF-8 text)
//	2      4     body length n, little endian
//	6      4     CRC-32C (Castagnoli) of bytes 2..6 and of the body
//	10     n     body:
//	               1       format version (1)
//	               8       emit time, Unix milliseconds, little endian
//	               uvarint family length, family
//	               uvarint key length, key
//	               rest    value (the event's wire encoding)
//
// The CRC covers the length, so a flipped length bit is caught like a flipped payload bit. A
// reader that meets a bad frame scans forward for the next magic whose frame checks out, so
// damage costs the records it touches and no more.
const (
	frameMagic0   = 0xC1
	frameMagic1   = 0xFE
	frameHeader   = 10
	frameVersion  = 1
	maxFrameBody  = 2 << 20 // a frame body longer than this is damage, not data
	minFrameBody  = 1 + 8 + 1 + 1
	frameOverhead = frameHeader + minFrameBody
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frame is one decoded record. key and value alias the segment's bytes.
type frame struct {
	at     int64 // emit time, Unix ms
	family events.Family
	key    []byte
	value  []byte
}

// frameSize is the encoded size of a frame with these fields.
func frameSize(family events.Family, key, value []byte) int {
	return frameHeader + 1 + 8 + uvarintLen(len(family)) + len(family) + uvarintLen(len(key)) + len(key) + len(value)
}

// appendFrame appends the frame encoding of a record to dst.
func appendFrame(dst []byte, at int64, family events.Family, key, value []byte) []byte {
	start := len(dst)
	dst = append(dst, frameMagic0, frameMagic1, 0, 0, 0, 0, 0, 0, 0, 0)
	dst = append(dst, frameVersion)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(at))
	dst = binary.AppendUvarint(dst, uint64(len(family)))
	dst = append(dst, family...)
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	dst = append(dst, key...)
	dst = append(dst, value...)
	binary.LittleEndian.PutUint32(dst[start+2:], uint32(len(dst)-start-frameHeader))
	crc := crc32.Update(0, castagnoli, dst[start+2:start+6])
	crc = crc32.Update(crc, castagnoli, dst[start+frameHeader:])
	binary.LittleEndian.PutUint32(dst[start+6:], crc)
	return dst
}

// segmentReader yields the intact frames of a segment's bytes in order, skipping damage.
//
//	r := segmentReader{data: b}
//	for f, ok := r.next(); ok; f, ok = r.next() { ... }
//	if r.damaged > 0 { report r.damaged regions, r.skipped bytes }
type segmentReader struct {
	data []byte
	off  int // start of the next frame to read

	damaged int // regions of damage met so far (each costs at least one record)
	skipped int // bytes skipped as damage
	frameAt int // offset of the frame next returned
}

// next returns the next intact frame, or ok false at the end of the data.
func (r *segmentReader) next() (f frame, ok bool) {
	for r.off < len(r.data) {
		n, ok := parseFrame(r.data[r.off:], &f)
		if ok {
			r.frameAt = r.off
			r.off += n
			return f, true
		}
		// Damage: find the next offset where an intact frame starts, or the end.
		start := r.off
		r.off++
		for r.off < len(r.data) {
			if r.data[r.off] == frameMagic0 {
				if _, ok := parseFrame(r.data[r.off:], &f); ok {
					break
				}
			}
			r.off++
		}
		r.damaged++
		r.skipped += r.off - start
	}
	return frame{}, false
}

// parseFrame decodes the frame at the start of b, returning its encoded size. It never panics
// and reports ok false for anything that is not an intact frame.
func parseFrame(b []byte, f *frame) (size int, ok bool) {
	if len(b) < frameHeader || b[0] != frameMagic0 || b[1] != frameMagic1 {
		return 0, false
	}
	n := binary.LittleEndian.Uint32(b[2:6])
	if n < minFrameBody || n > maxFrameBody || uint64(n) > uint64(len(b)-frameHeader) {
		return 0, false
	}
	body := b[frameHeader : frameHeader+int(n)]
	crc := crc32.Update(0, castagnoli, b[2:6])
	crc = crc32.Update(crc, castagnoli, body)
	if crc != binary.LittleEndian.Uint32(b[6:10]) {
		return 0, false
	}
	if body[0] != frameVersion {
		return 0, false
	}
	at := int64(binary.LittleEndian.Uint64(body[1:9]))
	rest := body[9:]
	fam, rest, ok := uvarintBytes(rest)
	if !ok || len(fam) == 0 {
		return 0, false
	}
	key, value, ok := uvarintBytes(rest)
	if !ok {
		return 0, false
	}
	*f = frame{at: at, family: familyOf(fam), key: key, value: value}
	return frameHeader + int(n), true
}

// uvarintBytes splits a uvarint-length-prefixed field off b.
func uvarintBytes(b []byte) (field, rest []byte, ok bool) {
	l, n := binary.Uvarint(b)
	if n <= 0 || l > uint64(len(b)-n) {
		return nil, nil, false
	}
	return b[n : n+int(l)], b[n+int(l):], true
}

func uvarintLen(v int) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// familyOf returns the family named b, without allocating for the known families.
func familyOf(b []byte) events.Family {
	for _, f := range events.Families {
		if string(f) == string(b) {
			return f
		}
	}
	return events.Family(b)
}
