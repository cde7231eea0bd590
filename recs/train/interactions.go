package train

import (
	"cmp"
	"slices"
	"sort"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/recs/catalog"
)

// Implicit-feedback strengths: a play is the signal, a click that did not lead to a play a
// weak one.
const (
	weightPlay  = 1
	weightClick = 0.25
)

// event is one interaction in dense indexes.
type event struct {
	u, i int32
	t    int64 // Unix ms
	w    float32
	play bool
}

// interactions are a dataset's actions resolved against the catalogue, in time order.
type interactions struct {
	users   []string
	userIdx map[string]int32
	events  []event
	dropped int // actions on items the catalogue does not have
}

func buildInteractions(ds *Dataset, cat *catalog.Catalog) *interactions {
	in := &interactions{userIdx: map[string]int32{}}
	for _, a := range ds.Actions {
		i, ok := cat.Index(a.Item)
		if !ok {
			in.dropped++
			continue
		}
		e := event{u: in.user(a.User), i: i, t: a.TimeMS, w: weightClick}
		if a.Kind == events.ActionPlay {
			e.w, e.play = weightPlay, true
		}
		in.events = append(in.events, e)
	}
	slices.SortStableFunc(in.events, func(a, b event) int { return cmp.Compare(a.t, b.t) })
	return in
}

func (in *interactions) user(id string) int32 {
	u, ok := in.userIdx[id]
	if !ok {
		u = int32(len(in.users))
		in.users = append(in.users, id)
		in.userIdx[id] = u
	}
	return u
}

// before returns the events strictly before t (Unix ms).
func (in *interactions) before(t int64) []event {
	return in.events[:sort.Search(len(in.events), func(k int) bool { return in.events[k].t >= t })]
}

// matrix is a sparse user×item matrix of summed strengths, by rows and by columns.
type matrix struct {
	nu, ni int
	// Row u is cols[rowOff[u]:rowOff[u+1]] with values rowVal; column i likewise.
	rowOff []int32
	cols   []int32
	rowVal []float32
	colOff []int32
	rows   []int32
	colVal []float32
}

// newMatrix sums the events' strengths per (user, item).
func newMatrix(evs []event, nu, ni int) *matrix {
	type cell struct {
		u, i int32
		w    float32
	}
	cells := make([]cell, len(evs))
	for k, e := range evs {
		cells[k] = cell{e.u, e.i, e.w}
	}
	slices.SortFunc(cells, func(a, b cell) int { return cmp.Or(cmp.Compare(a.u, b.u), cmp.Compare(a.i, b.i)) })
	merged := cells[:0]
	for _, c := range cells {
		if n := len(merged); n > 0 && merged[n-1].u == c.u && merged[n-1].i == c.i {
			merged[n-1].w += c.w
			continue
		}
		merged = append(merged, c)
	}
	m := &matrix{nu: nu, ni: ni, rowOff: make([]int32, nu+1), colOff: make([]int32, ni+1)}
	m.cols, m.rowVal = make([]int32, len(merged)), make([]float32, len(merged))
	for k, c := range merged {
		m.rowOff[c.u+1]++
		m.colOff[c.i+1]++
		m.cols[k], m.rowVal[k] = c.i, c.w
	}
	for u := range nu {
		m.rowOff[u+1] += m.rowOff[u]
	}
	for i := range ni {
		m.colOff[i+1] += m.colOff[i]
	}
	m.rows, m.colVal = make([]int32, len(merged)), make([]float32, len(merged))
	fill := slices.Clone(m.colOff[:ni])
	for _, c := range merged { // merged is by user, so each column lists users in order
		k := fill[c.i]
		m.rows[k], m.colVal[k] = c.u, c.w
		fill[c.i]++
	}
	return m
}

func (m *matrix) row(u int) ([]int32, []float32) {
	a, b := m.rowOff[u], m.rowOff[u+1]
	return m.cols[a:b], m.rowVal[a:b]
}

func (m *matrix) col(i int) ([]int32, []float32) {
	a, b := m.colOff[i], m.colOff[i+1]
	return m.rows[a:b], m.colVal[a:b]
}
