package catalog

import "fmt"

// Rating is a title's maturity rating, ordered from the mildest: a viewer allowed up to
// RatingPG13 may see every title whose Rating is ≤ RatingPG13.
type Rating uint8

// The maturity ladder (MPA names; TV ratings map onto it: TV-Y/TV-G → G, TV-PG → PG,
// TV-14 → PG-13, TV-MA → R).
const (
	RatingG Rating = iota
	RatingPG
	RatingPG13
	RatingR
	RatingNC17
)

// MaxRating is the most permissive rating: no maturity restriction.
const MaxRating = RatingNC17

var ratingNames = [...]string{"G", "PG", "PG-13", "R", "NC-17"}

// String returns the rating's name ("PG-13").
func (r Rating) String() string {
	if int(r) < len(ratingNames) {
		return ratingNames[r]
	}
	return fmt.Sprintf("Rating(%d)", r)
}

// ParseRating reads a rating name: G, PG, PG-13, R or NC-17, or the TV equivalents TV-Y,
// TV-Y7, TV-G, TV-PG, TV-14, TV-MA.
func ParseRating(s string) (Rating, error) {
	switch s {
	case "G", "TV-Y", "TV-Y7", "TV-G":
		return RatingG, nil
	case "PG", "TV-PG":
		return RatingPG, nil
	case "PG-13", "TV-14":
		return RatingPG13, nil
	case "R", "TV-MA":
		return RatingR, nil
	case "NC-17":
		return RatingNC17, nil
	}
	return 0, fmt.Errorf("unknown rating %q (want G, PG, PG-13, R, NC-17 or a TV rating)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (r Rating) MarshalText() ([]byte, error) {
	if int(r) >= len(ratingNames) {
		return nil, fmt.Errorf("invalid rating %d", r)
	}
	return []byte(ratingNames[r]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Rating) UnmarshalText(b []byte) error {
	v, err := ParseRating(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
