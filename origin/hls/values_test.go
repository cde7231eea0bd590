package hls

import (
	"testing"
	"time"
)

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{"2.", 2 * time.Second, true},
		{"2.000000", 2 * time.Second, true},
		{"2.005333", 2005333 * time.Microsecond, true},
		{".5", 500 * time.Millisecond, true},
		{"0.0000000019", 1, true}, // truncated beyond nanoseconds
		{"123456789.5", 123456789*time.Second + 500*time.Millisecond, true},
		{"1234567890", 0, false},
		{"", 0, false},
		{".", 0, false},
		{"-1", 0, false},
		{"1e3", 0, false},
		{"1.2.3", 0, false},
		{" 1", 0, false},
	} {
		got, err := ParseSeconds(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSeconds(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestAppendSeconds(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{2 * time.Second, "2.000"},
		{1967 * time.Millisecond, "1.967"},
		{2005333 * time.Microsecond, "2.005333"},
		{2005333333, "2.005333"},
		{1999999999, "2.000"},
		{-time.Second, "0.000"},
		{0, "0.000"},
	} {
		if got := string(AppendSeconds(nil, tc.d)); got != tc.want {
			t.Errorf("AppendSeconds(%d) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2025-01-01T00:00:02.000Z", utc(2025, 1, 1, 0, 0, 2, 0), true},
		{"2025-01-01T00:00:02Z", utc(2025, 1, 1, 0, 0, 2, 0), true},
		{"2026-11-22T10:05:33.882+0000", utc(2026, 11, 22, 10, 5, 33, 882e6), true},
		{"2025-01-01T01:00:00.5+01:00", utc(2025, 1, 1, 0, 0, 0, 5e8), true},
		{"2025-01-01T00:00:00-05", utc(2025, 1, 1, 5, 0, 0, 0), true},
		{"2024-02-29T23:59:59.123456789Z", utc(2024, 2, 29, 23, 59, 59, 123456789), true},
		{"1969-12-31T23:59:59Z", utc(1969, 12, 31, 23, 59, 59, 0), true},
		{"1900-01-01T00:00:00Z", utc(1900, 1, 1, 0, 0, 0, 0), true},
		{"1900-01-01T00:00:00+01", time.Time{}, false},
		{"0001-01-01T00:00:00Z", time.Time{}, false},
		{"2023-02-29T00:00:00Z", time.Time{}, false},
		{"2025-13-01T00:00:00Z", time.Time{}, false},
		{"2025-01-01T24:00:00Z", time.Time{}, false},
		{"2025-01-01T00:00:00", time.Time{}, false},
		{"2025-01-01T00:00:00.Z", time.Time{}, false},
		{"2025-01-01T00:00:00+1:00", time.Time{}, false},
		{"2025-01-01 00:00:00Z", time.Time{}, false},
		{"0000-01-01T00:00:00Z", time.Time{}, false},
	} {
		got, err := ParseDateTime(tc.in)
		if (err == nil) != tc.ok || !got.Equal(tc.want) {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok {
			std, err := time.Parse(time.RFC3339Nano, tc.in)
			if err == nil && !std.Equal(got) {
				t.Errorf("ParseDateTime(%q) = %v, time.Parse says %v", tc.in, got, std)
			}
		}
	}
}

func TestAppendDateTime(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2025, 1, 1, 0, 0, 2, 0, time.UTC), "2025-01-01T00:00:02.000Z"},
		{time.Date(2025, 1, 1, 1, 0, 2, 123e6, time.FixedZone("x", 3600)), "2025-01-01T00:00:02.123Z"},
		{time.Date(2025, 1, 1, 0, 0, 2, 123456789, time.UTC), "2025-01-01T00:00:02.123456Z"},
	} {
		if got := string(AppendDateTime(nil, tc.t)); got != tc.want {
			t.Errorf("AppendDateTime(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestAttrList(t *testing.T) {
	a := AttrList(`ID="splice,1",START-DATE="2025-01-01T00:00:00Z",PLANNED-DURATION=30.000,SCTE35-OUT=0xFC30,X-B64=/DAl+Ab==`)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Get("ID"); v != "splice,1" {
		t.Fatalf("ID = %q", v)
	}
	if v, _ := a.Raw("ID"); v != `"splice,1"` {
		t.Fatalf("raw ID = %q", v)
	}
	if v, _ := a.Raw("X-B64"); v != "/DAl+Ab==" {
		t.Fatalf("X-B64 = %q", v)
	}
	if f, ok := a.Float("PLANNED-DURATION"); !ok || f != 30 {
		t.Fatalf("PLANNED-DURATION = %v %v", f, ok)
	}
	if _, ok := a.Get("DURATION"); ok {
		t.Fatal("found an absent attribute")
	}
	var names []string
	for n := range a.All() {
		names = append(names, n)
	}
	if len(names) != 5 {
		t.Fatalf("All = %v", names)
	}
	b := a.SetQuoted("ID", "splice-2").Set("DURATION", "30.000")
	if string(b) != `ID="splice-2",START-DATE="2025-01-01T00:00:00Z",PLANNED-DURATION=30.000,SCTE35-OUT=0xFC30,X-B64=/DAl+Ab==,DURATION=30.000` {
		t.Fatalf("Set = %s", b)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = a.Get("X-B64") }); n != 0 {
		t.Fatalf("Get allocated %.0f times", n)
	}
	for _, bad := range []string{`A="open`, `=1`, `A="x"y`, `A`} {
		if AttrList(bad).Validate() == nil {
			t.Errorf("Validate(%q) accepted it", bad)
		}
	}
	if w, h, ok := AttrList("RESOLUTION=640x360").Resolution("RESOLUTION"); !ok || w != 640 || h != 360 {
		t.Fatalf("Resolution = %d %d %v", w, h, ok)
	}
	if Quote(`a"b`+"\n") != `"ab"` {
		t.Fatal("Quote kept a character HLS cannot carry")
	}
}

func TestClassifyCoversEveryKind(t *testing.T) {
	for k := TagM3U; k < numKinds; k++ {
		if got := Classify(k.String()); got != k {
			t.Errorf("Classify(%q) = %v, want %v", k.String(), got, k)
		}
	}
	if Classify("EXT-X-NOPE") != TagUnknown {
		t.Fatal("unknown tag classified")
	}
	tg := NewTag("EXT-X-CUE-OUT", "30")
	if tg.Kind != TagCueOut || tg.Name() != "EXT-X-CUE-OUT" || tg.Value() != "30" || !tg.Kind.IsCue() {
		t.Fatalf("NewTag = %+v", tg)
	}
}
