package train

import (
	"cmp"
	"slices"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/recs/catalog"
)

// Served is one list shown to a viewer (a RecsServed event).
type Served struct {
	ID     string
	User   string
	TimeMS int64
	Items  []string
}

// Action is a click on or a play of an item of a list (a RecsAction event).
type Action struct {
	ID       string
	Kind     events.ActionKind
	List     string
	User     string
	Item     string
	Position int
	TimeMS   int64
}

// Dataset is what the trainer learns from: the lists served and what viewers did with them,
// each in time order, each event once. It is built from ClickHouse (ReadClickHouse) or from
// events in memory (Add).
type Dataset struct {
	Served  []Served
	Actions []Action
	ids     map[string]struct{}
}

// Add adds a recs event; other events, and an event whose id was added before (ClickHouse
// stores a retried batch twice), are ignored. It reports whether the event was added.
func (d *Dataset) Add(ev events.Event) bool {
	switch e := ev.(type) {
	case *events.RecsServed:
		if !d.first(e.ID) {
			return false
		}
		d.Served = append(d.Served, Served{ID: e.ID, User: e.UserID, TimeMS: e.Time.UnixMilli(), Items: e.Items})
	case *events.RecsAction:
		if !d.first(e.ID) {
			return false
		}
		d.Actions = append(d.Actions, Action{ID: e.ID, Kind: e.Kind, List: e.ListID, User: e.UserID,
			Item: e.ItemID, Position: e.Position, TimeMS: e.Time.UnixMilli()})
	default:
		return false
	}
	return true
}

func (d *Dataset) first(id string) bool {
	if d.ids == nil {
		d.ids = map[string]struct{}{}
	}
	if _, dup := d.ids[id]; dup {
		return false
	}
	d.ids[id] = struct{}{}
	return true
}

// Sort puts lists and actions in time order (ties by id), which training assumes.
func (d *Dataset) Sort() {
	slices.SortStableFunc(d.Served, func(a, b Served) int {
		return cmp.Or(cmp.Compare(a.TimeMS, b.TimeMS), cmp.Compare(a.ID, b.ID))
	})
	slices.SortStableFunc(d.Actions, func(a, b Action) int {
		return cmp.Or(cmp.Compare(a.TimeMS, b.TimeMS), cmp.Compare(a.ID, b.ID))
	})
}

// Span returns the times of the first and last event.
func (d *Dataset) Span() (from, to time.Time) {
	lo, hi := int64(1<<62), int64(-1<<62)
	for _, s := range d.Served {
		lo, hi = min(lo, s.TimeMS), max(hi, s.TimeMS)
	}
	for _, a := range d.Actions {
		lo, hi = min(lo, a.TimeMS), max(hi, a.TimeMS)
	}
	if lo > hi {
		return time.Time{}, time.Time{}
	}
	return time.UnixMilli(lo).UTC(), time.UnixMilli(hi).UTC()
}

// RecentPlays returns each viewer's latest distinct plays of catalogue titles, newest first,
// at most max: what the featurestore's recent view holds at the end of the data.
func RecentPlays(d *Dataset, cat *catalog.Catalog, max int) map[string][]int32 {
	out := map[string][]int32{}
	for k := len(d.Actions) - 1; k >= 0; k-- { // Sort put them in time order
		a := &d.Actions[k]
		if a.Kind != events.ActionPlay {
			continue
		}
		i, ok := cat.Index(a.Item)
		r := out[a.User]
		if !ok || len(r) >= max || slices.Contains(r, i) {
			continue
		}
		out[a.User] = append(r, i)
	}
	return out
}
