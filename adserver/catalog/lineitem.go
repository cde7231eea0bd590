package catalog

import (
	"fmt"
	"time"
)

// Line item kinds, in the order they fill a break after the auction.
const (
	KindDirect = "direct" // sold directly, at a negotiated CPM
	KindHouse  = "house"  // the publisher's own promotions: fill what nothing else did
)

// LineItem is an ad the publisher sold or placed itself, played from a catalog creative.
// Direct line items fill the time the auction left, by CPM; house line items fill what
// remains.
type LineItem struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	CPMMicros  int64     `json:"cpm_micros"`
	Advertiser string    `json:"advertiser"`
	ADomain    string    `json:"adomain"`
	Categories []string  `json:"categories,omitempty"`
	CreativeID string    `json:"creative_id"`
	ClickURL   string    `json:"click_url,omitempty"`
	Start      time.Time `json:"start,omitzero"`
	End        time.Time `json:"end,omitzero"`
	Paused     bool      `json:"paused,omitempty"`
}

// Live reports whether the line item may serve at t.
func (l *LineItem) Live(t time.Time) bool {
	return !l.Paused && (l.Start.IsZero() || !t.Before(l.Start)) && (l.End.IsZero() || t.Before(l.End))
}

// Validate reports the first field that is missing or out of range.
func (l *LineItem) Validate() error {
	switch {
	case !validID(l.ID):
		return fmt.Errorf("id %q: want 1-128 letters, digits, '.', '_' or '-'", l.ID)
	case l.Kind != KindDirect && l.Kind != KindHouse:
		return fmt.Errorf("kind %q: want %q or %q", l.Kind, KindDirect, KindHouse)
	case l.CPMMicros < 0 || l.CPMMicros > 1_000_000_000_000:
		return fmt.Errorf("cpm_micros %d out of range", l.CPMMicros)
	case l.Kind == KindDirect && l.CPMMicros == 0:
		return fmt.Errorf("a direct line item needs a cpm_micros")
	case !validID(l.CreativeID):
		return fmt.Errorf("creative_id %q is not a catalog id", l.CreativeID)
	case !l.End.IsZero() && !l.End.After(l.Start):
		return fmt.Errorf("end %s is not after start %s", l.End, l.Start)
	}
	return nil
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
