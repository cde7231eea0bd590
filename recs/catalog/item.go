package catalog

import "time"

// Item is one title as the catalogue file and the player see it.
type Item struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Genres []string `json:"genres"` // 1..MaxItemGenres, the first is the primary genre
	Year   int      `json:"year"`
	Rating Rating   `json:"rating"` // maturity rating
	// DurationS is the running time in seconds (0 for a live channel).
	DurationS int `json:"duration_s"`
	// Colors are the poster's colours, "#rrggbb", background first: the player draws a
	// placeholder poster from them before (or instead of) loading artwork.
	Colors []string `json:"colors"`
	// Regions are the ISO 3166-1 alpha-2 countries where the title is licensed; empty means
	// everywhere.
	Regions []string `json:"regions,omitempty"`
	// Added is when the title joined the catalogue (fresh titles are explored); Until, when set,
	// is when its license ends (the title is hidden from then on).
	Added time.Time `json:"added"`
	Until time.Time `json:"until,omitzero"`
}

// PrimaryGenre is the item's first genre.
func (it *Item) PrimaryGenre() string {
	if len(it.Genres) == 0 {
		return ""
	}
	return it.Genres[0]
}
