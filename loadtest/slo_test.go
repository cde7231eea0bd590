package loadtest

import (
	"testing"
	"time"
)

func TestParseSLO(t *testing.T) {
	slo, err := ParseSLO("p99=5ms, p99.9<20ms,max<=1s,errors=0.5%")
	if err != nil {
		t.Fatal(err)
	}
	if got := slo.String(); got != "p99=5ms,p999=20ms,max=1s,errors=0.5%" {
		t.Errorf("String() = %q", got)
	}
	if s, _ := ParseSLO("errors=0.01"); s[0].ErrorPct != 1 {
		t.Errorf("errors as a fraction: %v", s)
	}
	for _, bad := range []string{"p99", "p99=", "p99=fast", "p98=5ms", "p99=-1ms", "errors=200%", "errors=x", "p99=1ms,p99=2ms"} {
		if _, err := ParseSLO(bad); err == nil {
			t.Errorf("ParseSLO(%q) accepted", bad)
		}
	}
}

func TestSLOCheck(t *testing.T) {
	r := &Result{Latency: newHistogram(), Requests: 1000, Errors: 20}
	for i := range 1000 {
		recordUS(r.Latency, int64(i+1)*int64(time.Millisecond)/100) // 10 µs .. 10 ms
	}
	slo, _ := ParseSLO("p50=6ms,p99=5ms,errors=1%")
	v := slo.Check(r)
	if len(v) != 2 || v[0].Metric != "p99" || v[1].Metric != "errors" {
		t.Fatalf("violations = %v", v)
	}
	if v[0].Measured < 9*time.Millisecond || v[1].MeasuredPct != 2 {
		t.Errorf("measured %s, %g%%", v[0].Measured, v[1].MeasuredPct)
	}
	// Nothing finished: nothing was shown to be fast.
	if v := slo.Check(&Result{Latency: newHistogram()}); len(v) != 3 {
		t.Errorf("empty result violations = %v", v)
	}
	if v := SLO(nil).Check(r); len(v) != 0 {
		t.Errorf("empty SLO violated: %v", v)
	}
}
