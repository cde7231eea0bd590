package ssai

import (
	"bytes"
	"testing"
	"time"
)

var testKeys = [][]byte{bytes.Repeat([]byte{7}, 32)}

func TestTokenRoundTrip(t *testing.T) {
	c := newClaims("news", "viewer-1", "title-9", true, time.Unix(1_800_000_000, 0))
	tok := c.sign(testKeys[0])
	got, err := parseToken(tok, append([][]byte{bytes.Repeat([]byte{9}, 32)}, testKeys...))
	if err != nil || got != c {
		t.Fatalf("parseToken = %+v, %v; want %+v", got, err, c)
	}
	if _, err := parseToken(tok, [][]byte{bytes.Repeat([]byte{9}, 32)}); err == nil {
		t.Error("a token verified under a key that did not sign it")
	}
	b := []byte(tok)
	for i := range b {
		flipped := append([]byte(nil), b...)
		flipped[i] ^= 1
		if got, err := parseToken(string(flipped), testKeys); err == nil && got != c {
			t.Fatalf("a token with byte %d flipped verified: %+v", i, got)
		}
	}
}

// FuzzParseToken: whatever a player puts in the session segment of a URL is refused or
// verified, never a panic; a verified token re-signs to itself.
func FuzzParseToken(f *testing.F) {
	c := newClaims("news", "viewer-1", "", false, time.Unix(1_800_000_000, 0))
	f.Add(c.sign(testKeys[0]))
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := parseToken(tok, testKeys)
		if err != nil {
			return
		}
		if again := got.sign(testKeys[0]); again != tok {
			t.Fatalf("verified token %q re-signs as %q", tok, again)
		}
	})
}
