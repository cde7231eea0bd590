package train

import (
	"fmt"
	"runtime"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
)

// Config are the trainer's hyper-parameters. Zero fields take DefaultConfig's values.
type Config struct {
	Seed uint64
	// Dim is the embedding dimension; the featurestore stores featurestore.EmbeddingDim.
	Dim        int
	Iterations int     // ALS sweeps
	Reg        float64 // ALS L2 regularisation
	Alpha      float64 // ALS confidence per unit of strength: c = 1 + Alpha·r
	// Co-occurrence: plays within Window consecutive plays of a viewer pair up; each item keeps
	// its Neighbors best neighbours seen together at least MinCount times.
	Window, Neighbors, MinCount int
	// PriorHalfLife decays the popularity prior.
	PriorHalfLife time.Duration
	// TestFraction is the latest share of the data's time span held out for evaluation;
	// RankerFraction the share before it whose impressions fit the ranker (with embeddings
	// fit on the data before that, so the ranker learns from features it did not see fit).
	TestFraction, RankerFraction float64
	RankerReg                    float64
	// RandomNegatives is the number of random titles each play in the ranker's window is
	// contrasted with (see rankerExamples).
	RandomNegatives int
	// MaxRankerLists caps the lists the ranker learns from (a deterministic sample by id).
	MaxRankerLists int
	// MaxEvalUsers caps the viewers evaluated (a deterministic sample).
	MaxEvalUsers int
	// Ks are the cut-offs of the offline metrics.
	Ks []int
	// Refit fits the published model on all the data (after evaluating on the split); false
	// publishes the evaluated model.
	Refit   bool
	Workers int
	// Now is the model's creation time (default: time.Now()); its version derives from it.
	Now time.Time
}

// DefaultConfig is the configuration `cuepoint train` runs with.
func DefaultConfig() Config {
	return Config{
		Seed: 1, Dim: featurestore.EmbeddingDim, Iterations: 12, Reg: 60, Alpha: 10,
		Window: 20, Neighbors: 50, MinCount: 2, PriorHalfLife: 72 * time.Hour,
		TestFraction: 0.2, RankerFraction: 0.25, RankerReg: 1, RandomNegatives: 20, MaxRankerLists: 40_000,
		MaxEvalUsers: 5000, Ks: []int{10, 50}, Refit: true,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setF := func(v *float64, def float64) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&c.Dim, d.Dim)
	set(&c.Iterations, d.Iterations)
	set(&c.Window, d.Window)
	set(&c.Neighbors, d.Neighbors)
	set(&c.MinCount, d.MinCount)
	set(&c.MaxRankerLists, d.MaxRankerLists)
	if c.RandomNegatives == 0 {
		c.RandomNegatives = d.RandomNegatives
	}
	set(&c.MaxEvalUsers, d.MaxEvalUsers)
	set(&c.Workers, runtime.GOMAXPROCS(0))
	setF(&c.Reg, d.Reg)
	setF(&c.Alpha, d.Alpha)
	setF(&c.TestFraction, d.TestFraction)
	setF(&c.RankerFraction, d.RankerFraction)
	setF(&c.RankerReg, d.RankerReg)
	if c.PriorHalfLife <= 0 {
		c.PriorHalfLife = d.PriorHalfLife
	}
	if len(c.Ks) == 0 {
		c.Ks = d.Ks
	}
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	c.Now = c.Now.UTC().Truncate(time.Second)
	return c
}

// Validate reports the first setting out of range.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Dim > 512:
		return fmt.Errorf("dim %d: at most 512", c.Dim)
	case c.TestFraction+c.RankerFraction >= 0.9:
		return fmt.Errorf("test fraction %.2f + ranker fraction %.2f leave too little to fit embeddings", c.TestFraction, c.RankerFraction)
	}
	for _, k := range c.Ks {
		if k < 1 || k > 1000 {
			return fmt.Errorf("metric cut-off %d: want 1..1000", k)
		}
	}
	return nil
}
