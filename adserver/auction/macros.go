package auction

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Macros are the values substituted for the OpenRTB 2.6 substitution macros (section 4.4) in
// a bid's nurl, burl, lurl and adm.
type Macros struct {
	AuctionID string
	BidID     string
	ImpID     string
	SeatID    string
	AdID      string
	// PriceMicros is the clearing price; 0 leaves ${AUCTION_PRICE} out (loss notices).
	PriceMicros int64
	Currency    string
	// MBR is the market bid ratio, clearing price / bid (0: not written).
	MBR float64
	// Loss is the loss reason (section 5.25); MinToWinMicros the price that would have won.
	Loss           int
	MinToWinMicros int64
}

// Expand returns s with every ${AUCTION_…} macro replaced; a ":B64" suffix (${AUCTION_PRICE:B64})
// asks for the value in URL-safe base64. Unknown macros are left as they are. s is returned
// unchanged, without allocating, when it has no macro.
func (m *Macros) Expand(s string) string {
	i := strings.Index(s, "${AUCTION_")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:]
		end := strings.IndexByte(s, '}')
		if end < 0 {
			break
		}
		name := s[2:end]
		b64 := strings.HasSuffix(name, ":B64")
		name = strings.TrimSuffix(name, ":B64")
		v, ok := m.value(name)
		switch {
		case !ok:
			b.WriteString(s[:end+1])
		case b64:
			b.WriteString(base64.RawURLEncoding.EncodeToString([]byte(v)))
		default:
			b.WriteString(v)
		}
		s = s[end+1:]
		i = strings.Index(s, "${AUCTION_")
	}
	b.WriteString(s)
	return b.String()
}

func (m *Macros) value(name string) (string, bool) {
	switch name {
	case "AUCTION_ID":
		return m.AuctionID, true
	case "AUCTION_BID_ID":
		return m.BidID, true
	case "AUCTION_IMP_ID":
		return m.ImpID, true
	case "AUCTION_SEAT_ID":
		return m.SeatID, true
	case "AUCTION_AD_ID":
		return m.AdID, true
	case "AUCTION_CURRENCY":
		return m.Currency, true
	case "AUCTION_PRICE":
		if m.PriceMicros <= 0 {
			return "", true
		}
		return string(formatPrice(nil, m.PriceMicros)), true
	case "AUCTION_MBR":
		if m.MBR <= 0 {
			return "", true
		}
		return strconv.FormatFloat(m.MBR, 'f', 4, 64), true
	case "AUCTION_LOSS":
		return strconv.Itoa(m.Loss), true
	case "AUCTION_MIN_TO_WIN":
		if m.MinToWinMicros <= 0 {
			return "", true
		}
		return string(formatPrice(nil, m.MinToWinMicros)), true
	case "AUCTION_MULTIPLIER":
		return "1", true
	}
	return "", false
}
