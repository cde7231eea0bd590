package train

import "math"

// Metric names in reports and model files: "recall@K", "ndcg@K", "map@K".
const (
	MetricRecall = "recall"
	MetricNDCG   = "ndcg"
	MetricMAP    = "map"
)

// ranked scores one recommendation list against the items a viewer went on to play
// (relevant), at cut-off k, with binary relevance:
//
//	recall@k = |top-k ∩ relevant| / |relevant|
//	NDCG@k   = Σ_{p ≤ k, rec_p relevant} 1/log2(p+1)  ÷  Σ_{p ≤ min(k, |relevant|)} 1/log2(p+1)
//	AP@k     = Σ_{p ≤ k, rec_p relevant} precision@p  ÷  min(k, |relevant|)
//
// MAP@k is the mean of AP@k over viewers.
func ranked(list []int32, relevant map[int32]struct{}, k int) (recall, ndcg, ap float64) {
	if len(relevant) == 0 {
		return 0, 0, 0
	}
	var dcg, hits float64
	for p, i := range list[:min(k, len(list))] {
		if _, ok := relevant[i]; ok {
			hits++
			dcg += 1 / math.Log2(float64(p)+2)
			ap += hits / float64(p+1)
		}
	}
	var idcg float64
	ideal := min(k, len(relevant))
	for p := range ideal {
		idcg += 1 / math.Log2(float64(p)+2)
	}
	return hits / float64(len(relevant)), dcg / idcg, ap / float64(ideal)
}
