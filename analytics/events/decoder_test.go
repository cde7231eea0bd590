package events_test

import (
	"bytes"
	"testing"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
)

// One Decoder decoding every type in turn, twice (so that every scratch event is reused
// after another type and after itself, with shorter slices than before), gives what Decode
// gives.
func TestDecoderMatchesDecode(t *testing.T) {
	var d events.Decoder
	all := eventstest.EveryType(t0)
	g := eventstest.New(5, t0)
	for _, f := range events.Families {
		for range 20 {
			all = append(all, g.Next(f))
		}
	}
	for round := range 2 {
		for _, ev := range all {
			data := encode(t, ev)
			got, err := d.Decode(ev.Family(), data)
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, data, err)
			}
			if enc := encode(t, got); !bytes.Equal(enc, data) {
				t.Fatalf("round %d: Decoder gave\n%s\nfor\n%s", round, enc, data)
			}
		}
	}
	if _, err := d.Decode(events.FamilyBids, []byte(`{"v":1,"type":"bid_request","id":"x"}`)); events.ReasonOf(err) != events.ReasonInvalid {
		t.Errorf("invalid event: %v", err)
	}
	if _, err := d.Decode(events.FamilyBids, nil); events.ReasonOf(err) != events.ReasonSyntax {
		t.Errorf("empty input: %v", err)
	}
}

// The Decoder decodes the sink's common events without allocating.
func TestDecoderAllocations(t *testing.T) {
	var d events.Decoder
	g := eventstest.New(6, t0)
	for _, f := range events.Families {
		data := encode(t, g.Next(f))
		if n := testing.AllocsPerRun(200, func() {
			if _, err := d.Decode(f, data); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %.1f allocations per event, want 0", f, n)
		}
	}
}
