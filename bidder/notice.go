package bidder

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
)

// Notices: every bid carries three URLs the exchange calls back, with the OpenRTB macros it
// substitutes:
//
//	nurl  {public}/v1/notice/win?t=TOKEN&p=${AUCTION_PRICE}&a=${AUCTION_ID}&c=${AUCTION_CURRENCY}
//	burl  {public}/v1/notice/bill?t=TOKEN&p=${AUCTION_PRICE}&a=${AUCTION_ID}&c=${AUCTION_CURRENCY}
//	lurl  {public}/v1/notice/loss?t=TOKEN&a=${AUCTION_ID}&l=${AUCTION_LOSS}&m=${AUCTION_MIN_TO_WIN}
//
// A video bid whose VAST is served by its nurl (Config.VideoMarkup, Campaign.VideoMarkup) has
// no adm and the nurl path /v1/notice/vast: a win notice whose answer is the VAST document the
// adm would have carried (its impression and tracking URLs carry the same token).
//
// TOKEN is what the bidder knew when it bid (request, impression, bid, campaign, creative,
// deal, our price, the budget reserved, the shading level, the viewer for frequency caps),
// encoded compactly and signed with HMAC-SHA256 (truncated to 128 bits) under the notice key.
// The macros stay outside the signature (the exchange fills them in); the substituted
// ${AUCTION_ID} must equal the signed request id. A notice with a bad or missing signature is
// refused with 403, one older than NoticeTTL with 410.

// noticeToken is the signed part of a notice URL.
type noticeToken struct {
	Issued      int64 // Unix milliseconds of the bid
	RequestID   string
	ImpID       string
	BidID       string
	CampaignID  string
	CreativeID  string
	DealID      string
	ViewerID    string // empty unless frequency caps may count this viewer
	Currency    string // the bid's currency
	PriceMicros int64  // our bid, CPM, in micros of Currency
	Reserved    int64  // USD micros of budget reserved for this impression
	AT          int8
	ShadeBucket uint16
	ShadeLevel  uint8
}

const (
	tokenVersion = 1
	macLen       = 16
)

var errBadSignature = errors.New("notice signature invalid")

// signer signs and verifies tokens. It is safe for concurrent use (pooled HMAC states).
type signer struct {
	pool sync.Pool
}

func newSigner(key []byte) *signer {
	k := append([]byte(nil), key...)
	return &signer{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}
}

func (s *signer) mac(dst, msg []byte) []byte {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	var sum [sha256.Size]byte
	dst = append(dst, h.Sum(sum[:0])[:macLen]...)
	s.pool.Put(h)
	return dst
}

// appendToken appends the web-safe base64 of the signed token. scratch is reused.
func (s *signer) appendToken(dst []byte, t *noticeToken, scratch []byte) ([]byte, []byte) {
	p := scratch[:0]
	p = append(p, tokenVersion)
	p = binary.AppendVarint(p, t.Issued)
	for _, str := range [...]string{t.RequestID, t.ImpID, t.BidID, t.CampaignID, t.CreativeID, t.DealID, t.ViewerID, t.Currency} {
		p = binary.AppendUvarint(p, uint64(len(str)))
		p = append(p, str...)
	}
	p = binary.AppendVarint(p, t.PriceMicros)
	p = binary.AppendVarint(p, t.Reserved)
	p = append(p, byte(t.AT), byte(t.ShadeBucket>>8), byte(t.ShadeBucket), t.ShadeLevel)
	p = s.mac(p, p)
	n := base64.RawURLEncoding.EncodedLen(len(p))
	dst = grow(dst, n)
	base64.RawURLEncoding.Encode(dst[len(dst):len(dst)+n], p)
	return dst[:len(dst)+n], p
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), 2*cap(b)+n)
		copy(nb, b)
		return nb
	}
	return b
}

// parseToken verifies and decodes a token.
func (s *signer) parseToken(tok string) (*noticeToken, error) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < 1+macLen {
		return nil, errBadSignature
	}
	body, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(s.mac(nil, body), mac) {
		return nil, errBadSignature
	}
	if body[0] != tokenVersion {
		return nil, errBadSignature
	}
	r := body[1:]
	t := &noticeToken{}
	var ok bool
	if t.Issued, r, ok = readVarint(r); !ok {
		return nil, errBadSignature
	}
	for _, dst := range [...]*string{&t.RequestID, &t.ImpID, &t.BidID, &t.CampaignID, &t.CreativeID, &t.DealID, &t.ViewerID, &t.Currency} {
		n, m := binary.Uvarint(r)
		if m <= 0 || uint64(len(r)-m) < n {
			return nil, errBadSignature
		}
		*dst, r = string(r[m:m+int(n)]), r[m+int(n):]
	}
	if t.PriceMicros, r, ok = readVarint(r); !ok {
		return nil, errBadSignature
	}
	if t.Reserved, r, ok = readVarint(r); !ok || len(r) != 4 {
		return nil, errBadSignature
	}
	t.AT, t.ShadeBucket, t.ShadeLevel = int8(r[0]), uint16(r[1])<<8|uint16(r[2]), r[3]
	return t, nil
}

func readVarint(r []byte) (int64, []byte, bool) {
	v, n := binary.Varint(r)
	if n <= 0 {
		return 0, r, false
	}
	return v, r[n:], true
}

// Notice kinds: the URL path segment and the dedupe namespace.
const (
	kindWin  = "win"
	kindBill = "bill"
	kindLoss = "loss"
	kindImp  = "imp"
	// kindVAST is the nurl of a bid whose VAST is not in adm: a win notice that answers with
	// the VAST document.
	kindVAST = "vast"
)

// appendNoticeURL appends the notice URL of kind for the token text.
func appendNoticeURL(dst []byte, public, kind string, token []byte) []byte {
	dst = append(dst, public...)
	dst = append(dst, "/v1/notice/"...)
	dst = append(dst, kind...)
	dst = append(dst, "?t="...)
	dst = append(dst, token...)
	switch kind {
	case kindWin, kindBill, kindVAST:
		dst = append(dst, "&p=${AUCTION_PRICE}&a=${AUCTION_ID}&c=${AUCTION_CURRENCY}"...)
	case kindLoss:
		dst = append(dst, "&a=${AUCTION_ID}&l=${AUCTION_LOSS}&m=${AUCTION_MIN_TO_WIN}"...)
	}
	return dst
}
