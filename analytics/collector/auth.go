package collector

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"encoding/json"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// Headers and the query parameter that carry a sender's credentials.
const (
	HeaderSender    = "X-Cuepoint-Sender"
	HeaderSignature = "X-Cuepoint-Signature"
	HeaderToken     = "X-Cuepoint-Token"
	QueryToken      = "token"
)

// MinSecretLen is the shortest sender secret accepted: 256 bits.
const MinSecretLen = 32

// Domain-separation prefixes: a request signature can never be passed off as a token, nor the
// other way round, even though both are HMACs under the same secret.
const (
	requestDomain = "cuepoint-request-v1\n"
	tokenDomain   = "cuepoint-token-v1\n"
)

// Sender is a client allowed to post events: a service, a partner, or the pages of a web
// player (through tokens minted by the server that renders them).
type Sender struct {
	// ID names the sender in X-Cuepoint-Sender, in tokens, in logs and in deduplication.
	ID string
	// Secrets are the sender's HMAC-SHA256 keys, each at least MinSecretLen bytes. The first
	// signs and mints; every one verifies, so a key is rotated by putting the new one first,
	// updating the clients, then removing the old one.
	Secrets [][]byte
	// Families are the event families the sender may post; an event of any other family is
	// rejected. A web player sends playback and ads events; it has no business sending wins.
	Families []events.Family
}

func (s *Sender) validate() error {
	switch {
	case s.ID == "" || len(s.ID) > events.MaxTokenLen || strings.ContainsAny(s.ID, " \t\r\n\",\\|"):
		return fmt.Errorf("sender id %q: want 1–%d printable characters without spaces, quotes, commas or bars", s.ID, events.MaxTokenLen)
	case len(s.Secrets) == 0:
		return fmt.Errorf("sender %s: no secret", s.ID)
	case len(s.Families) == 0:
		return fmt.Errorf("sender %s: no families allowed", s.ID)
	}
	for i, k := range s.Secrets {
		if len(k) < MinSecretLen {
			return fmt.Errorf("sender %s: secret %d is %d bytes, want at least %d (e.g. `openssl rand -hex 32`)", s.ID, i, len(k), MinSecretLen)
		}
	}
	for _, f := range s.Families {
		if !slices.Contains(events.Families, f) {
			return fmt.Errorf("sender %s: unknown family %q", s.ID, f)
		}
	}
	return nil
}

func (s *Sender) allows(f events.Family) bool { return slices.Contains(s.Families, f) }

// AuthError is a request refused before its events were read: the credentials are missing,
// unknown, wrong or stale (401), or do not cover the request's origin (403). Reason is a short
// fixed label for metrics; the message tells the client what to fix.
type AuthError struct {
	Status int
	Reason string
	msg    string
}

func (e *AuthError) Error() string { return e.msg }

func unauthorized(reason, format string, args ...any) *AuthError {
	return &AuthError{Status: 401, Reason: reason, msg: fmt.Sprintf(format, args...)}
}

// Sign returns the X-Cuepoint-Signature value for a request body (the bytes as sent, after any
// gzip) posted at time now by sender with secret:
//
//	t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "cuepoint-request-v1\n" + sender + "\n" + t + "\n" + body)>
func Sign(sender string, secret, body []byte, now time.Time) string {
	t := strconv.FormatInt(now.Unix(), 10)
	return "t=" + t + ",v1=" + hex.EncodeToString(requestMAC(secret, sender, t, body))
}

func requestMAC(secret []byte, sender, t string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(requestDomain))
	m.Write([]byte(sender))
	m.Write([]byte{'\n'})
	m.Write([]byte(t))
	m.Write([]byte{'\n'})
	m.Write(body)
	return m.Sum(nil)
}

// verifySignature checks a signed request: the signature is a MAC under one of the sender's
// secrets over the body, and its time is within skew of now (a captured request cannot be
// replayed later; one replayed sooner is caught by event deduplication).
func verifySignature(s *Sender, header string, body []byte, now time.Time, skew time.Duration) error {
	var t, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t = v
		case "v1":
			sig = v
		}
	}
	ts, err := strconv.ParseInt(t, 10, 64)
	mac, herr := hex.DecodeString(sig)
	if err != nil || herr != nil || len(mac) != sha256.Size {
		return unauthorized("bad_signature", "malformed %s: want t=<unix seconds>,v1=<64 hex digits>", HeaderSignature)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > skew || d < -skew {
		return unauthorized("stale_signature", "signature time %s is more than %s from the server's clock: sign each request when sending it (or fix the sender's clock)",
			time.Unix(ts, 0).UTC().Format(time.RFC3339), skew)
	}
	for _, k := range s.Secrets {
		if hmac.Equal(mac, requestMAC(k, s.ID, t, body)) {
			return nil
		}
	}
	return unauthorized("bad_signature", "signature does not match the body for sender %s (sign the exact bytes sent, after gzip)", s.ID)
}

// A token lets a browser post events for a sender without holding its secret. The server that
// renders the player page mints one per page view, bound to the page's origin and valid for
// minutes; the page sends it in X-Cuepoint-Token, or in the token query parameter where it
// cannot set headers (navigator.sendBeacon).
//
//	token   = base64url(payload) "." base64url(HMAC-SHA256(secret, "cuepoint-token-v1\n" + base64url(payload)))
//	payload = {"s":"<sender>","o":"<origin>","e":<expiry, unix seconds>}
type tokenPayload struct {
	Sender string `json:"s"`
	Origin string `json:"o"`
	Expiry int64  `json:"e"`
}

var b64 = base64.RawURLEncoding

// MintToken returns a token for sender, valid until now+ttl for pages served from origin
// (scheme://host[:port], exactly as browsers send it in the Origin header).
func MintToken(sender string, secret []byte, origin string, ttl time.Duration, now time.Time) (string, error) {
	if origin == "" || strings.HasSuffix(origin, "/") {
		return "", fmt.Errorf("collector: token origin %q: want scheme://host[:port], without a trailing slash", origin)
	}
	if ttl <= 0 {
		return "", errors.New("collector: token ttl must be positive")
	}
	raw, err := json.Marshal(tokenPayload{Sender: sender, Origin: origin, Expiry: now.Add(ttl).Unix()})
	if err != nil {
		return "", err
	}
	p := b64.EncodeToString(raw)
	return p + "." + b64.EncodeToString(tokenMAC(secret, p)), nil
}

func tokenMAC(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(tokenDomain))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// verifyToken checks a token and returns its sender. origin is the request's Origin header.
func verifyToken(senders map[string]*Sender, token, origin string, now time.Time, maxTTL time.Duration) (*Sender, error) {
	p, sig, ok := strings.Cut(token, ".")
	raw, err := b64.DecodeString(p)
	mac, merr := b64.DecodeString(sig)
	var tp tokenPayload
	if !ok || err != nil || merr != nil || json.Unmarshal(raw, &tp) != nil {
		return nil, unauthorized("bad_token", "malformed token: want <payload>.<mac> in base64url, as minted by collector.MintToken")
	}
	s := senders[tp.Sender]
	if s == nil {
		return nil, unauthorized("unknown_sender", "token names unknown sender %q", tp.Sender)
	}
	valid := false
	for _, k := range s.Secrets {
		valid = valid || hmac.Equal(mac, tokenMAC(k, p))
	}
	if !valid {
		return nil, unauthorized("bad_token", "token signature does not match sender %s's secrets", s.ID)
	}
	exp := time.Unix(tp.Expiry, 0)
	if !now.Before(exp) {
		return nil, unauthorized("expired_token", "token expired at %s: the page must fetch a fresh one", exp.UTC().Format(time.RFC3339))
	}
	if exp.Sub(now) > maxTTL {
		return nil, unauthorized("bad_token", "token valid until %s, longer than the %s this collector allows", exp.UTC().Format(time.RFC3339), maxTTL)
	}
	if origin != tp.Origin {
		if origin == "" {
			origin = "(none)"
		}
		return nil, &AuthError{Status: 403, Reason: "origin_mismatch",
			msg: fmt.Sprintf("token is for pages of %s; this request's Origin is %s", tp.Origin, origin)}
	}
	return s, nil
}
