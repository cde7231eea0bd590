package events

import (
	"math/rand/v2"
	"time"
)

// IDLen is the length of the ids NewID returns.
const IDLen = 32

const hexDigits = "0123456789abcdef"

// NewID returns a new event id: 32 lowercase hex digits, the first 12 the Unix time in
// milliseconds (ids sort by creation time, which keeps ClickHouse lookups by id local), the
// other 20 random (80 bits from the runtime's per-thread ChaCha8 generator: unique in practice,
// lock-free, not secret). It costs one allocation, the string; AppendID costs none.
func NewID() string {
	var buf [IDLen]byte
	return string(AppendID(buf[:0]))
}

// AppendID appends a new id (see NewID) to dst.
func AppendID(dst []byte) []byte {
	ms := uint64(time.Now().UnixMilli())
	r1, r2 := rand.Uint64(), rand.Uint32()
	dst = appendHex(dst, ms, 12)
	dst = appendHex(dst, r1, 16)
	return appendHex(dst, uint64(r2), 4)
}

// appendHex appends the low n hex digits of v, most significant first.
func appendHex(dst []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, hexDigits[(v>>(4*uint(i)))&0xf])
	}
	return dst
}
