package featurestore

import (
	"time"
	"unsafe"
)

// Values are one view's features of one entity, as read. Accessors return the stored value of
// a feature, or its default when the feature (or the whole view) is absent, so a caller always
// gets a usable value. Values share memory with the read that produced them and cost nothing
// to copy: those of BatchGet are valid forever (nothing is reused), those of BatchGetInto until
// its Answer is used again.
//
//	v := ent.Views[0]
//	tol := v.Float("ad_tolerance") // 0.5 when the viewer has no profile yet
//	emb := v.AppendVector(buf[:0], "embedding")
type Values struct {
	view      *View
	raw       []byte
	eventTime int64 // Unix µs
	present   bool
}

// View returns the view the values belong to.
func (v Values) View() *View { return v.view }

// Present reports whether the view was stored for the entity; false means every accessor
// returns the feature's default.
func (v Values) Present() bool { return v.present }

// EventTime is the time the values describe (the event or batch that produced them), zero
// when absent.
func (v Values) EventTime() time.Time {
	if !v.present {
		return time.Time{}
	}
	return time.UnixMicro(v.eventTime).UTC()
}

// find returns feature name when it is of kind (else nil), and its stored field when stored
// with the feature's wire type (found).
func (v Values) find(name string, kind Kind) (fld field, f *Feature, found bool) {
	f = v.view.featureOrNil(name)
	if f == nil || f.Kind != kind {
		return field{}, nil, false
	}
	if !v.present {
		return field{}, f, false
	}
	it := newFieldIter(v.raw)
	for it.next() {
		if it.f.tag == f.Tag {
			return it.f, f, it.f.wire == kind.wire()
		}
	}
	return field{}, f, false
}

// Has reports whether feature name is stored (rather than defaulted).
func (v Values) Has(name string) bool {
	f := v.view.featureOrNil(name)
	if f == nil {
		return false
	}
	_, _, found := v.find(name, f.Kind)
	return found
}

// Float returns a Float feature; 0 when name is not a Float feature of the view.
func (v Values) Float(name string) float64 {
	fld, f, found := v.find(name, Float)
	switch {
	case found:
		return fld.float()
	case f != nil:
		return f.defFloat
	}
	return 0
}

// Int returns an Int feature; 0 when name is not an Int feature of the view.
func (v Values) Int(name string) int64 {
	fld, f, found := v.find(name, Int)
	switch {
	case found:
		return fld.int()
	case f != nil:
		return f.defInt
	}
	return 0
}

// Str returns a String feature; "" when name is not a String feature of the view. The string
// shares the read's memory (no copy).
func (v Values) Str(name string) string {
	fld, f, found := v.find(name, String)
	switch {
	case found:
		return unsafe.String(unsafe.SliceData(fld.payload), len(fld.payload))
	case f != nil:
		return f.defString
	}
	return ""
}

// Vector returns a Vector feature as a new slice; nil when name is not a Vector feature.
func (v Values) Vector(name string) []float32 {
	f := v.view.featureOrNil(name)
	if f == nil || f.Kind != Vector {
		return nil
	}
	return v.AppendVector(make([]float32, 0, f.Dim), name)
}

// AppendVector appends a Vector feature to dst; on hot paths, reuse dst to avoid allocating.
func (v Values) AppendVector(dst []float32, name string) []float32 {
	fld, f, found := v.find(name, Vector)
	switch {
	case found:
		return fld.appendVector(dst)
	case f != nil:
		return append(dst, f.defVector...)
	}
	return dst
}

// Strings returns a Strings feature as a new slice; nil when name is not a Strings feature.
func (v Values) Strings(name string) []string {
	fld, f, found := v.find(name, Strings)
	switch {
	case found:
		out := make([]string, 0, fld.n)
		fld.eachItem(func(b []byte) { out = append(out, string(b)) })
		return out
	case f != nil:
		return append([]string(nil), f.defStrings...)
	}
	return nil
}

// Watermark returns the stream updater's watermark stored with the value (nil when none).
func (v Values) Watermark() Watermark {
	if !v.present {
		return nil
	}
	it := newFieldIter(v.raw)
	for it.next() {
		if it.f.tag == 0 && it.f.wire == wireBytes {
			w, err := decodeWatermark(it.f.payload)
			if err != nil {
				return nil
			}
			return w
		}
	}
	return nil
}

// Fields returns every feature of the view, stored or default, as Fields (allocates; for
// tools and tests, not hot paths).
func (v Values) Fields() Fields {
	if v.view == nil {
		return nil
	}
	out := make(Fields, len(v.view.Features))
	for i := range v.view.Features {
		f := &v.view.Features[i]
		switch f.Kind {
		case Float:
			out[f.Name] = v.Float(f.Name)
		case Int:
			out[f.Name] = v.Int(f.Name)
		case String:
			out[f.Name] = string([]byte(v.Str(f.Name)))
		case Vector:
			out[f.Name] = v.Vector(f.Name)
		case Strings:
			out[f.Name] = v.Strings(f.Name)
		}
	}
	return out
}

func (v *View) featureOrNil(name string) *Feature {
	if v == nil {
		return nil
	}
	return v.Feature(name)
}

// absent returns the Values of a view the entity does not have: every feature its default.
func (v *View) absent() Values { return Values{view: v} }
