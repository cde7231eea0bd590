package featurestore

import "fmt"

// Kind is the type of a feature's value.
type Kind uint8

// The feature kinds. Their names are what the registry, the HTTP API and load files use.
const (
	// Float is a float64. NaN and ±Inf are refused on write (JSON cannot carry them).
	Float Kind = iota + 1
	// Int is an int64.
	Int
	// String is a UTF-8 string of at most Feature.MaxLen bytes.
	String
	// Vector is a []float32 of exactly Feature.Dim elements (an embedding).
	Vector
	// Strings is a list of at most Feature.MaxLen strings (e.g. recently watched item ids),
	// each at most 256 bytes.
	Strings
)

var kindNames = [...]string{Float: "float", Int: "int", String: "string", Vector: "vector", Strings: "strings"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// wire is the encoding of a kind inside a stored value (see codec.go).
func (k Kind) wire() uint64 {
	switch k {
	case Float:
		return wireFixed64
	case Int:
		return wireVarint
	case String:
		return wireBytes
	case Vector:
		return wireVector
	case Strings:
		return wireList
	}
	return wireInvalid
}
