package catalog

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestGenerateIsDeterministicAndValid(t *testing.T) {
	a, b := Generate(500, 7, t0), Generate(500, 7, t0)
	if a.Len() != 500 {
		t.Fatalf("Len = %d", a.Len())
	}
	if !reflect.DeepEqual(a.items, b.items) {
		t.Fatal("same seed, different catalogues")
	}
	if c := Generate(500, 8, t0); reflect.DeepEqual(a.items, c.items) {
		t.Fatal("different seeds, same catalogue")
	}
	var fresh, regional, hidden, kidsR int
	for i := range int32(a.Len()) {
		it := a.Item(i)
		if it.ID != "item-"+strconv.Itoa(int(i)+1) {
			t.Fatalf("item %d has id %q", i, it.ID)
		}
		if t0.Sub(it.Added) < 7*24*time.Hour {
			fresh++
		}
		if len(it.Regions) > 0 {
			regional++
		}
		if !a.Available(i, MustRegion("US"), t0) && len(it.Regions) == 0 {
			hidden++
		}
		for _, g := range it.Genres {
			if (g == "kids" || g == "animation") && it.Rating > RatingPG {
				kidsR++
			}
		}
	}
	if fresh == 0 || regional == 0 || hidden == 0 {
		t.Fatalf("want some fresh (%d), regional (%d) and expired (%d) titles", fresh, regional, hidden)
	}
	if kidsR != 0 {
		t.Fatalf("%d kids titles rated above PG", kidsR)
	}
}

func TestRoundTrip(t *testing.T) {
	c := Generate(50, 1, t0)
	data, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.items, d.items) {
		t.Fatal("round trip changed the catalogue")
	}
	path := t.TempDir() + "/c.json"
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	e, err := Load(path)
	if err != nil || e.Len() != 50 {
		t.Fatalf("Load: %v", err)
	}
}

func validItem() Item {
	return Item{ID: "a", Title: "A", Genres: []string{"drama"}, Year: 2020, Rating: RatingPG,
		DurationS: 60, Colors: []string{"#000000"}, Added: t0.Add(-time.Hour)}
}

func TestNewNamesTheBadField(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Item)
		want string
	}{
		{"empty id", func(it *Item) { it.ID = "" }, "id"},
		{"id with slash", func(it *Item) { it.ID = "a/b" }, "id"},
		{"id with quote", func(it *Item) { it.ID = `a"b` }, "id"},
		{"no title", func(it *Item) { it.Title = "" }, "title"},
		{"no genres", func(it *Item) { it.Genres = nil }, "genres"},
		{"upper-case genre", func(it *Item) { it.Genres = []string{"Drama"} }, "genres[0]"},
		{"genre twice", func(it *Item) { it.Genres = []string{"drama", "drama"} }, "genres[1]"},
		{"year", func(it *Item) { it.Year = 1700 }, "year"},
		{"rating", func(it *Item) { it.Rating = 9 }, "rating"},
		{"duration", func(it *Item) { it.DurationS = -1 }, "duration_s"},
		{"colour", func(it *Item) { it.Colors = []string{"red"} }, "colors[0]"},
		{"region", func(it *Item) { it.Regions = []string{"USA"} }, "regions[0]"},
		{"added", func(it *Item) { it.Added = time.Time{} }, "added"},
		{"until before added", func(it *Item) { it.Until = it.Added.Add(-time.Second) }, "until"},
	}
	for _, tc := range cases {
		it := validItem()
		tc.mod(&it)
		_, err := New([]Item{it})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to name %q", tc.name, err, tc.want)
		}
	}
	a, b := validItem(), validItem()
	if _, err := New([]Item{a, b}); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate ids: %v", err)
	}
}

func TestParseIsStrict(t *testing.T) {
	for _, doc := range []string{
		`{}`,
		`{"items": [], "extra": 1}`,
		`{"items": []} {}`,
		`{"items": [{"id": "a", "title": "A", "genres": ["drama"], "year": 2020, "rating": "PG-99", "duration_s": 1, "colors": ["#000000"], "added": "2026-01-01T00:00:00Z"}]}`,
		`[1, 2]`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%s) accepted it", doc)
		}
	}
	c, err := Parse([]byte(`{"items": [{"id": "a", "title": "A", "genres": ["drama", "kids"], "year": 2020, "rating": "TV-14",
		"duration_s": 1, "colors": ["#000000"], "regions": ["de", "AT"], "added": "2026-01-01T00:00:00Z"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if it := c.Item(0); it.Rating != RatingPG13 {
		t.Fatalf("TV-14 read as %s", it.Rating)
	}
	if c.GenreMask(0) != 0b11 || c.PrimaryGenre(0) != 0 || !reflect.DeepEqual(c.Genres(), []string{"drama", "kids"}) {
		t.Fatalf("genres: mask %b primary %d %v", c.GenreMask(0), c.PrimaryGenre(0), c.Genres())
	}
}

func TestAvailable(t *testing.T) {
	everywhere := validItem()
	regional := validItem()
	regional.ID, regional.Regions = "r", []string{"DE", "at"}
	expired := validItem()
	expired.ID, expired.Until = "x", t0.Add(-time.Minute)
	future := validItem()
	future.ID, future.Added = "f", t0.Add(time.Hour)
	c, err := New([]Item{everywhere, regional, expired, future})
	if err != nil {
		t.Fatal(err)
	}
	de, at, us := MustRegion("DE"), MustRegion("AT"), MustRegion("US")
	for _, tc := range []struct {
		i    int32
		r    Region
		want bool
	}{
		{0, us, true}, {0, 0, true},
		{1, de, true}, {1, at, true}, {1, us, false}, {1, 0, false},
		{2, us, false},
		{3, us, false},
	} {
		if got := c.Available(tc.i, tc.r, t0); got != tc.want {
			t.Errorf("Available(%s, %q) = %v, want %v", c.ID(tc.i), tc.r, got, tc.want)
		}
	}
}

func TestRatingAndRegion(t *testing.T) {
	for _, name := range []string{"G", "PG", "PG-13", "R", "NC-17"} {
		r, err := ParseRating(name)
		if err != nil || r.String() != name {
			t.Errorf("%s → %v, %v", name, r, err)
		}
	}
	if !(RatingG < RatingPG && RatingPG < RatingPG13 && RatingPG13 < RatingR && RatingR < RatingNC17) {
		t.Fatal("ratings out of order")
	}
	if r, err := ParseRegion("gb"); err != nil || r.String() != "GB" {
		t.Fatalf("gb → %v %v", r, err)
	}
	for _, bad := range []string{"", "G", "GBR", "1A", "é"} {
		if _, err := ParseRegion(bad); err == nil {
			t.Errorf("ParseRegion(%q) accepted it", bad)
		}
	}
}
