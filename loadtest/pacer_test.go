package loadtest

import (
	"testing"
	"time"
)

// The pacer never wakes early, and sleeping does not allocate. (How late it wakes is a
// wall-clock matter, measured in BenchmarkPacer, not asserted.)
func TestPacerNeverEarlyNoAlloc(t *testing.T) {
	p := newPacer()
	defer p.close()
	for _, d := range []time.Duration{0, 30 * time.Microsecond, 300 * time.Microsecond, 2 * time.Millisecond} {
		for range 20 {
			start := time.Now()
			p.sleep(d)
			if got := time.Since(start); got < d {
				t.Fatalf("sleep(%s) returned after %s", d, got)
			}
		}
	}
	if n := testing.AllocsPerRun(200, func() { p.sleep(50 * time.Microsecond) }); n != 0 {
		t.Errorf("sleep allocates %.1f times", n)
	}
}

// BenchmarkPacer reports how late the pacer wakes from a 200 µs sleep (ns/op is the whole
// sleep; late-µs the overshoot).
func BenchmarkPacer(b *testing.B) {
	p := newPacer()
	defer p.close()
	const d = 200 * time.Microsecond
	var late time.Duration
	for range b.N {
		start := time.Now()
		p.sleep(d)
		late += time.Since(start) - d
	}
	b.ReportMetric(float64(late.Microseconds())/float64(b.N), "late-µs")
}
