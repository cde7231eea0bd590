package recs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cuepoint/cuepoint/recs/rank"
)

// The arms an experiment can run: each is a ranking policy.
const (
	ArmModel      = "model"       // the trained ranker, MMR diversity, exploration
	ArmModelNoDiv = "model-nodiv" // the trained ranker alone: no MMR, no exploration
	ArmPopular    = "popular"     // most popular first: the holdout that measures lift
)

// Arm is one arm of the experiment and its share of viewers.
type Arm struct {
	Name   string
	Weight int
}

// buckets is the resolution of assignment: weights are shares of it.
const buckets = 10_000

// ParseArms reads "model=90,popular=10": arm names and integer weights (any scale).
func ParseArms(s string) ([]Arm, error) {
	var arms []Arm
	seen := map[string]bool{}
	total := 0
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want NAME=WEIGHT", part)
		}
		weight, err := strconv.Atoi(w)
		if err != nil || weight < 0 || weight > 1_000_000 {
			return nil, fmt.Errorf("%q: weight must be an integer 0..1000000", part)
		}
		switch name {
		case ArmModel, ArmModelNoDiv, ArmPopular:
		default:
			return nil, fmt.Errorf("%q: unknown arm (want %s, %s or %s)", name, ArmModel, ArmModelNoDiv, ArmPopular)
		}
		if seen[name] {
			return nil, fmt.Errorf("arm %q twice", name)
		}
		seen[name] = true
		total += weight
		arms = append(arms, Arm{name, weight})
	}
	if total == 0 {
		return nil, fmt.Errorf("%q: the weights must not all be 0", s)
	}
	return arms, nil
}

// FormatArms is the inverse of ParseArms.
func FormatArms(arms []Arm) string {
	parts := make([]string, len(arms))
	for k, a := range arms {
		parts[k] = a.Name + "=" + strconv.Itoa(a.Weight)
	}
	return strings.Join(parts, ",")
}

// experiment assigns viewers to arms deterministically: the viewer's bucket is a hash of
// the experiment's name and the viewer id, so a viewer stays in their arm across requests,
// instances and restarts, and a new experiment name reshuffles everyone independently of
// the last. Changing weights moves only the viewers whose buckets change hands.
type experiment struct {
	name  string
	arms  []armPolicy
	upper []uint32 // arm k gets buckets [upper[k-1], upper[k])
}

type armPolicy struct {
	Arm
	policy rank.Policy
	index  int
}

func newExperiment(c *Config) *experiment {
	e := &experiment{name: c.Experiment}
	total := 0
	for _, a := range c.Arms {
		total += a.Weight
	}
	var acc int
	for k, a := range c.Arms {
		acc += a.Weight
		e.upper = append(e.upper, uint32(acc*buckets/total))
		e.arms = append(e.arms, armPolicy{Arm: a, policy: policyFor(a.Name, c), index: k})
	}
	return e
}

func policyFor(arm string, c *Config) rank.Policy {
	p := rank.Policy{Personalized: true, MaxCandidates: c.MaxCandidates, Lambda: c.Lambda,
		ExploreShare: c.ExploreShare, GenreCap: c.GenreCap}
	switch arm {
	case ArmModelNoDiv:
		p.Lambda, p.ExploreShare, p.GenreCap = 1, 0, 0
	case ArmPopular:
		p = rank.Policy{MaxCandidates: min(c.MaxCandidates, 4*rank.MaxN)}
	}
	return p
}

// assign returns the viewer's arm.
func (e *experiment) assign(viewer string) *armPolicy {
	b := uint32(bucket(e.name, viewer))
	k := sort.Search(len(e.upper), func(k int) bool { return b < e.upper[k] })
	return &e.arms[min(k, len(e.arms)-1)]
}

// bucket hashes (salt, viewer) to 0..buckets-1: FNV-1a, then a splitmix64 finaliser so that
// similar ids spread evenly. Allocation-free.
func bucket(salt, viewer string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(salt); i++ {
		h = (h ^ uint64(salt[i])) * 1099511628211
	}
	h = (h ^ '/') * 1099511628211
	for i := 0; i < len(viewer); i++ {
		h = (h ^ uint64(viewer[i])) * 1099511628211
	}
	return mix64(h) % buckets
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
