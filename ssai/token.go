package ssai

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// claims are what a session token carries: everything an instance needs to rebuild the
// session without having seen it (no sticky routing). The token is the session id in every URL
// of the session; it is signed, so a player cannot change the viewer or the source.
type claims struct {
	ID      [8]byte // random: the session id analytics and the adserver see (hex)
	Created time.Time
	Source  string
	UID     string
	Content string
	Client  bool // client-side beacons: the player fires them from the tracking JSON
}

const (
	tokenVersion = 1
	tokenMACLen  = 16 // HMAC-SHA256 truncated to 128 bits
	maxClaim     = 128
)

var b64 = base64.RawURLEncoding

// errBadToken is returned for a token that does not verify: forged, truncated, or signed with a
// key this instance does not have. The player must start a new session.
var errBadToken = errors.New("session token does not verify: start a new session")

// SessionID is the hex form of the claims' random id.
func (c *claims) SessionID() string { return hex.EncodeToString(c.ID[:]) }

// newClaims returns claims with a fresh random id.
func newClaims(source, uid, content string, client bool, now time.Time) claims {
	c := claims{Created: now.UTC().Truncate(time.Second), Source: source, UID: uid, Content: content, Client: client}
	if _, err := rand.Read(c.ID[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return c
}

// sign encodes the claims and appends the MAC under key: base64url, path-safe.
func (c *claims) sign(key []byte) string {
	b := make([]byte, 0, 64+len(c.Source)+len(c.UID)+len(c.Content))
	b = append(b, tokenVersion)
	flags := byte(0)
	if c.Client {
		flags |= 1
	}
	b = append(b, flags)
	b = append(b, c.ID[:]...)
	b = binary.AppendUvarint(b, uint64(c.Created.Unix()))
	for _, s := range []string{c.Source, c.UID, c.Content} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	m := hmac.New(sha256.New, key)
	m.Write(b)
	b = m.Sum(b)[:len(b)+tokenMACLen]
	return b64.EncodeToString(b)
}

// parseToken verifies a token under any of keys and returns its claims.
func parseToken(tok string, keys [][]byte) (claims, error) {
	var c claims
	if len(tok) > 4*maxClaim*2 {
		return c, errBadToken
	}
	b, err := b64.DecodeString(tok)
	if err != nil || len(b) < 2+8+1+3+tokenMACLen || b[0] != tokenVersion {
		return c, errBadToken
	}
	body, mac := b[:len(b)-tokenMACLen], b[len(b)-tokenMACLen:]
	ok := false
	for _, k := range keys {
		m := hmac.New(sha256.New, k)
		m.Write(body)
		if hmac.Equal(m.Sum(nil)[:tokenMACLen], mac) {
			ok = true
			break
		}
	}
	if !ok {
		return c, errBadToken
	}
	c.Client = body[1]&1 != 0
	copy(c.ID[:], body[2:10])
	rest := body[10:]
	secs, n := binary.Uvarint(rest)
	if n <= 0 {
		return c, errBadToken
	}
	c.Created = time.Unix(int64(secs), 0).UTC()
	rest = rest[n:]
	for _, dst := range []*string{&c.Source, &c.UID, &c.Content} {
		l, n := binary.Uvarint(rest)
		if n <= 0 || l > maxClaim || uint64(len(rest)-n) < l {
			return c, errBadToken
		}
		*dst = string(rest[n : n+int(l)])
		rest = rest[n+int(l):]
	}
	if len(rest) != 0 {
		return c, errBadToken
	}
	return c, nil
}

// parseKeys reads comma-separated hex session keys: the first signs, all verify (rotation).
func parseKeys(hexKeys []string) ([][]byte, error) {
	var keys [][]byte
	for _, h := range hexKeys {
		k, err := hex.DecodeString(h)
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("session key: want at least 32 bytes of hex")
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// checkClaim validates a viewer or content id carried in a token: printable ASCII, ≤ 128 bytes
// (the adserver's limit for ids it forwards).
func checkClaim(name, v string) error {
	if len(v) > maxClaim {
		return fmt.Errorf("%s: at most %d characters", name, maxClaim)
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return fmt.Errorf("%s: printable ASCII without spaces only", name)
		}
	}
	return nil
}
