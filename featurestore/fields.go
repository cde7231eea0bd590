package featurestore

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// Fields are feature values to write to one view: feature name → value, where the value is a
// float64 (Float), int64 (Int), string (String), []float32 (Vector) or []string (Strings); int
// and float32 are accepted too. A Put replaces the view's whole value: features left out read
// as their defaults.
type Fields map[string]any

// Encode validates fields against the view and returns the stored encoding, carrying w (the
// stream updater's watermark; nil for batch writes).
func (v *View) Encode(fields Fields, w Watermark) ([]byte, error) {
	names := make([]string, 0, len(fields))
	for name := range fields {
		if v.Feature(name) == nil {
			return nil, badRequest("view %s/%s has no feature %q", v.Entity, v.Name, name)
		}
		names = append(names, name)
	}
	// Tag order makes the encoding deterministic.
	sort.Slice(names, func(i, j int) bool { return v.Feature(names[i]).Tag < v.Feature(names[j]).Tag })
	dst := append(make([]byte, 0, 64), formatV1)
	dst = appendWatermark(dst, w)
	for _, name := range names {
		f := v.Feature(name)
		var err error
		if dst, err = f.append(dst, fields[name]); err != nil {
			return nil, badRequest("view %s/%s: %v", v.Entity, v.Name, err)
		}
	}
	if len(dst) > MaxValueSize {
		return nil, badRequest("view %s/%s: encoded value is %d bytes, limit %d", v.Entity, v.Name, len(dst), MaxValueSize)
	}
	return dst, nil
}

// append validates one value against the feature and appends its encoding.
func (f *Feature) append(dst []byte, val any) ([]byte, error) {
	wrong := func() error {
		return fmt.Errorf("feature %q wants %s, got %T", f.Name, f.describe(), val)
	}
	switch f.Kind {
	case Float:
		var x float64
		switch t := val.(type) {
		case float64:
			x = t
		case float32:
			x = float64(t)
		case int64:
			x = float64(t)
		case int:
			x = float64(t)
		default:
			return nil, wrong()
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("feature %q: %v is not a finite number", f.Name, x)
		}
		return appendFloat(dst, f.Tag, x), nil
	case Int:
		switch t := val.(type) {
		case int64:
			return appendInt(dst, f.Tag, t), nil
		case int:
			return appendInt(dst, f.Tag, int64(t)), nil
		}
		return nil, wrong()
	case String:
		s, ok := val.(string)
		if !ok {
			return nil, wrong()
		}
		if len(s) > f.MaxLen || !utf8.ValidString(s) {
			return nil, fmt.Errorf("feature %q wants valid UTF-8 of at most %d bytes, got %d bytes", f.Name, f.MaxLen, len(s))
		}
		return appendString(dst, f.Tag, s), nil
	case Vector:
		vec, ok := val.([]float32)
		if !ok {
			if v64, ok64 := val.([]float64); ok64 {
				vec = make([]float32, len(v64))
				for i, x := range v64 {
					vec[i] = float32(x)
				}
			} else {
				return nil, wrong()
			}
		}
		if len(vec) != f.Dim {
			return nil, fmt.Errorf("feature %q wants %d elements, got %d", f.Name, f.Dim, len(vec))
		}
		for i, x := range vec {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("feature %q: element %d is not a finite number", f.Name, i)
			}
		}
		return appendVector(dst, f.Tag, vec), nil
	case Strings:
		items, ok := val.([]string)
		if !ok {
			return nil, wrong()
		}
		if len(items) > f.MaxLen {
			return nil, fmt.Errorf("feature %q wants at most %d items, got %d", f.Name, f.MaxLen, len(items))
		}
		for i, s := range items {
			if len(s) > maxListItemLen || !utf8.ValidString(s) {
				return nil, fmt.Errorf("feature %q: item %d must be valid UTF-8 of at most %d bytes", f.Name, i, maxListItemLen)
			}
		}
		return appendList(dst, f.Tag, items), nil
	}
	return nil, fmt.Errorf("feature %q has unknown kind %v", f.Name, f.Kind)
}

// describe names the value a feature wants, for error messages.
func (f *Feature) describe() string {
	switch f.Kind {
	case Float:
		return "a number"
	case Int:
		return "an integer"
	case String:
		return fmt.Sprintf("a string of at most %d bytes", f.MaxLen)
	case Vector:
		return fmt.Sprintf("an array of %d numbers", f.Dim)
	case Strings:
		return fmt.Sprintf("an array of at most %d strings", f.MaxLen)
	}
	return f.Kind.String()
}

// ParseFields decodes a JSON object of feature values for the view, checking each value's
// type: numbers for Float, integral numbers for Int, strings, arrays of Dim numbers for
// Vector, arrays of strings for Strings. Unknown features are an error.
func (v *View) ParseFields(data []byte) (Fields, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, badRequest("view %s/%s: want a JSON object of feature values", v.Entity, v.Name)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, badRequest("view %s/%s: invalid JSON: %v", v.Entity, v.Name, err)
	}
	out := make(Fields, len(raw))
	for name, msg := range raw {
		f := v.Feature(name)
		if f == nil {
			return nil, badRequest("view %s/%s has no feature %q", v.Entity, v.Name, name)
		}
		val, err := f.parseJSON(msg)
		if err != nil {
			return nil, badRequest("view %s/%s: feature %q wants %s: %v", v.Entity, v.Name, name, f.describe(), err)
		}
		out[name] = val
	}
	return out, nil
}

func (f *Feature) parseJSON(msg json.RawMessage) (any, error) {
	msg = bytes.TrimSpace(msg)
	if bytes.Equal(msg, []byte("null")) {
		return nil, fmt.Errorf("null")
	}
	switch f.Kind {
	case Float:
		var x float64
		err := json.Unmarshal(msg, &x)
		return x, err
	case Int:
		var x int64
		if err := json.Unmarshal(msg, &x); err != nil {
			return nil, err
		}
		return x, nil
	case String:
		var s string
		err := json.Unmarshal(msg, &s)
		return s, err
	case Vector:
		var x []float32
		if err := json.Unmarshal(msg, &x); err != nil {
			return nil, err
		}
		if x == nil {
			return nil, fmt.Errorf("not an array")
		}
		return x, nil
	case Strings:
		var x []string
		if err := json.Unmarshal(msg, &x); err != nil {
			return nil, err
		}
		if x == nil {
			return nil, fmt.Errorf("not an array")
		}
		return x, nil
	}
	return nil, fmt.Errorf("unknown kind")
}
