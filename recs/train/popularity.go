package train

import (
	"math"
	"time"
)

// popularity returns each item's plays before asOf, each decayed by its age with halfLife:
// the model's prior and the popularity baseline.
func popularity(evs []event, ni int, asOf time.Time, halfLife time.Duration) []float32 {
	p := make([]float64, ni)
	now := asOf.UnixMilli()
	hl := float64(halfLife.Milliseconds())
	for _, e := range evs {
		if !e.play || e.t >= now {
			continue
		}
		p[e.i] += math.Exp2(-float64(now-e.t) / hl)
	}
	out := make([]float32, ni)
	for i, v := range p {
		out[i] = float32(v)
	}
	return out
}

// liveTrend is popularity kept current while walking through time: the featurestore's
// stream view, replayed (decayed plays, half-life featurestore.PopularityHalfLife).
type liveTrend struct {
	score []float64
	asOf  []int64
	hl    float64
}

func newLiveTrend(ni int, halfLife time.Duration) *liveTrend {
	return &liveTrend{score: make([]float64, ni), asOf: make([]int64, ni), hl: float64(halfLife.Milliseconds())}
}

// play counts a play of i at t (Unix ms, non-decreasing per item).
func (l *liveTrend) play(i int32, t int64) {
	l.score[i] = l.at(i, t) + 1
	l.asOf[i] = t
}

// at is item i's score decayed to t.
func (l *liveTrend) at(i int32, t int64) float64 {
	if l.score[i] == 0 || t <= l.asOf[i] {
		return l.score[i]
	}
	return l.score[i] * math.Exp2(-float64(t-l.asOf[i])/l.hl)
}
