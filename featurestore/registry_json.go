package featurestore

import (
	"strconv"
	"unsafe"

	"github.com/cuepoint/cuepoint/internal/jsonw"
)

// appendRegistryJSON describes the catalogue: entity types, their views and features.
func appendRegistryJSON(b []byte, r *Registry) []byte {
	b = append(b, `{"entity_types":[`...)
	for i, et := range r.Entities() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = jsonw.AppendString(b, et.Name)
		b = append(b, `,"doc":`...)
		b = jsonw.AppendString(b, et.Doc)
		b = append(b, `,"views":[`...)
		for j, v := range et.Views {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = jsonw.AppendString(b, v.Name)
			b = append(b, `,"source":"`...)
			b = append(b, v.Source.String()...)
			b = append(b, `","ttl_s":`...)
			b = strconv.AppendInt(b, int64(v.TTL.Seconds()), 10)
			b = append(b, `,"freshness_ms":`...)
			b = strconv.AppendInt(b, v.Freshness.Milliseconds(), 10)
			b = append(b, `,"doc":`...)
			b = jsonw.AppendString(b, v.Doc)
			b = append(b, `,"features":[`...)
			for k := range v.Features {
				f := &v.Features[k]
				if k > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"name":`...)
				b = jsonw.AppendString(b, f.Name)
				b = append(b, `,"kind":"`...)
				b = append(b, f.Kind.String()...)
				b = append(b, '"')
				if f.Kind == Vector {
					b = append(b, `,"dim":`...)
					b = strconv.AppendInt(b, int64(f.Dim), 10)
				}
				if f.Kind == String || f.Kind == Strings {
					b = append(b, `,"max_len":`...)
					b = strconv.AppendInt(b, int64(f.MaxLen), 10)
				}
				b = append(b, `,"doc":`...)
				b = jsonw.AppendString(b, f.Doc)
				b = append(b, '}')
			}
			b = append(b, "]}"...)
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...)
}

// unsafeString views b as a string without copying; b must not change while it is in use.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
