package loadtest

import (
	"math"
	"testing"
)

func TestConstantScheduleIsExact(t *testing.T) {
	s := newSchedule(Constant, 3, 1)
	for i := range 10_000 {
		want := int64(float64(i) * 1e9 / 3)
		if got := s.next(); got != want {
			t.Fatalf("due[%d] = %d, want %d", i, got, want)
		}
	}
}

func TestPoissonScheduleRateAndVariance(t *testing.T) {
	const rate, n = 1000.0, 200_000
	s := newSchedule(Poisson, rate, 42)
	var prev int64
	var sum, sumSq float64
	for range n {
		due := s.next()
		if due < prev {
			t.Fatal("due times go backwards")
		}
		gap := float64(due - prev)
		sum += gap
		sumSq += gap * gap
		prev = due
	}
	mean := sum / n
	cv := math.Sqrt(sumSq/n-mean*mean) / mean // 1 for an exponential distribution
	if math.Abs(mean-1e9/rate)/(1e9/rate) > 0.01 {
		t.Errorf("mean gap %.0f ns, want %.0f ± 1%%", mean, 1e9/rate)
	}
	if math.Abs(cv-1) > 0.02 {
		t.Errorf("coefficient of variation %.3f, want 1 (exponential gaps)", cv)
	}
	// The same seed gives the same schedule.
	a, b := newSchedule(Poisson, rate, 9), newSchedule(Poisson, rate, 9)
	for range 100 {
		if a.next() != b.next() {
			t.Fatal("same seed, different schedules")
		}
	}
}

func TestParseArrival(t *testing.T) {
	for _, s := range []string{"constant", "poisson"} {
		a, err := ParseArrival(s)
		if err != nil || a.String() != s {
			t.Errorf("ParseArrival(%q) = %v, %v", s, a, err)
		}
	}
	if _, err := ParseArrival("bursty"); err == nil {
		t.Error("unknown arrival accepted")
	}
}
