package player

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Stage names, in session order (see Startup).
var StageNames = []string{"session", "master", "media", "first_segment", "to_first_segment", "to_playback"}

// StartupStats aggregates the startup stages of many sessions in HdrHistograms (1 µs to 60 s,
// 3 significant digits): what a load test of session start reports. Safe for concurrent use.
type StartupStats struct {
	mu       sync.Mutex
	h        map[string]*hdrhistogram.Histogram
	sessions int
	failed   int
	ads      int // sessions whose first video segment was in an avail (when the tracking was read)
}

// NewStartupStats returns empty stats.
func NewStartupStats() *StartupStats {
	s := &StartupStats{h: map[string]*hdrhistogram.Histogram{}}
	for _, n := range StageNames {
		s.h[n] = hdrhistogram.New(1, int64(time.Minute/time.Microsecond), 3)
	}
	return s
}

// Record adds a session's result. A session that failed before its first segment counts as
// failed and adds no stage.
func (s *StartupStats) Record(r *Result, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions++
	if r == nil || r.Startup.ToFirstSegment == 0 && err != nil {
		s.failed++
		return
	}
	st := r.Startup
	for n, d := range map[string]time.Duration{"session": st.Session, "master": st.Master, "media": st.Media,
		"first_segment": st.FirstSegment, "to_first_segment": st.ToFirstSegment, "to_playback": st.ToPlayback} {
		if d > 0 || n == "to_first_segment" {
			s.h[n].RecordValue(max(d.Microseconds(), 1))
		}
	}
}

// StageSummary is one stage's percentiles in milliseconds.
type StageSummary struct {
	Stage string  `json:"stage"`
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// Summary returns each recorded stage's percentiles (stages never recorded are left out), the
// number of sessions and how many failed before their first segment.
func (s *StartupStats) Summary() (stages []StageSummary, sessions, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := func(v int64) float64 { return float64(v) / 1000 }
	for _, n := range StageNames {
		h := s.h[n]
		if h.TotalCount() == 0 {
			continue
		}
		stages = append(stages, StageSummary{Stage: n, Count: h.TotalCount(), P50: ms(h.ValueAtQuantile(50)),
			P90: ms(h.ValueAtQuantile(90)), P99: ms(h.ValueAtQuantile(99)), Max: ms(h.Max())})
	}
	return stages, s.sessions, s.failed
}
