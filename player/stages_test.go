package player

import (
	"errors"
	"testing"
	"time"
)

func TestStartupStats(t *testing.T) {
	s := NewStartupStats()
	for i := 1; i <= 100; i++ {
		d := time.Duration(i) * time.Millisecond
		s.Record(&Result{Startup: Startup{Session: d, Media: d / 10, FirstSegment: d / 10, ToFirstSegment: d + d/5}}, nil)
	}
	s.Record(&Result{}, errors.New("refused"))
	s.Record(nil, errors.New("refused"))
	stages, n, failed := s.Summary()
	if n != 102 || failed != 2 {
		t.Fatalf("%d sessions, %d failed", n, failed)
	}
	got := map[string]StageSummary{}
	for _, st := range stages {
		got[st.Stage] = st
	}
	if _, ok := got["master"]; ok {
		t.Error("a stage never recorded (master: sessions started at a playlist) is listed")
	}
	if s := got["session"]; s.Count != 100 || s.P50 < 49.9 || s.P50 > 50.1 || s.Max < 99.9 || s.Max > 100.1 {
		t.Errorf("session stage %+v", s)
	}
	if s := got["to_first_segment"]; s.Count != 100 || s.P99 < 118.8 || s.P99 > 119 {
		t.Errorf("to_first_segment %+v", s)
	}
}
