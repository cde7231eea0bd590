package events

// Field bits for duplicate-key detection: the header's keys take the low bits, each type's
// own keys count up from bitOwn.
const (
	bitV uint64 = 1 << iota
	bitID
	bitTime
	bitService
	bitRequestID
	bitType
	bitReceived
	bitOwn
)

// own returns the bit of a type's i-th own field.
func own(i uint) uint64 { return bitOwn << i }

var headerNames = []string{"v", "type", "id", "time", "service", "request_id", "received"}

func withHeader(names ...string) []string {
	return append(append([]string(nil), headerNames...), names...)
}

// field decodes a header key; every type's field method falls back to it.
func (h *Header) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "v":
		h.V = int(r.int())
		return bitV
	case "id":
		h.ID = r.str()
		return bitID
	case "time":
		h.Time = r.time()
		return bitTime
	case "service":
		h.Service = r.str()
		return bitService
	case "request_id":
		h.RequestID = r.str()
		return bitRequestID
	case "received":
		h.Received = r.time()
		return bitReceived
	}
	return 0
}

// fixedType reads the "type" of a type that has one wire type, which must be want.
func (r *reader) fixedType(want string) uint64 {
	if got := r.str(); r.err == nil && got != want {
		r.fail("type %q, want %q", got, want)
	}
	return bitType
}
