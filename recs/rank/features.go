package rank

import (
	"math"

	"github.com/cuepoint/cuepoint/recs/model"
)

// The ranker's features, in the order of a feature vector. The trainer computes them with the
// same code (Ranking.Features) on logged impressions, so training and serving cannot drift.
const (
	FBias      = iota // 1
	FMF               // viewer embedding · item embedding (0 without a viewer embedding)
	FHasViewer        // 1 when the viewer has an embedding (lets the model trust FMF)
	FCooc             // co-occurrence with the viewer's recent watches, recency-decayed
	FCoocNext         // co-occurrence with the title being watched (surface "next")
	FTrend            // log1p(live decayed popularity)
	FPrior            // log1p(popularity at training time)
	FFresh            // exp(−age/30 days): new titles
	FGenre            // share of recent watches sharing a genre with the item
	FNextGenre        // 1 when the item shares a genre with the title being watched
	FYear             // (release year − 2000) / 25
	FPosition         // log2(1+position) of a logged impression; 0 when serving
	NumFeatures
)

// FeatureNames are the features' names in a model file.
var FeatureNames = [NumFeatures]string{
	"bias", "mf", "has_viewer", "cooc", "cooc_next", "trend", "prior", "fresh", "genre",
	"next_genre", "year", "position",
}

// Weights are logistic-regression weights, one per feature: an item's score is the logit
// w·x of its feature vector x.
type Weights [NumFeatures]float32

// DefaultWeights rank before any model is trained: a hand-set blend of taste, co-occurrence,
// popularity and freshness that is sensible on its own and is what cold systems serve.
func DefaultWeights() Weights {
	var w Weights
	w[FBias] = -3
	w[FMF] = 1
	w[FCooc] = 2
	w[FCoocNext] = 2
	w[FTrend] = 0.4
	w[FPrior] = 0.3
	w[FFresh] = 0.5
	w[FGenre] = 1
	w[FNextGenre] = 0.5
	return w
}

// WeightsFrom maps a model's weights onto the features by name: a feature the model has no
// weight for gets 0, a weight for a feature this code does not know is ignored. A model
// without ranker weights gets DefaultWeights.
func WeightsFrom(m *model.Model) Weights {
	if len(m.Meta.Features) == 0 {
		return DefaultWeights()
	}
	var w Weights
	for f, name := range FeatureNames {
		w[f] = m.Weight(name)
	}
	return w
}

// Slice returns the weights in FeatureNames order, for a model file.
func (w Weights) Slice() []float32 { return append([]float32(nil), w[:]...) }

// Logit is w·x.
func (w *Weights) Logit(x []float32) float32 {
	var s float32
	for f := range NumFeatures {
		s += w[f] * x[f]
	}
	return s
}

// Sigmoid is the logistic function.
func Sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

const freshScaleMS = 30 * 24 * 3600 * 1000

// fresh is the FFresh feature of a title added at addedMS, as of nowMS.
func fresh(addedMS, nowMS int64) float32 {
	age := nowMS - addedMS
	if age <= 0 {
		return 1
	}
	return float32(math.Exp(-float64(age) / freshScaleMS))
}
