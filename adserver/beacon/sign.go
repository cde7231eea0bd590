package beacon

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"time"
)

// MinKeyBytes is the shortest signing key accepted: 256 bits.
const MinKeyBytes = 32

const (
	macBytes = 16 // HMAC-SHA256 truncated to 128 bits
	domain   = "cuepoint-beacon-v1\n"
)

// Signer signs beacons with its first key and verifies them with any of its keys. It is safe
// for concurrent use.
type Signer struct {
	keys   []*key
	maxAge time.Duration
}

type key struct {
	id   string // fingerprint: 8 hex digits of SHA-256(key)
	pool sync.Pool
}

// DefaultMaxAge is how long a beacon stays valid after its ad was decided.
const DefaultMaxAge = 6 * time.Hour

// NewSigner returns a signer for keys (the first signs; all verify). Each key must have at
// least MinKeyBytes bytes.
func NewSigner(keys ...[]byte) (*Signer, error) {
	if len(keys) == 0 {
		return nil, errors.New("beacon: no signing key")
	}
	s := &Signer{maxAge: DefaultMaxAge}
	for i, k := range keys {
		if len(k) < MinKeyBytes {
			return nil, fmt.Errorf("beacon: key %d has %d bytes, at least %d are required", i+1, len(k), MinKeyBytes)
		}
		k := append([]byte(nil), k...)
		sum := sha256.Sum256(k)
		kk := &key{id: hex.EncodeToString(sum[:4])}
		kk.pool.New = func() any { return hmac.New(sha256.New, k) }
		s.keys = append(s.keys, kk)
	}
	return s, nil
}

// SetMaxAge changes how old a beacon may be (default DefaultMaxAge).
func (s *Signer) SetMaxAge(d time.Duration) { s.maxAge = d }

// MaxAge is how old a beacon may be.
func (s *Signer) MaxAge() time.Duration { return s.maxAge }

// AppendURL appends the signed URL of b to dst: base + "/t/" + event + "?" + parameters.
// For error beacons it ends with "&code=%5BERRORCODE%5D", the VAST macro, outside the
// signature.
func (s *Signer) AppendURL(dst []byte, base string, b *Beacon) []byte {
	var ms [20]byte
	issued := strconv.AppendInt(ms[:0], b.Issued.UnixMilli(), 10)
	third := ""
	if len(b.ThirdParty) > 0 || b.BillingURL != "" {
		third = packURLs(b.BillingURL, b.ThirdParty)
	}
	fs := b.fields(string(issued), third)
	k := s.keys[0]
	var sig [macBytes]byte
	k.mac(sig[:0], b.Event, &fs)

	dst = append(dst, base...)
	dst = append(dst, "/t/"...)
	dst = append(dst, b.Event...)
	sep := byte('?')
	for _, f := range fs {
		if f.v == "" {
			continue
		}
		dst = append(dst, sep)
		sep = '&'
		dst = append(dst, f.k...)
		dst = append(dst, '=')
		dst = appendQueryEscape(dst, f.v)
	}
	dst = append(dst, "&"+pKey+"="...)
	dst = append(dst, k.id...)
	dst = append(dst, "&"+pSig+"="...)
	n := base64.RawURLEncoding.EncodedLen(macBytes)
	dst = append(dst, make([]byte, n)...)
	base64.RawURLEncoding.Encode(dst[len(dst)-n:], sig[:])
	if b.Event == "error" {
		dst = append(dst, "&"+pCode+"=%5BERRORCODE%5D"...)
	}
	return dst
}

// mac appends the MAC of the event and fields to dst.
func (k *key) mac(dst []byte, event string, fs *[13]field) []byte {
	h := k.pool.Get().(hash.Hash)
	h.Reset()
	var buf [512]byte
	m := append(buf[:0], domain...)
	m = append(m, event...)
	m = append(m, '\n')
	for _, f := range fs {
		m = append(m, f.k...)
		m = append(m, '=')
		m = strconv.AppendInt(m, int64(len(f.v)), 10) // length-prefixed: no ambiguity
		m = append(m, ':')
		m = append(m, f.v...)
		m = append(m, '\n')
	}
	h.Write(m)
	var sum [sha256.Size]byte
	dst = append(dst, h.Sum(sum[:0])[:macBytes]...)
	k.pool.Put(h)
	return dst
}

// appendQueryEscape appends s escaped for a query value: unreserved characters as they are,
// everything else percent-encoded.
func appendQueryEscape(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
	}
	return dst
}
