package stitch

import (
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cuepoint/cuepoint/origin/hls"
)

// BenchmarkStitchVOD600: a 600-segment CMAF VOD rendition with 3 breaks (the budget: ≤ 20 µs).
func BenchmarkStitchVOD600(b *testing.B) {
	a := newAdSet(b)
	plan := vodPlan(b, a)
	src := mustParse(b, source{name: "v", n: 600, cueAt: 100, cueN: 15}.text())
	buf, _ := Append(nil, src, plan, a.video)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		buf, _ = Append(buf[:0], src, plan, a.video)
	}
	cpu.report(b)
}

// BenchmarkStitchLiveWindow: a 10-segment live window with program date-times, inside a break
// (what each session's media playlist request costs once the source window is parsed).
func BenchmarkStitchLiveWindow(b *testing.B) {
	a := newAdSet(b)
	plan := &Plan{Breaks: []Break{a.breakAt(b, 60, 15, epoch.Add(120*time.Second))}}
	src := mustParse(b, source{name: "v", msn: 55, n: 10, live: true, cueAt: 60, cueN: 15}.text())
	buf, _ := Append(nil, src, plan, a.video)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		buf, _ = Append(buf[:0], src, plan, a.video)
	}
	cpu.report(b)
}

// BenchmarkDecodeStitchVOD600 adds parsing the source into a reused playlist: the cost of a
// source refresh shared by every session, for comparison with the stitch alone.
func BenchmarkDecodeStitchVOD600(b *testing.B) {
	a := newAdSet(b)
	plan := vodPlan(b, a)
	text := source{name: "v", n: 600, cueAt: 100, cueN: 15}.text()
	var src hls.MediaPlaylist
	if err := src.Decode(text); err != nil {
		b.Fatal(err)
	}
	buf, _ := Append(nil, &src, plan, a.video)
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if err := src.Decode(text); err != nil {
			b.Fatal(err)
		}
		buf, _ = Append(buf[:0], &src, plan, a.video)
	}
	cpu.report(b)
}

// cpuClock measures the process's CPU time (user + system) across a benchmark loop: on a loaded
// machine wall-clock ns/op counts the time other processes held the CPU, CPU time does not.
type cpuClock time.Duration

func startCPU() cpuClock { return cpuClock(processCPU()) }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-time.Duration(c))/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPlannerUpdate: one refresh of a 10-segment reference window with a CUE-OUT break in
// it read into a session's plan (spans, observing discontinuities, folding), and the plan's size.
func BenchmarkPlannerUpdate(b *testing.B) {
	a := newAdSet(b)
	fill := a.breakAt(b, 0, 15, time.Time{}).Fill
	pl := Planner{Decide: func(dst []Piece, sp Span) []Piece { return append(dst, fill...) }}
	src := mustParse(b, source{name: "v", msn: 55, n: 10, live: true, cueAt: 60, cueN: 15}.text())
	pl.Update(src)
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		pl.Update(src)
	}
	cpu.report(b)
	b.ReportMetric(float64(planBytes(&pl.Plan)), "plan-bytes")
}

// planBytes is the memory a plan holds: its breaks and their pieces.
func planBytes(p *Plan) int {
	n := int(unsafe.Sizeof(*p)) + cap(p.Breaks)*int(unsafe.Sizeof(Break{}))
	for i := range p.Breaks {
		n += cap(p.Breaks[i].Fill)*int(unsafe.Sizeof(Piece{})) + cap(p.Breaks[i].Hidden)*8
	}
	return n
}
