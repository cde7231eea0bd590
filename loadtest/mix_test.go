package loadtest

import (
	"reflect"
	"testing"
)

func TestInterleaverExactAndSpread(t *testing.T) {
	mix := []Weighted{{Weight: 60}, {Weight: 15}, {Weight: 10}, {Weight: 10}, {Weight: 5}}
	il := newInterleaver(mix)
	counts := make([]int, len(mix))
	longest, run, last := 0, 0, -1
	for range 100 * 7 {
		i := il.next()
		counts[i]++
		if i == last {
			run++
		} else {
			run, last = 1, i
		}
		longest = max(longest, run)
	}
	if want := []int{420, 105, 70, 70, 35}; !reflect.DeepEqual(counts, want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	// Smooth: the 60% scenario never runs more than a few in a row.
	if longest > 4 {
		t.Errorf("longest run of one scenario = %d, want ≤ 4", longest)
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("bidder=60, recs=40,ssai=0")
	if err != nil || !reflect.DeepEqual(m, map[string]int{"bidder": 60, "recs": 40}) {
		t.Errorf("ParseMix = %v, %v", m, err)
	}
	if got := FormatMix(m); got != "bidder=60,recs=40" {
		t.Errorf("FormatMix = %q", got)
	}
	for _, bad := range []string{"", "bidder", "bidder=x", "nope=1", "url=1", "bidder=1,bidder=2", "bidder=-1", "ssai=0"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
}

func TestParseTargets(t *testing.T) {
	m, err := ParseTargets("http://10.1.1.1:9000/prefix?x=1")
	if err != nil || TargetFor(m, "bidder") != "http://10.1.1.1:9000/prefix?x=1" || TargetFor(m, "recs") != "http://10.1.1.1:9000/prefix?x=1" {
		t.Errorf("single URL: %v %v", m, err)
	}
	m, err = ParseTargets("bidder=http://h:1,recs=https://r")
	if err != nil || TargetFor(m, "bidder") != "http://h:1" || TargetFor(m, "recs") != "https://r" || TargetFor(m, "ssai") != DefaultTargets["ssai"] {
		t.Errorf("per scenario: %v %v", m, err)
	}
	m, err = ParseTargets("")
	if err != nil || TargetFor(m, "featurestore") != "http://127.0.0.1:8086" {
		t.Errorf("defaults: %v %v", m, err)
	}
	for _, bad := range []string{"localhost:8081", "ftp://x", "bidder=x", "nope=http://x", "http://"} {
		if _, err := ParseTargets(bad); err == nil {
			t.Errorf("ParseTargets(%q) accepted", bad)
		}
	}
}
