package loadtest

import (
	"context"
	"math"
	"testing"
	"time"
)

// fakeTarget answers runs without sending anything: p99 is 1 ms below capacity and 1 s above it;
// the generator falls behind above genLimit.
func fakeTarget(capacity, genLimit float64, rates *[]float64) runFunc {
	return func(_ context.Context, c Config) (*Result, error) {
		*rates = append(*rates, c.Rate)
		r := &Result{Rate: c.Rate, Latency: newHistogram(), Lag: newHistogram(), Requests: 100, Elapsed: time.Second, LagThreshold: 5 * time.Millisecond}
		lat := time.Millisecond
		if c.Rate > capacity {
			lat = time.Second
		}
		lag := 50 * time.Microsecond
		if c.Rate > genLimit {
			lag = 50 * time.Millisecond
		}
		for range 100 {
			recordUS(r.Latency, int64(lat))
			recordUS(r.Lag, int64(lag))
		}
		return r, nil
	}
}

func TestFindMaxRampsThenBisects(t *testing.T) {
	var rates []float64
	slo, _ := ParseSLO("p99=10ms")
	f, err := findMax(context.Background(), Config{Rate: 1000}, slo, FindMaxOptions{Factor: 2, Refine: 3, Pause: -1}, fakeTarget(5000, math.Inf(1), &rates))
	if err != nil {
		t.Fatal(err)
	}
	// Ramp 1000, 2000, 4000, 8000 (fails); bisect 6000 (fail), 5000 (pass), 5500 (fail).
	want := []float64{1000, 2000, 4000, 8000, 6000, 5000, 5500}
	if len(rates) != len(want) {
		t.Fatalf("rates %v, want %v", rates, want)
	}
	for i := range want {
		if rates[i] != want[i] {
			t.Fatalf("rates %v, want %v", rates, want)
		}
	}
	if f.Max != 5000 || f.LimitedBy != "slo" || f.Best == nil || f.Best.Rate != 5000 {
		t.Errorf("max %g limited by %s", f.Max, f.LimitedBy)
	}
}

func TestFindMaxStopsAtTheGeneratorLimit(t *testing.T) {
	var rates []float64
	slo, _ := ParseSLO("p99=10ms")
	f, _ := findMax(context.Background(), Config{Rate: 1000}, slo, FindMaxOptions{Factor: 2, Pause: -1}, fakeTarget(1e9, 3000, &rates))
	if f.Max != 2000 || f.LimitedBy != "generator" || len(rates) != 3 {
		t.Errorf("max %g limited by %s after %v", f.Max, f.LimitedBy, rates)
	}
}

func TestFindMaxNothingPasses(t *testing.T) {
	var rates []float64
	slo, _ := ParseSLO("p99=10ms")
	f, _ := findMax(context.Background(), Config{Rate: 1000}, slo, FindMaxOptions{Pause: -1}, fakeTarget(10, math.Inf(1), &rates))
	if f.Max != 0 || f.Best != nil || len(rates) != 1 {
		t.Errorf("max %g after %v", f.Max, rates)
	}
}

func TestFindMaxBounds(t *testing.T) {
	var rates []float64
	slo, _ := ParseSLO("p99=10ms")
	f, _ := findMax(context.Background(), Config{Rate: 1000}, slo, FindMaxOptions{Factor: 2, MaxRate: 3000, Pause: -1}, fakeTarget(1e9, math.Inf(1), &rates))
	if f.Max != 3000 || f.LimitedBy != "max-rate" {
		t.Errorf("max %g limited by %s after %v", f.Max, f.LimitedBy, rates)
	}
	if _, err := findMax(context.Background(), Config{Rate: 1}, nil, FindMaxOptions{}, fakeTarget(1, 1, &rates)); err == nil {
		t.Error("find-max without an SLO accepted")
	}
}
