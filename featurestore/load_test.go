package featurestore

import (
	"context"
	"strings"
	"testing"
)

func TestLoadJSONL(t *testing.T) {
	s, _ := memStore(t)
	in := `{"entity_type":"item","entity_id":"i1","view":"meta","event_time":"2026-01-02T03:04:05Z","features":{"genre":"drama","duration_s":3600}}

{"entity_type":"item","entity_id":"i2","view":"meta","event_time":1767225600000,"features":{"quality":0.9}}
{"entity_type":"item","entity_id":"i3","view":"meta","features":{"genre":7}}
{"entity_type":"planet","entity_id":"p","view":"meta","features":{}}
not json
{"entity_type":"item","entity_id":"i4","view":"meta","features":{"quality":0.1},"extra":1}
`
	var calls int
	rep, err := Load(context.Background(), s, strings.NewReader(in), LoadOptions{Format: FormatJSONL, Progress: func(LoadProgress) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 6 || rep.Written != 2 || rep.Rejected != 4 || !rep.Done || calls == 0 {
		t.Fatalf("report %+v, progress calls %d", rep.LoadProgress, calls)
	}
	wantLines := []int{4, 5, 6, 7}
	for i, r := range rep.Rejections {
		if r.Line != wantLines[i] || r.Reason == "" {
			t.Errorf("rejection %d: %+v, want line %d", i, r, wantLines[i])
		}
	}
	e, _ := s.Get(context.Background(), EntityItem, "i1", ViewMeta)
	if v := e.Views[0]; v.Str("genre") != "drama" || v.Int("duration_s") != 3600 || v.EventTime().Year() != 2026 {
		t.Fatalf("i1 read back %v %v", v.Fields(), v.EventTime())
	}
}

func TestLoadCSV(t *testing.T) {
	s, _ := memStore(t)
	emb := "[" + strings.TrimSuffix(strings.Repeat("0.5,", EmbeddingDim), ",") + "]"
	in := "entity_type,entity_id,view,event_time,genre,embedding,country\n" +
		"item,i1,meta,2026-01-02T03:04:05Z,drama,\"" + emb + "\",\n" +
		"user,u1,profile,,,\"" + emb + "\",DE\n" +
		"item,i2,meta,,drama,,DE\n" + // country is not an item feature
		"item,i3,meta\n" + // field count
		"user,u2,profile,,,\"[1,2]\",\n" // wrong dimension
	rep, err := Load(context.Background(), s, strings.NewReader(in), LoadOptions{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 5 || rep.Written != 2 || rep.Rejected != 3 {
		t.Fatalf("report %+v %v", rep.LoadProgress, rep.Rejections)
	}
	for _, r := range rep.Rejections {
		t.Logf("line %d: %s", r.Line, r.Reason)
	}
	e, _ := s.Get(context.Background(), EntityUser, "u1", ViewProfile)
	if v := e.Views[0]; v.Str("country") != "DE" || v.Vector("embedding")[5] != 0.5 {
		t.Fatalf("u1 read back %v", v.Fields())
	}
}
