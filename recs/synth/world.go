package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/cuepoint/cuepoint/recs/catalog"
)

// Config describes a synthetic world. Zero fields take the defaults of DefaultConfig.
type Config struct {
	Seed    uint64
	Viewers int
	// The events span Days days ending at End.
	Days int
	End  time.Time
	// SessionsPerViewer is the mean number of lists a viewer is shown.
	SessionsPerViewer float64
	ListLen           int
	LatentDim         int
	// TasteWeight scales affinity in the click logit; PopWeight scales log-popularity; Base is
	// the logit's intercept.
	TasteWeight, PopWeight, Base float64
	// ZipfS is the exponent of title popularity, ActivityS of viewer activity.
	ZipfS, ActivityS float64
	// PositionDecay is the exponent of position bias: position p is examined with p^−decay.
	PositionDecay  float64
	PlayGivenClick float64
	// KidsShare is the share of kids' profiles (maturity limit PG).
	KidsShare float64
	// PreviousShare is the share of each logged list chosen by the previous recommender, whose
	// belief about a title is the true affinity plus Gaussian noise of PreviousNoise.
	PreviousShare, PreviousNoise float64
}

// DefaultConfig is the world the docs' figures use.
func DefaultConfig() Config {
	return Config{
		Seed: 1, Viewers: 5000, Days: 14, SessionsPerViewer: 20, ListLen: 20, LatentDim: 16,
		TasteWeight: 5, PopWeight: 0.4, Base: -3, ZipfS: 0.8, ActivityS: 0.7, PositionDecay: 0.8,
		PlayGivenClick: 0.8, KidsShare: 0.1, PreviousShare: 0.5, PreviousNoise: 1.5,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Viewers <= 0 {
		c.Viewers = d.Viewers
	}
	if c.Days <= 0 {
		c.Days = d.Days
	}
	if c.End.IsZero() {
		c.End = time.Now()
	}
	c.End = c.End.UTC().Truncate(time.Millisecond)
	if c.SessionsPerViewer <= 0 {
		c.SessionsPerViewer = d.SessionsPerViewer
	}
	if c.ListLen <= 0 {
		c.ListLen = d.ListLen
	}
	if c.LatentDim <= 0 {
		c.LatentDim = d.LatentDim
	}
	if c.TasteWeight == 0 {
		c.TasteWeight = d.TasteWeight
	}
	if c.PopWeight == 0 {
		c.PopWeight = d.PopWeight
	}
	if c.Base == 0 {
		c.Base = d.Base
	}
	if c.ZipfS == 0 {
		c.ZipfS = d.ZipfS
	}
	if c.ActivityS == 0 {
		c.ActivityS = d.ActivityS
	}
	if c.PositionDecay == 0 {
		c.PositionDecay = d.PositionDecay
	}
	if c.PlayGivenClick == 0 {
		c.PlayGivenClick = d.PlayGivenClick
	}
	if c.KidsShare == 0 {
		c.KidsShare = d.KidsShare
	}
	if c.PreviousShare == 0 {
		c.PreviousShare = d.PreviousShare
	}
	if c.PreviousNoise == 0 {
		c.PreviousNoise = d.PreviousNoise
	}
	return c
}

// Viewer is one synthetic viewer.
type Viewer struct {
	ID        string
	Country   catalog.Region
	MaxRating catalog.Rating
	Taste     []float64
	activity  float64 // relative share of sessions
}

// World is a synthetic audience over a catalogue. It is immutable after New.
type World struct {
	Config  Config
	Catalog *catalog.Catalog
	Viewers []Viewer

	latent  [][]float64 // title → latent vector
	popular []float64   // title → PopWeight·log-popularity, centred
	popCDF  []float64   // cumulative popularity weights (logging policy)
	actCDF  []float64   // cumulative viewer activity
	byID    map[string]int
}

// New builds the world for cat, deterministically from cfg.Seed.
func New(cat *catalog.Catalog, cfg Config) *World {
	cfg = cfg.withDefaults()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	w := &World{Config: cfg, Catalog: cat, byID: map[string]int{}}
	k := cfg.LatentDim
	genres := cat.Genres()
	centroid := make([][]float64, len(genres))
	for g := range centroid {
		centroid[g] = unit(gaussian(rng, k))
	}
	n := cat.Len()
	// Titles: genre mixture plus noise; Zipf popularity over a random permutation.
	w.latent = make([][]float64, n)
	for i := range n {
		v := make([]float64, k)
		mask := cat.GenreMask(int32(i))
		primary := cat.PrimaryGenre(int32(i))
		for g := range genres {
			if mask&(1<<g) != 0 {
				wt := 1.0
				if uint8(g) == primary {
					wt = 2
				}
				axpy(v, wt, centroid[g])
			}
		}
		v = unit(v)
		axpy(v, 0.45, gaussian(rng, k))
		w.latent[i] = unit(v)
	}
	rank := rng.Perm(n)
	w.popular = make([]float64, n)
	w.popCDF = make([]float64, n)
	var mean, total float64
	for i := range n {
		p := math.Pow(float64(rank[i]+1), -cfg.ZipfS)
		w.popular[i] = math.Log(p)
		mean += w.popular[i] / float64(n)
		total += p
		w.popCDF[i] = total
	}
	for i := range n {
		w.popular[i] = cfg.PopWeight * (w.popular[i] - mean)
	}
	// Viewers.
	w.Viewers = make([]Viewer, cfg.Viewers)
	w.actCDF = make([]float64, cfg.Viewers)
	act := rng.Perm(cfg.Viewers)
	total = 0
	for u := range w.Viewers {
		taste := make([]float64, k)
		for m := 1 + rng.IntN(3); m > 0; m-- {
			axpy(taste, 0.5+rng.Float64(), centroid[rng.IntN(len(genres))])
		}
		taste = unit(taste)
		axpy(taste, 0.35, gaussian(rng, k))
		vw := Viewer{
			ID:        fmt.Sprintf("viewer-%d", u+1),
			Country:   catalog.MustRegion(catalog.DemoRegions[rng.IntN(len(catalog.DemoRegions))]),
			MaxRating: catalog.MaxRating,
			Taste:     unit(taste),
			activity:  math.Pow(float64(act[u]+1), -cfg.ActivityS),
		}
		if rng.Float64() < cfg.KidsShare {
			vw.MaxRating = catalog.RatingPG
		}
		total += vw.activity
		w.actCDF[u] = total
		w.Viewers[u] = vw
		w.byID[vw.ID] = u
	}
	return w
}

// ViewerIndex returns the index of the viewer with the given id.
func (w *World) ViewerIndex(id string) (int, bool) {
	u, ok := w.byID[id]
	return u, ok
}

// Affinity is the ground truth: viewer u's click logit for title i, before position bias
// (Base + TasteWeight·taste·latent + popularity).
func (w *World) Affinity(u int, i int32) float64 {
	return w.Config.Base + w.Config.TasteWeight*dotf(w.Viewers[u].Taste, w.latent[i]) + w.popular[i]
}

func gaussian(rng *rand.Rand, k int) []float64 {
	v := make([]float64, k)
	for j := range v {
		v[j] = rng.NormFloat64() / math.Sqrt(float64(k))
	}
	return v
}

func unit(v []float64) []float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return v
	}
	s = 1 / math.Sqrt(s)
	for j := range v {
		v[j] *= s
	}
	return v
}

func axpy(y []float64, a float64, x []float64) {
	for j := range y {
		y[j] += a * x[j]
	}
}

func dotf(a, b []float64) float64 {
	var s float64
	for j := range a {
		s += a[j] * b[j]
	}
	return s
}

// ExpectedClicks is the ground truth's expected number of clicks on list (titles in order)
// shown to viewer u: Σ_p p^−PositionDecay · σ(Affinity(u, item_p)). It judges a ranking the
// way an online A/B test would, without running one.
func (w *World) ExpectedClicks(u int, list []int32) float64 {
	var s float64
	for p, i := range list {
		s += math.Pow(float64(p+1), -w.Config.PositionDecay) * sigmoid(w.Affinity(u, i))
	}
	return s
}
