package bidder

import "unsafe"

// unsafeString views b as a string without copying; b must not change while the string lives.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// hashString is FNV-1a, 64 bits: stable across processes (used in keys that outlive them).
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
