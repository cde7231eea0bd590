package catalog

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// DemoGenres are the genres of the generated catalogue.
var DemoGenres = []string{
	"drama", "comedy", "thriller", "documentary", "kids", "sports",
	"reality", "action", "sci-fi", "romance", "animation", "news",
}

// DemoRegions are the countries the generated catalogue's regional licenses use.
var DemoRegions = []string{"US", "CA", "GB", "DE", "FR", "ES", "IT", "JP", "BR", "AU", "IN", "MX"}

var (
	adjectives = []string{"Silent", "Golden", "Broken", "Midnight", "Hidden", "Last", "Crimson", "Frozen",
		"Electric", "Wild", "Lost", "Secret", "Burning", "Distant", "Quiet", "Restless", "Iron", "Velvet",
		"Hollow", "Bright", "Endless", "Savage", "Gentle", "Northern"}
	nouns = []string{"Harbor", "Signal", "Kingdom", "Protocol", "Garden", "Frontier", "Empire", "River",
		"Witness", "Horizon", "Circuit", "Orchard", "Summit", "Archive", "Current", "Lantern", "Voyage",
		"Station", "Reckoning", "Meadow", "Outpost", "Carnival", "Tide", "Engine"}
	places = []string{"Avalon", "the North", "Tomorrow", "the Deep", "Brooklyn", "the Valley", "Mars",
		"the Coast", "Paris", "the Old Town", "Lagos", "the Islands"}
	// Hue (degrees) of each demo genre's posters.
	genreHue = map[string]float64{"drama": 215, "comedy": 48, "thriller": 0, "documentary": 150,
		"kids": 300, "sports": 120, "reality": 30, "action": 15, "sci-fi": 190, "romance": 340,
		"animation": 270, "news": 230}
)

// Generate returns a deterministic demo catalogue of n titles, ids "item-1" … "item-n", as of
// now: genres with a primary one, years skewed to recent, ratings that fit the genre (kids and
// animation titles are G or PG), running times by kind, poster colours by genre, 15% of titles
// licensed in a few regions only, a few percent added in the last week (fresh) or with a
// license that ended (hidden). The same n, seed and now give the same catalogue.
func Generate(n int, seed uint64, now time.Time) *Catalog {
	rng := rand.New(rand.NewPCG(seed, 0x5ca1ab1e))
	now = now.UTC().Truncate(time.Second)
	items := make([]Item, n)
	for i := range items {
		items[i] = generateItem(rng, i, now)
	}
	c, err := New(items)
	if err != nil {
		panic("catalog: generated an invalid item: " + err.Error()) // a bug in Generate
	}
	return c
}

func generateItem(rng *rand.Rand, i int, now time.Time) Item {
	primary := DemoGenres[rng.IntN(len(DemoGenres))]
	genres := []string{primary}
	for k := rng.IntN(3); k > 0; k-- {
		g := DemoGenres[rng.IntN(len(DemoGenres))]
		if !contains(genres, g) && !(isKids(primary) && !kidsSafe(g)) {
			genres = append(genres, g)
		}
	}
	it := Item{
		ID:     fmt.Sprintf("item-%d", i+1),
		Title:  title(rng, primary),
		Genres: genres,
		Year:   now.Year() - int(math.Min(55, rng.ExpFloat64()*8)),
		Rating: rating(rng, genres),
		Colors: colors(rng, primary),
	}
	switch primary {
	case "news", "sports":
		it.DurationS = 1800 + 300*rng.IntN(13) // programmes of 30..90 min
	case "kids", "animation":
		it.DurationS = 600 + 60*rng.IntN(80)
	default:
		if rng.IntN(2) == 0 {
			it.DurationS = 1320 + 60*rng.IntN(40) // episodes
		} else {
			it.DurationS = 4800 + 60*rng.IntN(90) // films
		}
	}
	if rng.IntN(100) < 15 {
		for k := 1 + rng.IntN(4); k > 0; k-- {
			r := DemoRegions[rng.IntN(len(DemoRegions))]
			if !contains(it.Regions, r) {
				it.Regions = append(it.Regions, r)
			}
		}
	}
	switch p := rng.IntN(100); {
	case p < 4: // fresh: added in the last week
		it.Added = now.Add(-time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))
	default:
		it.Added = now.Add(-7*24*time.Hour - time.Duration(rng.Int64N(int64(3*365*24*time.Hour))))
	}
	it.Added = it.Added.Truncate(time.Second)
	switch p := rng.IntN(100); {
	case p < 2: // license ended in the last month
		it.Until = now.Add(-time.Duration(1 + rng.Int64N(int64(30*24*time.Hour)))).Truncate(time.Second)
		if !it.Until.After(it.Added) {
			it.Until = time.Time{}
		}
	case p < 7: // license ends within the next year
		it.Until = now.Add(time.Duration(1 + rng.Int64N(int64(365*24*time.Hour)))).Truncate(time.Second)
	}
	if it.Year < it.Added.Year()-60 {
		it.Year = it.Added.Year() - 60
	}
	if it.Year > it.Added.Year() {
		it.Year = it.Added.Year()
	}
	return it
}

func isKids(g string) bool { return g == "kids" || g == "animation" }
func kidsSafe(g string) bool {
	return g == "kids" || g == "animation" || g == "comedy" || g == "documentary"
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func title(rng *rand.Rand, genre string) string {
	adj, noun := adjectives[rng.IntN(len(adjectives))], nouns[rng.IntN(len(nouns))]
	switch rng.IntN(5) {
	case 0:
		return noun + " of " + places[rng.IntN(len(places))]
	case 1:
		return adj + " " + noun
	case 2:
		if genre == "documentary" || genre == "news" {
			return "Inside the " + noun
		}
		return "The " + adj + " " + noun + " " + []string{"II", "III", "Returns", "Rising"}[rng.IntN(4)]
	default:
		return "The " + adj + " " + noun
	}
}

func rating(rng *rand.Rand, genres []string) Rating {
	for _, g := range genres {
		if isKids(g) {
			return Rating(rng.IntN(2)) // G or PG
		}
	}
	switch p := rng.IntN(100); {
	case p < 10:
		return RatingPG
	case p < 55:
		return RatingPG13
	case p < 97:
		return RatingR
	default:
		return RatingNC17
	}
}

// colors returns a background in the genre's hue, an accent, and a readable text colour.
func colors(rng *rand.Rand, genre string) []string {
	h := math.Mod(genreHue[genre]+rng.Float64()*40-20+360, 360)
	bgL := 0.18 + rng.Float64()*0.3
	bg := hsl(h, 0.45+rng.Float64()*0.4, bgL)
	accent := hsl(math.Mod(h+150+rng.Float64()*60, 360), 0.7, 0.55)
	text := "#f5f5f5"
	if bgL > 0.42 {
		text = "#111111"
	}
	return []string{bg, accent, text}
}

// hsl converts a colour from hue (degrees), saturation and lightness (0..1) to #rrggbb.
func hsl(h, s, l float64) string {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	to := func(v float64) int { return int(math.Round((v + m) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", to(r), to(g), to(b))
}
