package events_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
)

// FuzzDecode feeds Decode arbitrary input for every family. Decode must not panic and must
// reject with a reason. Whatever it accepts must be valid, must be accepted by encoding/json
// with the same result (Decode is a stricter, faster encoding/json for these types), and must
// re-encode stably. The seed corpus is testdata/fuzz/FuzzDecode plus one event of every type.
func FuzzDecode(f *testing.F) {
	for _, ev := range eventstest.EveryType(t0) {
		b, _ := ev.Append(nil)
		f.Add(familyIndex(ev.Family()), b)
	}
	var dec events.Decoder // shared across inputs, as the sink uses one
	f.Fuzz(func(t *testing.T, fam uint8, data []byte) {
		family := events.Family("unknown")
		if int(fam) < len(events.Families) {
			family = events.Families[fam]
		}
		ev, err := events.Decode(family, data)
		// The Decoder reuses its events and aliases data: it must agree with Decode.
		dev, derr := dec.Decode(family, data)
		if (err == nil) != (derr == nil) || events.ReasonOf(err) != events.ReasonOf(derr) {
			t.Fatalf("Decode: %v; Decoder: %v", err, derr)
		}
		if err == nil {
			a, _ := ev.Append(nil)
			b, _ := dev.Append(nil)
			if !bytes.Equal(a, b) {
				t.Fatalf("Decode and Decoder differ on %q:\n%s\n%s", data, a, b)
			}
		}
		if err != nil {
			if events.ReasonOf(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		typed := ev.(events.Typed)
		if err := typed.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid event: %v", err)
		}
		if ev.Family() != family {
			t.Fatalf("Decode(%s) returned a %s event", family, ev.Family())
		}
		enc1, err := ev.Append(nil)
		if err != nil {
			t.Fatal(err)
		}

		// encoding/json must agree.
		std := reflect.New(reflect.TypeOf(ev).Elem()).Interface().(events.Typed)
		if err := json.Unmarshal(data, std); err != nil {
			t.Fatalf("Decode accepted what encoding/json rejects (%v): %q", err, data)
		}
		std.EventHeader().Time = std.EventHeader().Time.UTC()
		if sh := std.EventHeader(); !sh.Received.IsZero() {
			sh.Received = sh.Received.UTC()
		}
		if std.Type() != typed.Type() {
			t.Fatalf("type %q, encoding/json says %q", typed.Type(), std.Type())
		}
		stdEnc, _ := std.Append(nil)
		if !bytes.Equal(enc1, stdEnc) {
			t.Fatalf("Decode and encoding/json differ on %q:\n%s\n%s", data, enc1, stdEnc)
		}

		ev2, err := events.Decode(family, enc1)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc1, err)
		}
		enc2, _ := ev2.Append(nil)
		if !bytes.Equal(enc1, enc2) {
			t.Fatalf("encoding not stable:\n%s\n%s", enc1, enc2)
		}
	})
}

func familyIndex(f events.Family) uint8 {
	for i, g := range events.Families {
		if g == f {
			return uint8(i)
		}
	}
	return 255
}
