package featurestore

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Registry is the catalogue of entity types, their feature views and the views' typed
// features. It is immutable once built; every Store, API and loader validates against one.
// Default is the catalogue Cuepoint runs with (catalog.go, documented in docs/features.md).
type Registry struct {
	types  []*EntityType
	byName map[string]*EntityType
}

// EntityType is a kind of entity that has features: user, item, device, campaign, ….
// All views of one entity live in one Cassandra partition, so they are read together.
type EntityType struct {
	Name  string
	Doc   string
	Views []*View

	index  int // position in the registry: the near-cache and single-flight shard by it
	byName map[string]*View
}

// Source says who writes a view. Stream views carry the stream updater's exactly-once
// watermark with their value; a Put (API, load file) replaces value and watermark, so it is
// for corrections and seeding, and events the updater re-reads after it may count again.
type Source uint8

const (
	// Batch views are written by the API, `cuepoint features load` and the recs trainer.
	Batch Source = iota
	// Stream views are kept current by the stream updater from the analytics topics.
	Stream
)

func (s Source) String() string {
	if s == Stream {
		return "stream"
	}
	return "batch"
}

// View is a named group of features of one entity type, written and read as one value.
type View struct {
	Name   string
	Entity string // the entity type's name (set by NewRegistry)
	Doc    string
	Source Source
	// TTL is how long a written value lives in Cassandra (0: forever). Reads treat a value past
	// its TTL as absent, also when it is still in a near-cache.
	TTL time.Duration
	// Freshness is how long a near-cache serves a value it read before reading it again, so a
	// write made by another process is seen after at most this long (a write made through the
	// same Store is seen at once). Zero means DefaultFreshness.
	Freshness time.Duration
	Features  []Feature

	index  int // position among its entity type's views
	byName map[string]int
	byTag  map[uint32]int
}

// DefaultFreshness is the Freshness of views that do not set one.
const DefaultFreshness = 30 * time.Second

// Feature is one typed value of a view.
type Feature struct {
	Name string
	// Tag identifies the feature inside stored values. It is unique within its view and never
	// reused or changed once values were written: renaming a feature keeps its tag, and a
	// removed feature's tag stays retired. Tag 0 is reserved.
	Tag  uint32
	Kind Kind
	// Dim is the length of a Vector.
	Dim int
	// MaxLen caps a String (bytes, default 256) or a Strings list (items, default 50).
	MaxLen int
	// Default is served when the feature (or its whole view) is absent: a float64, int64,
	// string, []float32 or []string matching Kind. Nil means the zero value (a zero vector).
	Default any
	Doc     string

	defFloat   float64
	defInt     int64
	defString  string
	defVector  []float32
	defStrings []string
}

// Limits on identifiers and values.
const (
	MaxIDLen          = 256 // bytes of an entity id
	maxNameLen        = 64
	maxTag            = 1 << 20
	defaultStringMax  = 256
	defaultStringsMax = 50
	maxListItemLen    = 256
	maxVectorDim      = 4096
)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// NewRegistry validates the entity types and returns a registry of copies of them.
func NewRegistry(types ...EntityType) (*Registry, error) {
	r := &Registry{byName: make(map[string]*EntityType, len(types))}
	var errs []error
	for i := range types {
		et := types[i] // copy
		if err := checkName("entity type", et.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		if r.byName[et.Name] != nil {
			errs = append(errs, fmt.Errorf("entity type %q declared twice", et.Name))
			continue
		}
		views := et.Views
		et.index = len(r.types)
		et.Views, et.byName = make([]*View, 0, len(views)), make(map[string]*View, len(views))
		for j, v := range views {
			vc, err := buildView(et.Name, j, v)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if et.byName[vc.Name] != nil {
				errs = append(errs, fmt.Errorf("view %s/%s declared twice", et.Name, vc.Name))
				continue
			}
			et.Views = append(et.Views, vc)
			et.byName[vc.Name] = vc
		}
		if len(et.Views) == 0 {
			errs = append(errs, fmt.Errorf("entity type %q has no views", et.Name))
		}
		r.types = append(r.types, &et)
		r.byName[et.Name] = &et
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("feature registry: %w", err)
	}
	return r, nil
}

// MustRegistry is NewRegistry for registries declared in code; it panics on an invalid one.
func MustRegistry(types ...EntityType) *Registry {
	r, err := NewRegistry(types...)
	if err != nil {
		panic(err)
	}
	return r
}

func buildView(entity string, index int, src *View) (*View, error) {
	if src == nil {
		return nil, fmt.Errorf("entity type %q: nil view", entity)
	}
	v := *src
	v.Entity, v.index = entity, index
	where := entity + "/" + v.Name
	if err := checkName("view", v.Name); err != nil {
		return nil, fmt.Errorf("%s: %w", entity, err)
	}
	if v.TTL < 0 || (v.TTL > 0 && v.TTL < time.Second) || v.TTL > 20*365*24*time.Hour {
		return nil, fmt.Errorf("view %s: TTL %s: want 0 (forever) or 1s…20y", where, v.TTL)
	}
	if v.Freshness < 0 {
		return nil, fmt.Errorf("view %s: negative Freshness", where)
	}
	if v.Freshness == 0 {
		v.Freshness = DefaultFreshness
	}
	if len(v.Features) == 0 {
		return nil, fmt.Errorf("view %s has no features", where)
	}
	v.Features = append([]Feature(nil), v.Features...)
	v.byName = make(map[string]int, len(v.Features))
	v.byTag = make(map[uint32]int, len(v.Features))
	for i := range v.Features {
		f := &v.Features[i]
		if err := f.build(); err != nil {
			return nil, fmt.Errorf("view %s: %w", where, err)
		}
		if _, dup := v.byName[f.Name]; dup {
			return nil, fmt.Errorf("view %s: feature %q declared twice", where, f.Name)
		}
		if _, dup := v.byTag[f.Tag]; dup {
			return nil, fmt.Errorf("view %s: tag %d used twice", where, f.Tag)
		}
		v.byName[f.Name], v.byTag[f.Tag] = i, i
	}
	return &v, nil
}

func (f *Feature) build() error {
	if err := checkName("feature", f.Name); err != nil {
		return err
	}
	if f.Tag == 0 || f.Tag >= maxTag {
		return fmt.Errorf("feature %q: tag %d: want 1…%d", f.Name, f.Tag, maxTag-1)
	}
	switch f.Kind {
	case Float:
		d, ok := f.Default.(float64)
		if f.Default != nil && (!ok || math.IsNaN(d) || math.IsInf(d, 0)) {
			return fmt.Errorf("feature %q: default %v is not a finite float64", f.Name, f.Default)
		}
		f.defFloat = d
	case Int:
		d, ok := f.Default.(int64)
		if f.Default != nil && !ok {
			return fmt.Errorf("feature %q: default %v is not an int64", f.Name, f.Default)
		}
		f.defInt = d
	case String:
		if f.MaxLen == 0 {
			f.MaxLen = defaultStringMax
		}
		d, ok := f.Default.(string)
		if f.Default != nil && !ok {
			return fmt.Errorf("feature %q: default %v is not a string", f.Name, f.Default)
		}
		f.defString = d
	case Vector:
		if f.Dim < 1 || f.Dim > maxVectorDim {
			return fmt.Errorf("feature %q: vector dimension %d: want 1…%d", f.Name, f.Dim, maxVectorDim)
		}
		d, ok := f.Default.([]float32)
		if f.Default != nil && (!ok || len(d) != f.Dim) {
			return fmt.Errorf("feature %q: default must be a []float32 of length %d", f.Name, f.Dim)
		}
		if d == nil {
			d = make([]float32, f.Dim)
		}
		f.defVector = d
	case Strings:
		if f.MaxLen == 0 {
			f.MaxLen = defaultStringsMax
		}
		d, ok := f.Default.([]string)
		if f.Default != nil && !ok {
			return fmt.Errorf("feature %q: default %v is not a []string", f.Name, f.Default)
		}
		f.defStrings = d
	default:
		return fmt.Errorf("feature %q: unknown kind %d", f.Name, f.Kind)
	}
	if f.MaxLen < 0 {
		return fmt.Errorf("feature %q: negative MaxLen", f.Name)
	}
	return nil
}

func checkName(what, s string) error {
	if len(s) > maxNameLen || !nameRE.MatchString(s) {
		return fmt.Errorf("%s name %q: want lower-case letters, digits and underscores, starting with a letter, at most %d bytes", what, s, maxNameLen)
	}
	return nil
}

// Entities returns the entity types in declaration order.
func (r *Registry) Entities() []*EntityType { return r.types }

// Entity returns the entity type called name.
func (r *Registry) Entity(name string) (*EntityType, error) {
	if et := r.byName[name]; et != nil {
		return et, nil
	}
	return nil, &RequestError{Reason: fmt.Sprintf("unknown entity type %q (known: %s)", name, strings.Join(r.entityNames(), ", "))}
}

// View returns the view called name of the entity type.
func (r *Registry) View(entity, name string) (*View, error) {
	et, err := r.Entity(entity)
	if err != nil {
		return nil, err
	}
	return et.View(name)
}

func (r *Registry) entityNames() []string {
	names := make([]string, len(r.types))
	for i, t := range r.types {
		names[i] = t.Name
	}
	return names
}

// View returns the view called name.
func (et *EntityType) View(name string) (*View, error) {
	if v := et.byName[name]; v != nil {
		return v, nil
	}
	names := make([]string, len(et.Views))
	for i, v := range et.Views {
		names[i] = v.Name
	}
	sort.Strings(names)
	return nil, &RequestError{Reason: fmt.Sprintf("unknown view %q of entity type %q (known: %s)", name, et.Name, strings.Join(names, ", "))}
}

// Feature returns the feature called name, or nil.
func (v *View) Feature(name string) *Feature {
	if i, ok := v.byName[name]; ok {
		return &v.Features[i]
	}
	return nil
}

func (v *View) featureByTag(tag uint32) *Feature {
	if i, ok := v.byTag[tag]; ok {
		return &v.Features[i]
	}
	return nil
}

// CheckID validates an entity id: 1…MaxIDLen bytes of UTF-8 without control characters.
func CheckID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return &RequestError{Reason: fmt.Sprintf("entity id must be 1…%d bytes, got %d", MaxIDLen, len(id))}
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c == 0x7f {
			return &RequestError{Reason: fmt.Sprintf("entity id %q contains a control character", id)}
		}
	}
	if !utf8.ValidString(id) {
		return &RequestError{Reason: "entity id is not valid UTF-8"}
	}
	return nil
}
