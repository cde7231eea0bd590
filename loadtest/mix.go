package loadtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// interleaver picks the scenario of each arrival by smooth weighted round-robin (the nginx
// algorithm): exact proportions over every cycle of sum(weights) arrivals, spread evenly rather
// than in runs, and deterministic. Dispatcher-only.
type interleaver struct {
	weight  []int
	current []int
	total   int
}

func newInterleaver(mix []Weighted) *interleaver {
	il := &interleaver{weight: make([]int, len(mix)), current: make([]int, len(mix))}
	for i, w := range mix {
		il.weight[i] = w.Weight
		il.total += w.Weight
	}
	return il
}

func (il *interleaver) next() int {
	if len(il.weight) == 1 {
		return 0
	}
	best := 0
	for i, w := range il.weight {
		il.current[i] += w
		if il.current[i] > il.current[best] {
			best = i
		}
	}
	il.current[best] -= il.total
	return best
}

// ParseMix reads "bidder=60,recs=30,ssai=10" into weights by scenario name. Names are checked
// against the buildable scenarios (not "mixed" or "url").
func ParseMix(s string) (map[string]int, error) {
	out := map[string]int{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("mix entry %q: want name=weight", part)
		}
		name = strings.TrimSpace(name)
		if !isServiceScenario(name) {
			return nil, fmt.Errorf("mix entry %q: unknown scenario %q (want one of %s)", part, name, strings.Join(ServiceScenarios, ", "))
		}
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 || n > 1_000_000 {
			return nil, fmt.Errorf("mix entry %q: weight must be an integer in [0, 1000000]", part)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("mix entry %q: %s given twice", part, name)
		}
		if n > 0 {
			out[name] = n
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mix %q has no scenario with a positive weight", s)
	}
	return out, nil
}

// FormatMix is the inverse of ParseMix, in a stable order.
func FormatMix(m map[string]int) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%d", n, m[n])
	}
	return b.String()
}
