package rank

import (
	"time"

	"github.com/cuepoint/cuepoint/recs/catalog"
)

// Surface is where a list is shown.
type Surface uint8

// Surfaces.
const (
	SurfaceHome Surface = iota // the home screen's personal row
	SurfaceNext                // "up next", beside or after the title being watched
)

func (s Surface) String() string {
	if s == SurfaceNext {
		return "next"
	}
	return "home"
}

// MaxN is the longest list a request may ask for.
const MaxN = 200

// Request is one ranking's inputs, resolved to catalogue indexes.
type Request struct {
	N       int
	Surface Surface
	// Content is the title being watched (-1: none); it is never recommended.
	Content int32
	// History is what the viewer watched lately, newest first, without repeats; none of it is
	// recommended again.
	History []int32
	// Viewer is the viewer's embedding (nil: unknown). Ranking.Prepare folds one in from
	// History when it is nil and the model allows.
	Viewer []float32
	// Fresh is how many of History's first items were played after Viewer was computed
	// (plays the embedding has not seen): Prepare updates the embedding with them, one
	// incremental ALS step, so a list follows what the viewer just watched.
	Fresh int
	// Region and MaxRating are the rights and maturity filters: only titles licensed in Region
	// (or everywhere) and rated at most MaxRating are recommended.
	Region    catalog.Region
	MaxRating catalog.Rating
	Now       time.Time
	// Seed drives every random choice (exploration): equal requests with equal seeds get equal
	// lists.
	Seed uint64
	// Trend is the live popularity snapshot (nil: none; the prior stands in).
	Trend  *Trending
	Policy Policy
}

// Policy is how a list is put together; A/B arms differ in their policies.
type Policy struct {
	// Personalized false ranks by popularity alone: the baseline arm and the cold path.
	Personalized bool
	// MaxCandidates bounds the candidates scored (default 500).
	MaxCandidates int
	// Lambda trades relevance against diversity in MMR re-ranking: 1 is relevance only.
	Lambda float64
	// ExploreShare is the share of slots given to exploration (Thompson sampling).
	ExploreShare float64
	// GenreCap is the largest share of a list one primary genre may take (0: no cap).
	GenreCap float64
	// Promotions are editorial pins: an eligible title at a fixed position.
	Promotions []Promotion
}

// Promotion pins a title at a 1-based position when the title is eligible for the viewer.
type Promotion struct {
	Item     int32
	Position int
}

// DefaultPolicy is the personalised policy recs serves by default.
func DefaultPolicy() Policy {
	return Policy{Personalized: true, MaxCandidates: 500, Lambda: 0.9, ExploreShare: 0.1, GenreCap: 0.5}
}

// Source is a bitmask of the candidate sources that proposed an item.
type Source uint8

// Candidate sources.
const (
	SourceContent  Source = 1 << iota // neighbours of the title being watched
	SourceCooc                        // neighbours of recent watches
	SourceMF                          // nearest to the viewer's embedding
	SourceTrending                    // live popularity (or the prior)
	SourceFresh                       // recently added, for exploration
	SourceFill                        // catalogue scan when the others ran dry
)

// Candidate is one item under consideration, with the raw signals its features come from.
type Candidate struct {
	Item    int32
	Sources Source
	// Anchor is the recent watch that contributes most to Cooc (-1: none).
	Anchor   int32
	MF       float32
	Cooc     float32
	CoocNext float32
	// Trend is the item's live popularity; the caller may refresh it (from the featurestore)
	// between Candidates and Score.
	Trend float32
	Score float32 // logit, set by Score
}

// Reason says why an item is in a list.
type Reason uint8

// Reasons. ReasonSimilar carries the anchor title.
const (
	ReasonForYou   Reason = iota // the viewer's taste (embedding)
	ReasonSimilar                // similar to Anchor, which the viewer watched (or is watching)
	ReasonTrending               // popular now
	ReasonNew                    // recently added
	ReasonExplore                // an exploration slot
	ReasonPromoted               // an editorial pin
	ReasonPopular                // popularity baseline or cold start
)

var reasonNames = [...]string{"for_you", "similar", "trending", "new", "explore", "promoted", "popular"}

func (r Reason) String() string { return reasonNames[r] }

// Result is one item of a ranked list, in list order.
type Result struct {
	Item   int32
	Score  float32 // probability of a click, as the model sees it
	Reason Reason
	Anchor int32 // for ReasonSimilar: the title it is similar to
}
