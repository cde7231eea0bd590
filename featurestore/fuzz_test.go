package featurestore

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Fuzz targets for everything that parses outside input: stored values and near-cache entries
// (bytes from Cassandra), API bodies, and load-file rows. Seed corpora live in testdata/fuzz.

func FuzzStoredValue(f *testing.F) {
	v, _ := Default.View(EntityUser, ViewRecent)
	good, _ := v.Encode(Fields{"items": []string{"a", "b"}, "watch_count": int64(3)}, Watermark{"cuepoint.playback/0": {Next: 17, Time: 1767225600000}})
	f.Add(good)
	f.Add([]byte{formatV1})
	f.Add([]byte{formatV1, 0x0b, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, raw []byte) {
		vals := Values{view: v, raw: raw, present: true}
		if checkValue(raw) != nil {
			vals.present = false // what a read does with a corrupt value
		}
		_ = vals.Strings("items")
		_ = vals.Int("watch_count")
		_ = vals.Watermark()
		_ = vals.Fields()
		out := appendValuesJSON([]byte("{"), vals)
		if !json.Valid(append(out, '}')) {
			t.Fatalf("invalid JSON for %x: %s", raw, out)
		}
	})
}

func FuzzCacheEntry(f *testing.F) {
	et, _ := Default.Entity(EntityUser)
	v := et.Views[0]
	val, _ := v.Encode(Fields{"country": "DE"}, nil)
	entry, _ := encodeEntry(et, []storedRow{{view: v.Name, value: val, eventTime: 1, ttl: 60}}, 1000)
	f.Add(entry)
	f.Add([]byte{entryV1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, entry []byte) {
		out := make([]Values, len(et.Views))
		if _, ok := decodeEntry(entry, et.Views, out, 500); ok {
			for _, x := range out {
				_ = x.Fields()
			}
		}
	})
}

func FuzzBatchRequest(f *testing.F) {
	f.Add([]byte(`{"entity_type":"user","ids":["a","b"],"views":["profile"]}`))
	f.Add([]byte(`{"entity_type":"user","ids":[]}`))
	f.Add([]byte(`{"entity_type":1}`))
	s, _ := memStore(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseBatchRequest(body)
		if err != nil {
			if !IsRequestError(err) {
				t.Fatalf("not a request error: %v", err)
			}
			return
		}
		if _, err := s.BatchGet(t.Context(), req.EntityType, req.IDs, req.Views); err != nil && !IsRequestError(err) {
			t.Fatalf("BatchGet: %v", err)
		}
	})
}

func FuzzParseFields(f *testing.F) {
	f.Add(EntityUser, ViewProfile, []byte(`{"country":"DE","tenure_days":4,"avg_session_min":1.5}`))
	f.Add(EntityUser, ViewRecent, []byte(`{"items":["a","b"],"watch_count":-1}`))
	f.Add(EntityItem, ViewMeta, []byte(`{"embedding":[1,2,3]}`))
	f.Fuzz(func(t *testing.T, entity, view string, body []byte) {
		v, err := Default.View(entity, view)
		if err != nil {
			return
		}
		fields, err := v.ParseFields(body)
		if err != nil {
			return
		}
		raw, err := v.Encode(fields, nil)
		if err != nil {
			return
		}
		if checkValue(raw) != nil {
			t.Fatalf("Encode produced a value checkValue refuses: %x", raw)
		}
		back := Values{view: v, raw: raw, present: true}
		for name := range fields {
			if !back.Has(name) {
				t.Fatalf("feature %q lost in the round trip", name)
			}
		}
	})
}

func FuzzLoadJSONL(f *testing.F) {
	f.Add([]byte(`{"entity_type":"item","entity_id":"i1","view":"meta","event_time":"2026-01-02T03:04:05Z","features":{"genre":"drama"}}`))
	f.Add([]byte(`{"entity_type":"user","entity_id":"u","view":"recent","event_time":1767225600000,"features":{"items":[]}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		row, err := parseJSONLRow(Default, line)
		if err != nil {
			if !IsRequestError(err) {
				t.Fatalf("not a request error: %v", err)
			}
			return
		}
		if checkValue(row.value) != nil || row.view == nil || CheckID(row.id) != nil {
			t.Fatalf("accepted an invalid row: %+v", row)
		}
	})
}

func FuzzLoadCSV(f *testing.F) {
	f.Add("entity_type,entity_id,view,event_time,genre,duration_s\nitem,i1,meta,,drama,60\n")
	f.Add("entity_type,entity_id,view,items\nuser,u1,recent,\"[\"\"a\"\"]\"\n")
	f.Add("entity_type,entity_id\n")
	f.Fuzz(func(t *testing.T, in string) {
		_ = scanCSV(strings.NewReader(in), Default, func(row loadRow, err error) bool {
			if err == nil && (checkValue(row.value) != nil || row.view == nil) {
				t.Fatalf("accepted an invalid row: %+v", row)
			}
			return true
		})
	})
}

// TestJSONFloat checks the shortest float formatting of features (strings are
// internal/jsonw's, tested there).
func TestJSONFloat(t *testing.T) {
	if !bytes.Equal(appendJSONFloat(nil, 0.1, 32), []byte("0.1")) {
		t.Fatal("float32 formatting")
	}
}
