package bidder

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
)

// Exchange-encrypted prices: many exchanges substitute ${AUCTION_PRICE} with the clearing price
// encrypted under keys they share with the bidder (the DoubleClick/OpenX scheme):
//
//	message = web-safe base64( iv[16] ‖ (price[8] XOR HMAC-SHA1(encryptionKey, iv)[:8]) ‖ sig[4] )
//	sig     = HMAC-SHA1(integrityKey, price[8] ‖ iv)[:4]
//
// with price the big-endian uint64 CPM in micros of the bid currency. decryptPrice checks the
// signature before trusting the price.

var errPriceSignature = errors.New("encrypted price: integrity check failed")

// decryptPrice returns the CPM in micros carried by an encrypted price.
func decryptPrice(encKey, intKey []byte, s string) (int64, error) {
	raw, err := base64.URLEncoding.DecodeString(padBase64(s))
	if err != nil || len(raw) != 28 {
		return 0, errors.New("encrypted price: want 28 bytes of web-safe base64")
	}
	iv, enc, sig := raw[:16], raw[16:24], raw[24:28]
	m := hmac.New(sha1.New, encKey)
	m.Write(iv)
	pad := m.Sum(nil)
	var price [8]byte
	for i := range price {
		price[i] = enc[i] ^ pad[i]
	}
	m = hmac.New(sha1.New, intKey)
	m.Write(price[:])
	m.Write(iv)
	if !hmac.Equal(m.Sum(nil)[:4], sig) {
		return 0, errPriceSignature
	}
	v := binary.BigEndian.Uint64(price[:])
	if v > 1<<50 {
		return 0, errors.New("encrypted price: out of range")
	}
	return int64(v), nil
}

// encryptPrice is the exchange's side, for tests and tools.
func encryptPrice(encKey, intKey, iv []byte, micros int64) string {
	var price [8]byte
	binary.BigEndian.PutUint64(price[:], uint64(micros))
	m := hmac.New(sha1.New, encKey)
	m.Write(iv)
	pad := m.Sum(nil)
	out := append([]byte(nil), iv...)
	for i := range price {
		out = append(out, price[i]^pad[i])
	}
	m = hmac.New(sha1.New, intKey)
	m.Write(price[:])
	m.Write(iv)
	out = append(out, m.Sum(nil)[:4]...)
	return base64.URLEncoding.EncodeToString(out)
}

func padBase64(s string) string {
	if r := len(s) % 4; r != 0 && !strings.HasSuffix(s, "=") {
		s += strings.Repeat("=", 4-r)
	}
	return s
}
