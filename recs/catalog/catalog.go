package catalog

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Limits of a catalogue, checked by New and Parse.
const (
	MaxItems      = 1 << 20 // titles in one catalogue
	MaxIDLen      = 128     // bytes of a title id (the analytics events' token limit)
	MaxTitleLen   = 200     // bytes of a title
	MaxItemGenres = 5       // genres of one title
	MaxGenres     = 64      // distinct genres of a catalogue (they are bits of a uint64)
	MaxGenreLen   = 32      // bytes of a genre name
	MaxColors     = 4       // poster colours of one title
	MaxRegions    = 300     // regions of one title
	MaxDurationS  = 7 * 24 * 3600
)

// Catalog is an immutable, validated set of titles with dense indexes. It is safe for
// concurrent use.
type Catalog struct {
	items     []Item
	byID      map[string]int32
	genres    []string // genre bit → name, in order of first appearance
	genreMask []uint64 // item → bitmask of its genres
	primary   []uint8  // item → bit of its primary genre
	rights    []rights // item → what the request-path filters read, together in memory
}

// rights is what decides whether a title may be shown: one cache line per title for the
// filters that run on every candidate.
type rights struct {
	added   int64 // when it joined, Unix ms
	until   int64 // license end, Unix ms; 0: none
	rating  Rating
	regions []Region // sorted; empty: everywhere
}

// New validates items and returns a catalogue of copies of them, indexed in the given order.
// The error names the first offending item and field.
func New(items []Item) (*Catalog, error) {
	if len(items) > MaxItems {
		return nil, fmt.Errorf("catalog: %d items, more than %d", len(items), MaxItems)
	}
	c := &Catalog{
		items:     make([]Item, len(items)),
		byID:      make(map[string]int32, len(items)),
		genreMask: make([]uint64, len(items)),
		primary:   make([]uint8, len(items)),
		rights:    make([]rights, len(items)),
	}
	genreBit := map[string]uint8{}
	for i := range items {
		it := items[i]
		if err := check(&it); err != nil {
			return nil, fmt.Errorf("catalog: item %d (%q): %w", i, it.ID, err)
		}
		if _, dup := c.byID[it.ID]; dup {
			return nil, fmt.Errorf("catalog: item %d: duplicate id %q", i, it.ID)
		}
		it.Genres = slices.Clone(it.Genres)
		it.Colors = slices.Clone(it.Colors)
		it.Regions = slices.Clone(it.Regions)
		c.items[i] = it
		c.byID[it.ID] = int32(i)
		for g, name := range it.Genres {
			bit, ok := genreBit[name]
			if !ok {
				if len(c.genres) == MaxGenres {
					return nil, fmt.Errorf("catalog: item %d (%q): more than %d distinct genres", i, it.ID, MaxGenres)
				}
				bit = uint8(len(c.genres))
				genreBit[name] = bit
				c.genres = append(c.genres, name)
			}
			c.genreMask[i] |= 1 << bit
			if g == 0 {
				c.primary[i] = bit
			}
		}
		rt := &c.rights[i]
		rt.rating, rt.added = it.Rating, it.Added.UnixMilli()
		if !it.Until.IsZero() {
			rt.until = it.Until.UnixMilli()
		}
		if len(it.Regions) > 0 {
			rs := make([]Region, len(it.Regions))
			for k, r := range it.Regions {
				rs[k], _ = ParseRegion(r) // checked above
			}
			slices.Sort(rs)
			rt.regions = slices.Compact(rs)
		}
	}
	return c, nil
}

func check(it *Item) error {
	if err := checkID(it.ID); err != nil {
		return err
	}
	if it.Title == "" || len(it.Title) > MaxTitleLen || !utf8.ValidString(it.Title) {
		return fmt.Errorf("title: want 1..%d bytes of UTF-8", MaxTitleLen)
	}
	if len(it.Genres) == 0 || len(it.Genres) > MaxItemGenres {
		return fmt.Errorf("genres: want 1..%d, got %d", MaxItemGenres, len(it.Genres))
	}
	for k, g := range it.Genres {
		if err := checkGenre(g); err != nil {
			return fmt.Errorf("genres[%d]: %w", k, err)
		}
		if slices.Index(it.Genres[:k], g) >= 0 {
			return fmt.Errorf("genres[%d]: %q listed twice", k, g)
		}
	}
	if it.Year < 1880 || it.Year > 2100 {
		return fmt.Errorf("year: %d is outside 1880..2100", it.Year)
	}
	if it.Rating > MaxRating {
		return fmt.Errorf("rating: invalid value %d", it.Rating)
	}
	if it.DurationS < 0 || it.DurationS > MaxDurationS {
		return fmt.Errorf("duration_s: %d is outside 0..%d", it.DurationS, MaxDurationS)
	}
	if len(it.Colors) == 0 || len(it.Colors) > MaxColors {
		return fmt.Errorf("colors: want 1..%d, got %d", MaxColors, len(it.Colors))
	}
	for k, col := range it.Colors {
		if !isHexColor(col) {
			return fmt.Errorf("colors[%d]: %q is not #rrggbb", k, col)
		}
	}
	if len(it.Regions) > MaxRegions {
		return fmt.Errorf("regions: more than %d", MaxRegions)
	}
	for k, r := range it.Regions {
		if _, err := ParseRegion(r); err != nil {
			return fmt.Errorf("regions[%d]: %w", k, err)
		}
	}
	if it.Added.IsZero() {
		return fmt.Errorf("added: required")
	}
	if !it.Until.IsZero() && !it.Until.After(it.Added) {
		return fmt.Errorf("until: %s is not after added %s", it.Until.Format(time.RFC3339), it.Added.Format(time.RFC3339))
	}
	return nil
}

// checkID accepts 1..MaxIDLen bytes of printable ASCII without spaces, quotes or
// backslashes: ids travel in URLs, JSON and analytics events unescaped.
func checkID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("id: want 1..%d bytes", MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if b := id[i]; b <= ' ' || b >= 0x7f || b == '"' || b == '\\' || b == '&' || b == '?' || b == '#' || b == '%' || b == '/' {
			return fmt.Errorf("id: byte %d (%q) is not allowed", i, b)
		}
	}
	return nil
}

func checkGenre(g string) error {
	if g == "" || len(g) > MaxGenreLen {
		return fmt.Errorf("want 1..%d bytes", MaxGenreLen)
	}
	for i := 0; i < len(g); i++ {
		if b := g[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return fmt.Errorf("%q: want lower-case letters, digits, '-' and '_'", g)
		}
	}
	return nil
}

func isHexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		b := s[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F') {
			return false
		}
	}
	return true
}

// Len is the number of titles.
func (c *Catalog) Len() int { return len(c.items) }

// Item returns the title at index i (0 ≤ i < Len). The Item is shared: do not modify it.
func (c *Catalog) Item(i int32) *Item { return &c.items[i] }

// ID returns the id of the title at index i.
func (c *Catalog) ID(i int32) string { return c.items[i].ID }

// Index returns the index of the title id.
func (c *Catalog) Index(id string) (int32, bool) {
	i, ok := c.byID[id]
	return i, ok
}

// AddedMS returns when the title joined the catalogue, Unix milliseconds.
func (c *Catalog) AddedMS(i int32) int64 { return c.rights[i].added }

// Genres returns the catalogue's genres; genre bit b of GenreMask is Genres()[b].
func (c *Catalog) Genres() []string { return slices.Clone(c.genres) }

// GenreMask returns the bitmask of the title's genres.
func (c *Catalog) GenreMask(i int32) uint64 { return c.genreMask[i] }

// PrimaryGenre returns the bit of the title's primary genre.
func (c *Catalog) PrimaryGenre(i int32) uint8 { return c.primary[i] }

// Available reports whether the title may be shown in region r at now: licensed there (or
// everywhere), added by now and not past its license end. A viewer of unknown region (0)
// sees only titles licensed everywhere.
func (c *Catalog) Available(i int32, r Region, now time.Time) bool {
	return c.Allowed(i, r, MaxRating, now.UnixMilli())
}

// Allowed is Available and a maturity limit in one check, with the time in Unix ms: the
// request path's filter.
func (c *Catalog) Allowed(i int32, r Region, maxRating Rating, nowMS int64) bool {
	rt := &c.rights[i]
	if rt.rating > maxRating || rt.added > nowMS || rt.until != 0 && nowMS >= rt.until {
		return false
	}
	if len(rt.regions) == 0 || r == AnyRegion {
		return true
	}
	for _, x := range rt.regions {
		if x == r {
			return true
		}
	}
	return false
}
