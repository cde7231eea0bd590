package synth

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/recs/catalog"
)

var end = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func smallWorld(seed uint64) *World {
	cat := catalog.Generate(400, 1, end)
	return New(cat, Config{Seed: seed, Viewers: 300, Days: 7, End: end})
}

func collect(t *testing.T, w *World) ([]events.Typed, Stats) {
	t.Helper()
	var evs []events.Typed
	st, err := w.Generate(func(e events.Typed) error { evs = append(evs, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return evs, st
}

func TestGenerateIsDeterministicAndValid(t *testing.T) {
	a, sa := collect(t, smallWorld(3))
	b, _ := collect(t, smallWorld(3))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different events")
	}
	c, _ := collect(t, smallWorld(4))
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds, same events")
	}
	if sa.Lists < 3000 || sa.Clicks == 0 || sa.Plays == 0 || sa.Plays > sa.Clicks {
		t.Fatalf("stats %+v", sa)
	}
	ids := map[string]bool{}
	for _, e := range a {
		if err := e.Validate(); err != nil {
			t.Fatalf("invalid event %#v: %v", e, err)
		}
		h := e.EventHeader()
		if ids[h.ID] {
			t.Fatalf("duplicate id %s", h.ID)
		}
		ids[h.ID] = true
		if h.Time.Before(sa.From) || h.Time.After(end) {
			t.Fatalf("event at %s outside %s..%s", h.Time, sa.From, end)
		}
		// The encoding round-trips through the analytics decoder, as the sink will read it.
		raw, _ := e.Append(nil)
		if _, err := events.Decode(events.FamilyRecs, raw); err != nil {
			t.Fatalf("decode: %v\n%s", err, raw)
		}
	}
}

func TestClicksFollowTasteAndPosition(t *testing.T) {
	w := smallWorld(5)
	evs, _ := collect(t, w)
	served := map[string]*events.RecsServed{}
	byPos := make([]float64, 21)
	clicksByPos := make([]float64, 21)
	var affClicked, affShown float64
	var nClicked, nShown int
	for _, e := range evs {
		switch e := e.(type) {
		case *events.RecsServed:
			served[e.ID] = e
			u, _ := w.ViewerIndex(e.UserID)
			for k, id := range e.Items {
				byPos[k+1]++
				i, _ := w.Catalog.Index(id)
				affShown += w.Affinity(u, i)
				nShown++
			}
		case *events.RecsAction:
			if e.Kind != events.ActionClick {
				continue
			}
			clicksByPos[e.Position]++
			u, _ := w.ViewerIndex(e.UserID)
			i, _ := w.Catalog.Index(e.ItemID)
			affClicked += w.Affinity(u, i)
			nClicked++
			if s := served[e.ListID]; s == nil || s.Items[e.Position-1] != e.ItemID {
				t.Fatal("a click does not point at its list and position")
			}
		}
	}
	if affClicked/float64(nClicked) <= affShown/float64(nShown)+0.5 {
		t.Errorf("clicked titles' mean affinity %.2f is not clearly above shown titles' %.2f",
			affClicked/float64(nClicked), affShown/float64(nShown))
	}
	ctr1, ctr10 := clicksByPos[1]/byPos[1], clicksByPos[10]/byPos[10]
	if want := math.Pow(10, -w.Config.PositionDecay); ctr10/ctr1 > 2*want || ctr10/ctr1 < want/2 {
		t.Errorf("CTR at position 10 / position 1 = %.3f, position bias says about %.3f", ctr10/ctr1, want)
	}
}

func TestListsRespectRights(t *testing.T) {
	w := smallWorld(6)
	evs, _ := collect(t, w)
	for _, e := range evs {
		s, ok := e.(*events.RecsServed)
		if !ok {
			continue
		}
		u, _ := w.ViewerIndex(s.UserID)
		v := w.Viewers[u]
		for _, id := range s.Items {
			i, _ := w.Catalog.Index(id)
			if !w.Catalog.Allowed(i, v.Country, v.MaxRating, s.Time.UnixMilli()) {
				t.Fatalf("%s shown %s, which they may not see", v.ID, id)
			}
		}
	}
}
