package events

// TypeRecsServed is the wire type of RecsServed.
const TypeRecsServed = "served"

// RecsServed records one recommendation list shown to a user: the items in order (the item
// at index i is at position i+1), the model that ranked them and the experiment arm. Its ID is
// the list id that RecsAction events refer to. Family recs; key: the user id.
type RecsServed struct {
	Header
	UserID  string `json:"user"`
	Surface string `json:"surface,omitempty"` // where the list was shown, e.g. "home/continue"
	Model   string `json:"model"`
	// Experiment and Arm name the A/B test and the variant the user is in, if any.
	Experiment string   `json:"experiment,omitempty"`
	Arm        string   `json:"arm,omitempty"`
	Items      []string `json:"items"`
	LatencyUS  int64    `json:"latency_us,omitempty"`
}

// Family implements Event.
func (*RecsServed) Family() Family { return FamilyRecs }

// Type implements Typed.
func (*RecsServed) Type() string { return TypeRecsServed }

// Key implements Event.
func (e *RecsServed) Key() string { return e.UserID }

// Append implements Event.
func (e *RecsServed) Append(dst []byte) ([]byte, error) {
	w := begin(dst, TypeRecsServed, &e.Header)
	w.Str("user", e.UserID)
	w.StrOpt("surface", e.Surface)
	w.Str("model", e.Model)
	w.StrOpt("experiment", e.Experiment)
	w.StrOpt("arm", e.Arm)
	w.Strs("items", e.Items)
	w.IntOpt("latency_us", e.LatencyUS)
	return end(&w), nil
}

// Validate implements Typed.
func (e *RecsServed) Validate() error {
	var c checker
	e.Header.validate(&c)
	c.token("user", e.UserID, true)
	c.token("surface", e.Surface, false)
	c.token("model", e.Model, true)
	c.token("experiment", e.Experiment, false)
	c.token("arm", e.Arm, false)
	c.tokens("items", e.Items, true)
	c.rangeInt("latency_us", e.LatencyUS, 0, MaxLatencyUS)
	return c.err
}

// ActionKind is what a user did with a recommended item; it is the wire type of RecsAction.
type ActionKind string

// The recorded actions.
const (
	ActionClick ActionKind = "click"
	ActionPlay  ActionKind = "play"
)

// RecsAction records a click on, or a play of, an item of a served list. It repeats the
// list's model and arm so that rollups need no join. Family recs; key: the user id.
type RecsAction struct {
	Header
	Kind   ActionKind `json:"type"`
	ListID string     `json:"list"` // the RecsServed event's ID
	UserID string     `json:"user"`
	ItemID string     `json:"item"`
	// Position is the item's 1-based position in the list.
	Position   int    `json:"position"`
	Model      string `json:"model,omitempty"`
	Experiment string `json:"experiment,omitempty"`
	Arm        string `json:"arm,omitempty"`
}

// Family implements Event.
func (*RecsAction) Family() Family { return FamilyRecs }

// Type implements Typed.
func (e *RecsAction) Type() string { return string(e.Kind) }

// Key implements Event.
func (e *RecsAction) Key() string { return e.UserID }

// Append implements Event.
func (e *RecsAction) Append(dst []byte) ([]byte, error) {
	w := begin(dst, string(e.Kind), &e.Header)
	w.Str("list", e.ListID)
	w.Str("user", e.UserID)
	w.Str("item", e.ItemID)
	w.Int("position", int64(e.Position))
	w.StrOpt("model", e.Model)
	w.StrOpt("experiment", e.Experiment)
	w.StrOpt("arm", e.Arm)
	return end(&w), nil
}

// Validate implements Typed.
func (e *RecsAction) Validate() error {
	var c checker
	c.oneOf("type", string(e.Kind), true, string(ActionClick), string(ActionPlay))
	e.Header.validate(&c)
	c.token("list", e.ListID, true)
	c.token("user", e.UserID, true)
	c.token("item", e.ItemID, true)
	c.rangeInt("position", int64(e.Position), 1, MaxItems)
	c.token("model", e.Model, false)
	c.token("experiment", e.Experiment, false)
	c.token("arm", e.Arm, false)
	return c.err
}

var recsServedNames = withHeader("user", "surface", "model", "experiment", "arm", "items", "latency_us")

func (*RecsServed) names() []string { return recsServedNames }

func (e *RecsServed) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "type":
		return r.fixedType(TypeRecsServed)
	case "user":
		e.UserID = r.str()
		return own(0)
	case "surface":
		e.Surface = r.str()
		return own(1)
	case "model":
		e.Model = r.str()
		return own(2)
	case "experiment":
		e.Experiment = r.str()
		return own(3)
	case "arm":
		e.Arm = r.str()
		return own(4)
	case "items":
		e.Items = r.strs(e.Items)
		return own(5)
	case "latency_us":
		e.LatencyUS = r.int()
		return own(6)
	}
	return e.Header.field(r, key)
}

var recsActionNames = withHeader("list", "user", "item", "position", "model", "experiment", "arm")

func (*RecsAction) names() []string { return recsActionNames }

func (e *RecsAction) field(r *reader, key []byte) uint64 {
	switch string(key) {
	case "type":
		e.Kind = ActionKind(r.str())
		return bitType
	case "list":
		e.ListID = r.str()
		return own(0)
	case "user":
		e.UserID = r.str()
		return own(1)
	case "item":
		e.ItemID = r.str()
		return own(2)
	case "position":
		e.Position = int(r.int())
		return own(3)
	case "model":
		e.Model = r.str()
		return own(4)
	case "experiment":
		e.Experiment = r.str()
		return own(5)
	case "arm":
		e.Arm = r.str()
		return own(6)
	}
	return e.Header.field(r, key)
}
