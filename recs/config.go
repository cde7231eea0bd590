package recs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/recs/catalog"
)

// Config is the recs service's settings. Flags declares them; start from DefaultConfig.
type Config struct {
	Addr string
	// ModelDir is where `cuepoint train` publishes models (empty: serve untrained).
	ModelDir       string
	ReloadInterval time.Duration
	// FeatureTimeout bounds the featurestore reads of one request, viewer and candidates
	// together; past it the request goes on with what it has (cached, trending).
	FeatureTimeout time.Duration
	// ItemFeatures reads the candidates' live popularity in the request, in what is left of
	// the feature deadline. Off, candidates carry the trending snapshot's values, at most
	// TrendingRefresh old: popularity is the same for every viewer, so reading it per request
	// buys seconds of freshness for a 500-entity batch read on every request.
	ItemFeatures    bool
	TrendingRefresh time.Duration
	MaxCandidates   int
	Lambda          float64 // MMR: 1 is relevance only
	ExploreShare    float64
	GenreCap        float64
	// Experiment names the A/B test; Arms are its arms ("model=90,popular=10").
	Experiment string
	Arms       []Arm
	// Promotions pin titles: "item-7@1" puts item-7 first for every viewer who may see it.
	Promotions []string
	// HistoryViewers bounds the viewers whose recent plays the instance remembers itself
	// (read-your-writes before the featurestore's recent view catches up).
	HistoryViewers int
	// DefaultMaxRating applies when a request names no maturity limit.
	DefaultMaxRating catalog.Rating
	// Seed makes exploration reproducible (with the viewer and the list id).
	Seed uint64
}

// DefaultConfig returns the defaults documented in --help.
func DefaultConfig() Config {
	return Config{
		Addr:             ":8085",
		ReloadInterval:   2 * time.Second,
		FeatureTimeout:   15 * time.Millisecond,
		ItemFeatures:     false,
		TrendingRefresh:  10 * time.Second,
		MaxCandidates:    500,
		Lambda:           0.9,
		ExploreShare:     0.1,
		GenreCap:         0.5,
		Experiment:       "recs-ranker",
		Arms:             []Arm{{Name: ArmModel, Weight: 90}, {Name: ArmPopular, Weight: 10}},
		HistoryViewers:   200_000,
		DefaultMaxRating: catalog.MaxRating,
		Seed:             1,
	}
}

// Flags declares the service's settings on fs and returns the config they fill in once
// fs.Parse succeeded.
func Flags(fs *config.FlagSet) *Config {
	c := DefaultConfig()
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	fs.StringVar(&c.ModelDir, "model-dir", c.ModelDir, "directory `cuepoint train` publishes models to, watched for new ones (default: <root>/recs/models)")
	fs.DurationVar(&c.ReloadInterval, "model-reload", c.ReloadInterval, "how often the model directory is checked for a new model")
	fs.DurationVar(&c.FeatureTimeout, "feature-timeout", c.FeatureTimeout, "deadline of a request's featurestore reads (viewer and candidates together)")
	fs.BoolVar(&c.ItemFeatures, "item-features", c.ItemFeatures, "also read the candidates' live popularity per request (else the trending snapshot's, refreshed every --trending-refresh)")
	fs.DurationVar(&c.TrendingRefresh, "trending-refresh", c.TrendingRefresh, "how often the trending snapshot is rebuilt from the featurestore")
	fs.IntVar(&c.MaxCandidates, "max-candidates", c.MaxCandidates, "candidates scored per request")
	fs.Float64Var(&c.Lambda, "mmr-lambda", c.Lambda, "MMR relevance weight in (0, 1]; 1 disables diversity re-ranking")
	fs.Float64Var(&c.ExploreShare, "explore-share", c.ExploreShare, "share of list slots given to exploration (Thompson sampling), 0..0.5")
	fs.Float64Var(&c.GenreCap, "genre-cap", c.GenreCap, "largest share of a list one primary genre may take (0: none)")
	fs.StringVar(&c.Experiment, "experiment", c.Experiment, "name of the A/B experiment (salts the assignment)")
	arms := fs.String("arms", FormatArms(c.Arms), "experiment arms and weights: model, model-nodiv (no MMR or exploration), popular")
	promos := fs.StringList("promote", nil, "editorial pins, ID@POSITION, comma-separated (e.g. item-7@1)")
	fs.IntVar(&c.HistoryViewers, "history-viewers", c.HistoryViewers, "viewers whose recent plays this instance remembers")
	maxRating := fs.String("default-max-rating", c.DefaultMaxRating.String(), "maturity limit when a request gives none: G, PG, PG-13, R or NC-17")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of exploration")
	fs.Check(func() error {
		var err error
		if c.Arms, err = ParseArms(*arms); err != nil {
			return &config.UsageError{Setting: "arms", Err: err}
		}
		if c.DefaultMaxRating, err = catalog.ParseRating(*maxRating); err != nil {
			return &config.UsageError{Setting: "default-max-rating", Err: err}
		}
		c.Promotions = *promos
		return c.Validate()
	})
	return &c
}

// Validate reports the first unusable setting as a *config.UsageError naming it.
func (c *Config) Validate() error {
	bad := func(name, format string, args ...any) error {
		return &config.UsageError{Setting: name, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case c.FeatureTimeout <= 0 || c.FeatureTimeout > time.Second:
		return bad("feature-timeout", "%s: want (0, 1s]", c.FeatureTimeout)
	case c.ReloadInterval <= 0:
		return bad("model-reload", "must be positive")
	case c.TrendingRefresh <= 0:
		return bad("trending-refresh", "must be positive")
	case c.MaxCandidates < 1 || c.MaxCandidates > 10_000:
		return bad("max-candidates", "%d: want 1..10000", c.MaxCandidates)
	case !(c.Lambda > 0 && c.Lambda <= 1):
		return bad("mmr-lambda", "%v: want (0, 1]", c.Lambda)
	case c.ExploreShare < 0 || c.ExploreShare > 0.5:
		return bad("explore-share", "%v: want 0..0.5", c.ExploreShare)
	case c.GenreCap < 0 || c.GenreCap > 1:
		return bad("genre-cap", "%v: want 0..1", c.GenreCap)
	case c.Experiment == "" || strings.ContainsAny(c.Experiment, " \"\\"):
		return bad("experiment", "%q: want a name without spaces or quotes", c.Experiment)
	case c.HistoryViewers < 0:
		return bad("history-viewers", "must not be negative")
	case len(c.Arms) == 0:
		return bad("arms", "at least one arm")
	}
	for _, p := range c.Promotions {
		if _, _, err := parsePromotion(p); err != nil {
			return bad("promote", "%v", err)
		}
	}
	return nil
}

// parsePromotion reads "ID@POSITION".
func parsePromotion(s string) (string, int, error) {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "", 0, fmt.Errorf("%q: want ID@POSITION", s)
	}
	pos, err := strconv.Atoi(s[at+1:])
	if err != nil || pos < 1 || pos > 200 {
		return "", 0, fmt.Errorf("%q: position must be 1..200", s)
	}
	return s[:at], pos, nil
}
