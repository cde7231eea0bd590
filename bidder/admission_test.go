package bidder

import (
	"runtime/metrics"
	"testing"
	"time"
)

func TestAdmissionAIMD(t *testing.T) {
	a := newAdmission(256, 5*time.Millisecond)
	for range 3 {
		a.adjust(20 * time.Millisecond) // oversubscribed
	}
	if got := a.limit.Load(); got != 108 {
		t.Fatalf("after three overloaded intervals the limit is %d, want 256×¾×¾×¾ = 108", got)
	}
	for range 100 {
		a.adjust(50 * time.Millisecond)
	}
	if got := a.limit.Load(); got != minLimit {
		t.Fatalf("the limit fell to %d, want the floor %d", got, minLimit)
	}
	for range 100 {
		a.adjust(time.Millisecond)
	}
	if got := a.limit.Load(); got != 256 {
		t.Fatalf("the limit recovered to %d, want the maximum 256", got)
	}
	// Admission follows the limit.
	a.limit.Store(2)
	if !a.admit() || !a.admit() || a.admit() {
		t.Fatal("a limit of 2 did not admit exactly 2")
	}
	a.done()
	if !a.admit() {
		t.Fatal("a freed slot was not reusable")
	}
}

// TestSchedulerLatencyMetric: the runtime/metrics histogram the limit follows exists under the
// name admission reads, and reading it twice (a difference of histograms) works.
func TestSchedulerLatencyMetric(t *testing.T) {
	a := newAdmission(16, time.Millisecond)
	a.schedP99()
	if k := a.sample[0].Value.Kind(); k != metrics.KindFloat64Histogram {
		t.Fatalf("/sched/latencies:seconds has kind %v, want a float64 histogram", k)
	}
	if p := a.schedP99(); p < 0 {
		t.Fatalf("p99 %s", p)
	}
}
