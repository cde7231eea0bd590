package model

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func testModel(n, dim int, version string) *Model {
	m := &Model{
		Meta: Meta{Version: version, Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Algorithm: "als+cooc+lr",
			Seed: 1, Dim: dim, Reg: 0.1, Alpha: 10, Features: []string{"bias", "mf"},
			Eval: []Eval{{System: "model", Users: 3, Metrics: map[string]float64{"ndcg@10": 0.5}}}},
		Gram:    make([]float32, dim*dim),
		Weights: []float32{-2, 1.5},
	}
	for i := 0; i < n; i++ {
		m.Items = append(m.Items, fmt.Sprintf("item-%d", i+1))
		m.Prior = append(m.Prior, float32(n-i))
		for k := 0; k < dim; k++ {
			m.ItemEmb = append(m.ItemEmb, float32(i*dim+k)/100)
		}
	}
	m.NbrOff = []uint32{0}
	for i := 0; i < n; i++ {
		if n > 1 {
			m.NbrIdx = append(m.NbrIdx, uint32((i+1)%n))
			m.NbrW = append(m.NbrW, 0.5)
		}
		m.NbrOff = append(m.NbrOff, uint32(len(m.NbrIdx)))
	}
	for k := 0; k < dim; k++ {
		m.Gram[k*dim+k] = 1
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	m := testModel(20, 4, "v1")
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, got) {
		t.Fatalf("round trip changed the model:\n%+v\n%+v", m.Meta, got.Meta)
	}
	if got.Weight("mf") != 1.5 || got.Weight("unknown") != 0 {
		t.Fatal("Weight by name")
	}
	ids, ws := got.Neighbors(19)
	if len(ids) != 1 || ids[0] != 0 || ws[0] != 0.5 {
		t.Fatalf("Neighbors(19) = %v %v", ids, ws)
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	data, err := Encode(testModel(5, 3, "v1"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(data); i += 7 {
		bad := bytes.Clone(data)
		bad[i] ^= 0x40
		if _, err := Decode(bad); err == nil {
			t.Fatalf("a flipped byte at %d went unnoticed", i)
		}
	}
	for _, n := range []int{0, 10, len(data) / 2, len(data) - 1} {
		if _, err := Decode(data[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", n)
		}
	}
}

func TestEncodeValidates(t *testing.T) {
	for name, mod := range map[string]func(*Model){
		"dim":          func(m *Model) { m.Meta.Dim = 0 },
		"embeddings":   func(m *Model) { m.ItemEmb = m.ItemEmb[1:] },
		"neighbour":    func(m *Model) { m.NbrIdx[0] = 99 },
		"weights":      func(m *Model) { m.Weights = m.Weights[:1] },
		"duplicate id": func(m *Model) { m.Items[1] = m.Items[0] },
		"no version":   func(m *Model) { m.Meta.Version = "" },
		"NaN":          func(m *Model) { m.Prior[0] = float32(nan()) },
	} {
		m := testModel(4, 2, "v1")
		mod(m)
		if _, err := Encode(m); err == nil {
			t.Errorf("%s: invalid model encoded", name)
		}
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestPublishLoadAndPrune(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); !errors.Is(err, ErrNoModel) {
		t.Fatalf("empty dir: %v", err)
	}
	for i := 1; i <= 5; i++ {
		v := fmt.Sprintf("v%d", i)
		if _, err := Publish(dir, testModel(3, 2, v), 3); err != nil {
			t.Fatal(err)
		}
		m, err := Load(dir)
		if err != nil || m.Meta.Version != v {
			t.Fatalf("after publishing %s: %v %v", v, m, err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"+Ext))
	if len(files) != 3 {
		t.Fatalf("kept %d model files, want 3: %v", len(files), files)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".tmp*")); len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
	if _, err := Publish(dir, testModel(3, 2, "../escape"), 0); err == nil {
		t.Fatal("a version with a path separator was published")
	}
	os.WriteFile(filepath.Join(dir, CurrentFile), []byte("../x"+Ext), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a model file") {
		t.Fatalf("CURRENT pointing outside: %v", err)
	}
}

func TestWatcherSwapsOnlyVerifiedModels(t *testing.T) {
	dir := t.TempDir()
	var loaded []string
	w := &Watcher{Dir: dir, OnLoad: func(m *Model) { loaded = append(loaded, m.Meta.Version) }}
	if _, err := w.Check(); !errors.Is(err, ErrNoModel) {
		t.Fatalf("nothing published: %v", err)
	}
	Publish(dir, testModel(3, 2, "v1"), 0)
	if ok, err := w.Check(); !ok || err != nil {
		t.Fatalf("v1 not loaded: %v %v", ok, err)
	}
	if ok, _ := w.Check(); ok {
		t.Fatal("an unchanged model was loaded again")
	}
	// A corrupt publish (bypassing Publish) is refused; v1 stays current for the caller.
	os.WriteFile(filepath.Join(dir, "v2"+Ext), []byte("CPRECSMD garbage that is long enough to pass the header check......"), 0o644)
	os.WriteFile(filepath.Join(dir, CurrentFile), []byte("v2"+Ext+"\n"), 0o644)
	if ok, err := w.Check(); ok || err == nil {
		t.Fatalf("corrupt model: ok=%v err=%v", ok, err)
	}
	Publish(dir, testModel(3, 2, "v3"), 0)
	if ok, err := w.Check(); !ok || err != nil {
		t.Fatalf("v3 not loaded: %v", err)
	}
	if !reflect.DeepEqual(loaded, []string{"v1", "v3"}) {
		t.Fatalf("loaded %v", loaded)
	}
}
