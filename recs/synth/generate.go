package synth

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// Service, Model and Surface label the generated events.
const (
	Service = "synth"
	Model   = "synth-logging"
	Surface = "home"
)

// Stats counts what Generate produced.
type Stats struct {
	Lists, Impressions, Clicks, Plays int
	From, To                          time.Time
}

// CTR is clicks per impression.
func (s Stats) CTR() float64 {
	if s.Impressions == 0 {
		return 0
	}
	return float64(s.Clicks) / float64(s.Impressions)
}

// Generate runs the world's sessions in time order and hands every event to emit: a
// RecsServed per list, then a RecsAction per click and per play. It stops at emit's first
// error. The same world always produces the same events, ids included.
func (w *World) Generate(emit func(events.Typed) error) (Stats, error) {
	cfg := w.Config
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e11))
	endMS := cfg.End.UnixMilli() - int64(time.Minute/time.Millisecond)
	startMS := cfg.End.Add(-time.Duration(cfg.Days) * 24 * time.Hour).UnixMilli()
	sessions := int(cfg.SessionsPerViewer * float64(len(w.Viewers)))
	times := make([]int64, sessions)
	for s := range times {
		times[s] = startMS + rng.Int64N(endMS-startMS)
	}
	slices.Sort(times)

	st := Stats{From: time.UnixMilli(startMS).UTC(), To: time.UnixMilli(endMS).UTC()}
	played := map[uint64]struct{}{}
	list := make([]int32, 0, cfg.ListLen)
	inList := map[int32]struct{}{}
	for _, t := range times {
		u := sort.SearchFloat64s(w.actCDF, rng.Float64()*w.actCDF[len(w.actCDF)-1])
		u = min(u, len(w.Viewers)-1)
		list = w.loggingPolicy(rng, u, t, list[:0], inList, played)
		if len(list) == 0 {
			continue
		}
		v := &w.Viewers[u]
		served := &events.RecsServed{
			Header:  w.header(rng, t),
			UserID:  v.ID,
			Surface: Surface,
			Model:   Model,
			Items:   make([]string, len(list)),
		}
		for k, i := range list {
			served.Items[k] = w.Catalog.ID(i)
		}
		if err := emit(served); err != nil {
			return st, err
		}
		st.Lists++
		st.Impressions += len(list)
		at := t
		for k, i := range list {
			pos := k + 1
			if rng.Float64() >= math.Pow(float64(pos), -cfg.PositionDecay) {
				continue // not examined
			}
			key := uint64(u)<<32 | uint64(uint32(i))
			if _, seen := played[key]; seen {
				continue
			}
			if rng.Float64() >= sigmoid(w.Affinity(u, i)) {
				continue
			}
			at += 2000 + rng.Int64N(15000)
			if err := emit(w.action(rng, events.ActionClick, served, i, pos, at)); err != nil {
				return st, err
			}
			st.Clicks++
			if rng.Float64() < cfg.PlayGivenClick {
				at += 1000 + rng.Int64N(4000)
				if err := emit(w.action(rng, events.ActionPlay, served, i, pos, at)); err != nil {
					return st, err
				}
				played[key] = struct{}{}
				st.Plays++
			}
		}
	}
	return st, nil
}

// loggingPolicy fills list with titles the viewer may see at t and has not played, the way
// a deployment's logs come from the system that served them: a share from the previous
// recommender (of a few random titles, those it believed the viewer likes best, its belief
// being the true affinity blurred by noise), the rest half by popularity and half uniformly.
// The list is shuffled, so position is independent of the title.
func (w *World) loggingPolicy(rng *rand.Rand, u int, t int64, list []int32, in map[int32]struct{}, played map[uint64]struct{}) []int32 {
	clear(in)
	v := &w.Viewers[u]
	n := w.Catalog.Len()
	want := min(w.Config.ListLen, n)
	ok := func(i int32) bool {
		if _, dup := in[i]; dup {
			return false
		}
		if _, seen := played[uint64(u)<<32|uint64(uint32(i))]; seen {
			return false
		}
		return w.Catalog.Allowed(i, v.Country, v.MaxRating, t)
	}
	// The previous recommender's share.
	prev := int(w.Config.PreviousShare*float64(want) + 0.5)
	type belief struct {
		i int32
		b float64
	}
	var pool []belief
	for attempts := 0; len(pool) < 8*prev && attempts < 40*prev; attempts++ {
		if i := int32(rng.IntN(n)); ok(i) {
			pool = append(pool, belief{i, w.Affinity(u, i) + w.Config.PreviousNoise*rng.NormFloat64()})
		}
	}
	slices.SortFunc(pool, func(a, b belief) int { return cmp.Compare(b.b, a.b) })
	for _, p := range pool {
		if len(list) >= prev {
			break
		}
		if ok(p.i) {
			in[p.i] = struct{}{}
			list = append(list, p.i)
		}
	}
	for attempts := 0; len(list) < want && attempts < 20*want; attempts++ {
		var i int32
		if attempts%2 == 0 {
			i = int32(sort.SearchFloat64s(w.popCDF, rng.Float64()*w.popCDF[n-1]))
			i = min(i, int32(n-1))
		} else {
			i = int32(rng.IntN(n))
		}
		if ok(i) {
			in[i] = struct{}{}
			list = append(list, i)
		}
	}
	rng.Shuffle(len(list), func(a, b int) { list[a], list[b] = list[b], list[a] })
	return list
}

func (w *World) action(rng *rand.Rand, kind events.ActionKind, served *events.RecsServed, i int32, pos int, at int64) *events.RecsAction {
	return &events.RecsAction{
		Header:   w.header(rng, at),
		Kind:     kind,
		ListID:   served.ID,
		UserID:   served.UserID,
		ItemID:   w.Catalog.ID(i),
		Position: pos,
		Model:    Model,
	}
}

// header returns an event header at t (Unix ms) with a deterministic id in NewID's format:
// 12 hex digits of the time, 20 random from the world's generator.
func (w *World) header(rng *rand.Rand, t int64) events.Header {
	const hexDigits = "0123456789abcdef"
	var id [events.IDLen]byte
	r1, r2 := rng.Uint64(), rng.Uint32()
	for k := 0; k < 12; k++ {
		id[k] = hexDigits[(uint64(t)>>(4*(11-k)))&0xf]
	}
	for k := 0; k < 16; k++ {
		id[12+k] = hexDigits[(r1>>(4*(15-k)))&0xf]
	}
	for k := 0; k < 4; k++ {
		id[28+k] = hexDigits[(r2>>(4*(3-k)))&0xf]
	}
	return events.Header{V: events.Version, ID: string(id[:]), Time: time.UnixMilli(t).UTC(), Service: Service}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
