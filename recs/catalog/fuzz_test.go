package catalog

import (
	"reflect"
	"testing"
)

// FuzzParse holds Parse to its contract on arbitrary input: no panic, and whatever it
// accepts encodes to a document that parses to the same catalogue.
func FuzzParse(f *testing.F) {
	good, _ := Generate(3, 1, t0).MarshalJSON()
	f.Add(good)
	f.Add([]byte(`{"items": []}`))
	f.Add([]byte(`{"items": [{"id": "a", "title": "A", "genres": ["drama"], "year": 2020, "rating": "PG",
		"duration_s": 1, "colors": ["#00ff00"], "regions": ["US"], "added": "2026-01-01T00:00:00Z",
		"until": "2027-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"items": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		enc, err := c.MarshalJSON()
		if err != nil {
			t.Fatalf("accepted catalogue does not encode: %v", err)
		}
		d, err := Parse(enc)
		if err != nil {
			t.Fatalf("re-encoded catalogue does not parse: %v\n%s", err, enc)
		}
		if c.Len() != d.Len() || !reflect.DeepEqual(c.genres, d.genres) || !reflect.DeepEqual(c.genreMask, d.genreMask) {
			t.Fatal("round trip changed the catalogue")
		}
		for i := range int32(c.Len()) {
			if c.ID(i) != d.ID(i) || !reflect.DeepEqual(c.rights[i], d.rights[i]) {
				t.Fatalf("item %d changed in the round trip", i)
			}
		}
	})
}
