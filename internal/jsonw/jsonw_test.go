package jsonw

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// decodesTo checks that AppendString(s) is one valid JSON string that encoding/json reads
// back as what encoding/json's own encoding of s reads back as (s, with each byte of invalid
// UTF-8 replaced by U+FFFD).
func decodesTo(t *testing.T, s string) {
	t.Helper()
	got := AppendString([]byte("x"), s)[1:]
	var back string
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("%q → %s: %v", s, got, err)
	}
	std, _ := json.Marshal(s)
	var want string
	if err := json.Unmarshal(std, &want); err != nil {
		t.Fatal(err)
	}
	if back != want {
		t.Fatalf("%q → %s → %q, want %q", s, got, back, want)
	}
	if b := AppendBytes(nil, []byte(s)); string(b) != string(got) {
		t.Fatalf("AppendBytes %s, AppendString %s", b, got)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "ctl\x01\x1f\n\r\t", "ü€😀", "bad\xffutf8", "\xe2\x82", "<vast>&amp;</vast>"} {
		decodesTo(t, s)
	}
	// No HTML escaping: VAST markup stays as it is.
	if got := string(AppendString(nil, "<a href='x'>&</a>")); got != `"<a href='x'>&</a>"` {
		t.Errorf("HTML escaped: %s", got)
	}
	if got := string(AppendString(nil, "a\x01\"b")); got != `"a\u0001\"b"` {
		t.Errorf("escapes: %s", got)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"\`, "\x00\x7f", "ü€😀", "\xff\xfe", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(decodesTo)
}

func TestWriter(t *testing.T) {
	w := Writer{B: []byte("prefix:")}
	w.Open("")
	w.Str("id", "r\"1")
	w.StrOpt("none", "")
	w.OpenArr("imp")
	for i := range 2 {
		w.Open("")
		w.Int("w", int64(1920*i))
		w.IntOpt("h", 0)
		w.BoolOpt("yes", i == 1)
		w.BoolOpt("no", false)
		w.Close()
	}
	w.CloseArr()
	w.Strs("cur", []string{"USD", "EUR"})
	w.StrsOpt("empty", nil)
	w.Ints("n", []int{1, -2})
	w.Float("f", 0.25)
	w.Float("nan", math.NaN())
	w.Open("ext")
	w.Close()
	w.Close()
	const want = `prefix:{"id":"r\"1","imp":[{"w":0},{"w":1920,"yes":true}],"cur":["USD","EUR"],"n":[1,-2],"f":0.25,"nan":null,"ext":{}}`
	if got := string(w.B); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(w.B[len("prefix:"):]) {
		t.Fatal("not valid JSON")
	}
}

func TestWriterAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		w := Writer{B: buf[:0]}
		w.Open("")
		w.Str("id", "abc")
		w.Strs("cur", []string{"USD"})
		w.Int("tmax", 120)
		w.Close()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
}

func BenchmarkAppendString(b *testing.B) {
	s := strings.Repeat(`<Ad id="1"><InLine><AdTitle>Ad ü</AdTitle></InLine></Ad>`, 20)
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}
