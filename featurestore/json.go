package featurestore

import (
	"math"
	"strconv"
	"time"

	"github.com/cuepoint/cuepoint/internal/jsonw"
)

// The API writes its JSON by hand: a 200-entity batch answer is the hot path of the HTTP API,
// and appending into a pooled buffer costs a fraction of reflection-based encoding.

// appendEntityJSON appends one entity:
//
//	{"id":"u1","status":"found","views":{"profile":{"present":true,"event_time":"…","features":{…}}}}
func appendEntityJSON(b []byte, e *Entity) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.AppendString(b, e.ID)
	b = append(b, `,"status":"`...)
	b = append(b, e.Status.String()...)
	b = append(b, `","views":{`...)
	for i := range e.Views {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendValuesJSON(b, e.Views[i])
	}
	return append(b, "}}"...)
}

// appendValuesJSON appends "view":{"present":…,"event_time":…,"features":{…}}; every feature
// of the view is listed, defaults included.
func appendValuesJSON(b []byte, v Values) []byte {
	b = append(b, '"')
	b = append(b, v.view.Name...)
	b = append(b, `":{"present":`...)
	b = strconv.AppendBool(b, v.present)
	if v.present {
		b = append(b, `,"event_time":"`...)
		b = time.UnixMicro(v.eventTime).UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"features":{`...)
	for i := range v.view.Features {
		f := &v.view.Features[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f.Name...)
		b = append(b, `":`...)
		fld, _, found := v.find(f.Name, f.Kind)
		switch f.Kind {
		case Float:
			x := f.defFloat
			if found {
				x = fld.float()
			}
			b = appendJSONFloat(b, x, 64)
		case Int:
			x := f.defInt
			if found {
				x = fld.int()
			}
			b = strconv.AppendInt(b, x, 10)
		case String:
			if found {
				b = jsonw.AppendBytes(b, fld.payload)
			} else {
				b = jsonw.AppendString(b, f.defString)
			}
		case Vector:
			b = append(b, '[')
			if found {
				for k := 0; k < fld.n; k++ {
					if k > 0 {
						b = append(b, ',')
					}
					b = appendJSONFloat(b, float64(math.Float32frombits(le32(fld.payload[4*k:]))), 32)
				}
			} else {
				for k, x := range f.defVector {
					if k > 0 {
						b = append(b, ',')
					}
					b = appendJSONFloat(b, float64(x), 32)
				}
			}
			b = append(b, ']')
		case Strings:
			b = append(b, '[')
			if found {
				first := true
				fld.eachItem(func(item []byte) {
					if !first {
						b = append(b, ',')
					}
					first = false
					b = jsonw.AppendBytes(b, item)
				})
			} else {
				for k, s := range f.defStrings {
					if k > 0 {
						b = append(b, ',')
					}
					b = jsonw.AppendString(b, s)
				}
			}
			b = append(b, ']')
		}
	}
	return append(b, "}}"...)
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// appendJSONFloat appends x in the shortest form that reads back as the same value of the
// given bit size; NaN and infinities (refused on write) become null.
func appendJSONFloat(b []byte, x float64, bits int) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, bits)
}
