package loadtest

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
)

// ServiceScenarios are the scenarios that target a Cuepoint service, in the order of their
// default ports. "url" (a plain GET of the target) and "mixed" (several of these at fixed
// proportions) complete the names Build accepts.
var ServiceScenarios = []string{"bidder", "adserver", "ssai", "recs", "featurestore"}

// ScenarioNames is every name --scenario accepts.
var ScenarioNames = append(slices.Clone(ServiceScenarios), "ssai-live", "mixed", "url")

// DefaultTargets are the services' default addresses on this machine (ARCHITECTURE.md).
var DefaultTargets = map[string]string{
	"bidder":       "http://127.0.0.1:8081",
	"adserver":     "http://127.0.0.1:8082",
	"ssai":         "http://127.0.0.1:8083",
	"ssai-live":    "http://127.0.0.1:8083",
	"recs":         "http://127.0.0.1:8085",
	"featurestore": "http://127.0.0.1:8086",
}

// DefaultMix is the mixed scenario's proportions: bid requests dominate an ad edge's traffic,
// then personalization reads; SSAI sessions are few but each is several requests.
var DefaultMix = map[string]int{"bidder": 60, "recs": 15, "adserver": 10, "featurestore": 10, "ssai": 5}

func isServiceScenario(name string) bool { return slices.Contains(ServiceScenarios, name) }

// Options shape the generated workloads. The zero value takes every default.
type Options struct {
	Seed     uint64  // all payloads are a pure function of the seed
	Pool     int     // distinct requests per scenario; default 2048
	Users    int     // viewer population; default 200,000
	Contents int     // catalog size; default 20,000
	ZipfS    float64 // Zipf exponent of viewer and content popularity (> 1); default 1.1

	SSAISources   []string // SSAI sources ({source} in /ssai/{source}/master.m3u8); default "demo"
	Player        Player   // plays SSAI sessions; default a SessionPlayer
	Connections   int      // sizes the default Player's connection pool; default 64
	FeatureViews  []string // featurestore views to read; default profile, recent (featurestore.Default)
	FeatureBatch  int      // entities per featurestore batch; default 200
	SessionLength int      // segments fetched per SSAI session by the default player; default 3
	LiveSessions  int      // sessions the ssai-live scenario starts (first of SSAISources); default 5,000
}

func (o Options) withDefaults() Options {
	if o.Pool <= 0 {
		o.Pool = 2048
	}
	if o.Users <= 0 {
		o.Users = 200_000
	}
	if o.Contents <= 0 {
		o.Contents = 20_000
	}
	if !(o.ZipfS > 1) {
		o.ZipfS = 1.1
	}
	if len(o.SSAISources) == 0 {
		o.SSAISources = []string{"demo"}
	}
	if o.Connections <= 0 {
		o.Connections = 64
	}
	if len(o.FeatureViews) == 0 {
		o.FeatureViews = []string{"profile", "recent"}
	}
	if o.FeatureBatch <= 0 {
		o.FeatureBatch = 200
	}
	if o.SessionLength == 0 {
		o.SessionLength = 3
	}
	return o
}

// Build makes the named service scenario (see ServiceScenarios) or "url" against target, a base
// URL such as http://127.0.0.1:8081 (for "url", the exact URL to GET).
func Build(name, target string, o Options) (*Scenario, error) {
	if _, err := parseTarget(target); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	switch name {
	case "bidder":
		return Bidder(target, o), nil
	case "adserver":
		return AdServer(target, o), nil
	case "ssai":
		return SSAI(target, o), nil
	case "ssai-live":
		return SSAILive(target, o)
	case "recs":
		return Recs(target, o), nil
	case "featurestore":
		return FeatureStore(target, o), nil
	case "url":
		return URL(target), nil
	}
	return nil, fmt.Errorf("unknown scenario %q (want one of %s)", name, strings.Join(ScenarioNames, ", "))
}

// BuildMix makes one Weighted per entry of weights, against targets[name] or the default.
func BuildMix(weights map[string]int, targets map[string]string, o Options) ([]Weighted, error) {
	var mix []Weighted
	for _, name := range ServiceScenarios { // a stable order
		w, ok := weights[name]
		if !ok || w <= 0 {
			continue
		}
		t := targets[name]
		if t == "" {
			t = DefaultTargets[name]
		}
		s, err := Build(name, t, o)
		if err != nil {
			return nil, err
		}
		mix = append(mix, Weighted{Scenario: s, Weight: w})
	}
	if len(mix) == 0 {
		return nil, fmt.Errorf("empty mix")
	}
	return mix, nil
}

// ParseTargets reads --target for the scenarios in use. It accepts
//
//   - "" — every service scenario at its default address (DefaultTargets);
//   - a URL — that base for every scenario (one gateway in front of everything, or simply the
//     one service being tested);
//   - "bidder=http://h:8081,recs=http://h:8085" — per scenario, the others at their defaults.
func ParseTargets(s string) (map[string]string, error) {
	out := map[string]string{}
	s = strings.TrimSpace(s)
	if s == "" {
		return out, nil
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || !strings.Contains(s, "=") {
		if _, err := parseTarget(s); err != nil {
			return nil, err
		}
		out["*"] = s
		return out, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		name, u, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !isServiceScenario(name) {
			return nil, fmt.Errorf("target %q: want a URL or name=URL with name one of %s", part, strings.Join(ServiceScenarios, ", "))
		}
		if _, err := parseTarget(u); err != nil {
			return nil, err
		}
		out[name] = u
	}
	return out, nil
}

// TargetFor returns the base URL for scenario name from ParseTargets' map.
func TargetFor(targets map[string]string, name string) string {
	if t := targets[name]; t != "" {
		return t
	}
	if t := targets["*"]; t != "" {
		return t
	}
	return DefaultTargets[name]
}

func parseTarget(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("target %q: %v", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target %q: want an absolute http:// or https:// URL", s)
	}
	return u, nil
}

// baseURL returns target without a trailing slash, query or fragment, for appending paths.
func baseURL(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return strings.TrimRight(target, "/")
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/")
}

// newRand returns the scenario's own generator, derived from the seed and its name so scenarios
// do not share (and shift) one stream.
func newRand(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// population draws ids with Zipf popularity: a few viewers (or titles) are very active, most are
// rarely seen. Ranks are scattered over the id space so the popular ids are not all small.
type population struct {
	zipf   *rand.Zipf
	size   uint64
	stride uint64
}

func newPopulation(r *rand.Rand, size int, s float64) *population {
	return &population{
		zipf:   rand.NewZipf(r, s, 1, uint64(size-1)),
		size:   uint64(size),
		stride: coprimeStride(uint64(size)),
	}
}

// draw returns an id in [0, size).
func (p *population) draw() uint64 { return (p.zipf.Uint64()*p.stride + 7) % p.size }

// coprimeStride returns a large odd number coprime with n, so rank → rank×stride mod n is a
// permutation.
func coprimeStride(n uint64) uint64 {
	s := uint64(2654435761) % n
	if s < 2 {
		s = 1
	}
	for gcd(s, n) != 1 {
		s++
	}
	return s
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func userID(n uint64) string    { return fmt.Sprintf("u%07d", n) }
func contentID(n uint64) string { return fmt.Sprintf("c%06d", n) }
