package beacon

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Errors from Verify. Both are answered 403 and counted; neither is ever counted as an event.
var (
	// ErrInvalid means the beacon is unsigned, its signature does not match its parameters,
	// its key is unknown, or a parameter is malformed: tampered with or forged.
	ErrInvalid = errors.New("beacon: invalid signature")
	// ErrExpired means the beacon is genuine but older than MaxAge (or issued in the future).
	ErrExpired = errors.New("beacon: expired")
)

// Query is a parsed query string: fasthttp.Args satisfies it. Peek returns the unescaped
// value of the first parameter named key, or nil.
type Query interface {
	Peek(key string) []byte
}

// clockSkew is how far in the future a beacon's issue time may be (clocks of the instances
// that sign and verify differ a little).
const clockSkew = 5 * time.Minute

// Verify checks the beacon for event with the query's parameters and returns what it says.
// The error wraps ErrInvalid or ErrExpired.
func (s *Signer) Verify(event string, q Query, now time.Time) (*Beacon, error) {
	sig := q.Peek(pSig)
	if len(sig) != base64.RawURLEncoding.EncodedLen(macBytes) {
		return nil, fmt.Errorf("%w: missing or malformed sig", ErrInvalid)
	}
	var got [macBytes]byte
	if n, err := base64.RawURLEncoding.Decode(got[:], sig); err != nil || n != macBytes {
		return nil, fmt.Errorf("%w: malformed sig", ErrInvalid)
	}
	kid := string(q.Peek(pKey))
	var k *key
	for _, c := range s.keys {
		if c.id == kid {
			k = c
			break
		}
	}
	if k == nil {
		return nil, fmt.Errorf("%w: unknown key %q", ErrInvalid, kid)
	}
	b := &Beacon{Event: event}
	str := func(p string) string { return string(q.Peek(p)) }
	b.AdServingID, b.Creative, b.Campaign, b.Session = str(pAd), str(pCreative), str(pCampaign), str(pSession)
	b.Break, b.Viewer, b.ADomain, b.Bidder = str(pBreak), str(pViewer), str(pDomain), str(pBidder)
	b.Currency = str(pCurrency)
	pos, price, issued, third := str(pPosition), str(pPrice), str(pIssued), str(pThird)
	fs := b.fields(issued, third)
	fs[8].v, fs[9].v = pos, price // verify what was sent, not a re-formatting of it
	var want [macBytes]byte
	k.mac(want[:0], event, &fs)
	if !hmac.Equal(got[:], want[:]) {
		return nil, fmt.Errorf("%w: signature does not match", ErrInvalid)
	}
	// Signed, so well-formed unless our own signer was wrong; still, parse defensively.
	var err error
	if b.AdServingID == "" {
		return nil, fmt.Errorf("%w: no ad serving id", ErrInvalid)
	}
	if pos != "" {
		if b.Position, err = strconv.Atoi(pos); err != nil || b.Position < 0 {
			return nil, fmt.Errorf("%w: position %q", ErrInvalid, pos)
		}
	}
	if price != "" {
		if b.PriceMicros, err = strconv.ParseInt(price, 10, 64); err != nil || b.PriceMicros < 0 {
			return nil, fmt.Errorf("%w: price %q", ErrInvalid, price)
		}
	}
	ms, err := strconv.ParseInt(issued, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: issue time %q", ErrInvalid, issued)
	}
	b.Issued = time.UnixMilli(ms).UTC()
	if now.Sub(b.Issued) > s.maxAge || b.Issued.Sub(now) > clockSkew {
		return nil, fmt.Errorf("%w: issued %s", ErrExpired, b.Issued.Format(time.RFC3339))
	}
	if third != "" {
		if b.BillingURL, b.ThirdParty, err = unpackURLs(third); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	if c := q.Peek(pCode); len(c) > 0 && event == "error" {
		if n, err := strconv.Atoi(string(c)); err == nil && n >= 100 && n <= 999 {
			b.ErrorCode = n
		} else {
			b.ErrorCode = 900 // the macro was not substituted, or with nonsense: undefined error
		}
	}
	return b, nil
}
