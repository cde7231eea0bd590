package model

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Limits checked when a model is built or decoded.
const (
	MaxItems     = 1 << 22
	MaxDim       = 512
	MaxIDLen     = 128
	MaxNeighbors = 1 << 10 // per item
	MaxFeatures  = 1 << 10
)

// Model is a trained recs model. It is immutable once built: servers share one between
// goroutines.
type Model struct {
	Meta Meta
	// Items are the ids of the items the model knows; arrays below are indexed like Items.
	Items []string
	// ItemEmb holds len(Items)×Meta.Dim item embeddings, row-major.
	ItemEmb []float32
	// Gram is VᵀV of the item embeddings (Meta.Dim×Meta.Dim), for folding in viewers.
	Gram []float32
	// Prior is each item's popularity at training time (decayed plays).
	Prior []float32
	// Item i's co-occurrence neighbours are NbrIdx[NbrOff[i]:NbrOff[i+1]], best first, with
	// weights NbrW in (0, 1].
	NbrOff []uint32
	NbrIdx []uint32
	NbrW   []float32
	// Weights of the ranker, one per name in Meta.Features.
	Weights []float32
}

// Meta describes a model: where it came from and how good it was offline.
type Meta struct {
	Version   string    `json:"version"`
	Created   time.Time `json:"created"`
	Algorithm string    `json:"algorithm"` // e.g. "als+cooc+lr"
	Seed      uint64    `json:"seed"`
	Dim       int       `json:"dim"`
	// ALS hyper-parameters, needed to fold in a viewer consistently with training.
	Reg   float64 `json:"reg"`
	Alpha float64 `json:"alpha"`
	// PriorAsOf is the time Prior refers to; PriorHalfLife its decay.
	PriorAsOf     time.Time     `json:"prior_as_of"`
	PriorHalfLife time.Duration `json:"prior_half_life"`
	// Features name the ranker's weights, in order.
	Features []string `json:"features"`
	Training Training `json:"training"`
	Eval     []Eval   `json:"eval,omitempty"`
}

// Training is the data the model was fit on.
type Training struct {
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	Users        int       `json:"users"`
	Items        int       `json:"items"`
	Interactions int       `json:"interactions"`
	Impressions  int       `json:"impressions"`
}

// Eval is one system's offline quality on the held-out, later part of the data.
type Eval struct {
	System  string             `json:"system"` // "model", "popularity", …
	Users   int                `json:"users"`
	Metrics map[string]float64 `json:"metrics"` // "ndcg@10", "recall@50", "map@10", …
}

// Weight returns the ranker weight of the feature called name (0 when the model has none).
func (m *Model) Weight(name string) float32 {
	for i, f := range m.Meta.Features {
		if f == name {
			return m.Weights[i]
		}
	}
	return 0
}

// Embedding returns item i's embedding (shared memory: do not modify).
func (m *Model) Embedding(i int) []float32 {
	d := m.Meta.Dim
	return m.ItemEmb[i*d : (i+1)*d : (i+1)*d]
}

// Neighbors returns item i's co-occurrence neighbours and weights (shared memory).
func (m *Model) Neighbors(i int) ([]uint32, []float32) {
	a, b := m.NbrOff[i], m.NbrOff[i+1]
	return m.NbrIdx[a:b:b], m.NbrW[a:b:b]
}

// Validate checks that every array has the size the others imply, that indexes are in range,
// ids valid and unique, and floats finite.
func (m *Model) Validate() error {
	n, d := len(m.Items), m.Meta.Dim
	if n > MaxItems {
		return fmt.Errorf("model: %d items, more than %d", n, MaxItems)
	}
	if d < 1 || d > MaxDim {
		return fmt.Errorf("model: dim %d outside 1..%d", d, MaxDim)
	}
	if m.Meta.Version == "" {
		return errors.New("model: no version")
	}
	seen := make(map[string]struct{}, n)
	for i, id := range m.Items {
		if id == "" || len(id) > MaxIDLen {
			return fmt.Errorf("model: item %d: id of %d bytes", i, len(id))
		}
		if _, dup := seen[id]; dup {
			return fmt.Errorf("model: item %d: duplicate id %q", i, id)
		}
		seen[id] = struct{}{}
	}
	if len(m.ItemEmb) != n*d {
		return fmt.Errorf("model: %d embedding values for %d items × dim %d", len(m.ItemEmb), n, d)
	}
	if len(m.Gram) != d*d {
		return fmt.Errorf("model: Gram matrix has %d values, want %d", len(m.Gram), d*d)
	}
	if len(m.Prior) != n {
		return fmt.Errorf("model: %d prior values for %d items", len(m.Prior), n)
	}
	if len(m.NbrOff) != n+1 || m.NbrOff[0] != 0 {
		return fmt.Errorf("model: neighbour offsets: %d values for %d items", len(m.NbrOff), n)
	}
	for i := 0; i < n; i++ {
		if m.NbrOff[i+1] < m.NbrOff[i] || m.NbrOff[i+1]-m.NbrOff[i] > MaxNeighbors {
			return fmt.Errorf("model: neighbour offsets of item %d are not increasing by at most %d", i, MaxNeighbors)
		}
	}
	if last := int(m.NbrOff[n]); last != len(m.NbrIdx) || last != len(m.NbrW) {
		return fmt.Errorf("model: %d neighbour slots, %d indexes, %d weights", last, len(m.NbrIdx), len(m.NbrW))
	}
	for k, j := range m.NbrIdx {
		if int(j) >= n {
			return fmt.Errorf("model: neighbour %d points at item %d of %d", k, j, n)
		}
	}
	if len(m.Meta.Features) > MaxFeatures || len(m.Weights) != len(m.Meta.Features) {
		return fmt.Errorf("model: %d weights for %d features", len(m.Weights), len(m.Meta.Features))
	}
	for _, a := range [][]float32{m.ItemEmb, m.Gram, m.Prior, m.NbrW, m.Weights} {
		for _, v := range a {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return errors.New("model: a value is NaN or infinite")
			}
		}
	}
	if math.IsNaN(m.Meta.Reg) || m.Meta.Reg < 0 || math.IsNaN(m.Meta.Alpha) || m.Meta.Alpha < 0 {
		return errors.New("model: reg and alpha must be non-negative numbers")
	}
	return nil
}
