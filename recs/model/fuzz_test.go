package model

import (
	"reflect"
	"testing"
)

// FuzzDecode feeds Decode arbitrary bytes: it must never panic, and a model it accepts must
// encode back to bytes that decode to the same model. The checksum makes random inputs fail
// early, so the seeds include valid files the fuzzer mutates and re-checksums cannot reach;
// FuzzDecodeBody covers the parser behind the checksum.
func FuzzDecode(f *testing.F) {
	for _, m := range []*Model{testModel(0, 1, "empty"), testModel(3, 2, "v1"), testModel(10, 4, "v2")} {
		data, _ := Encode(m)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data)
	})
}

// FuzzDecodeBody fuzzes the file body with a valid checksum appended, so mutations reach the
// section parser and validation.
func FuzzDecodeBody(f *testing.F) {
	for _, m := range []*Model{testModel(0, 1, "empty"), testModel(3, 2, "v1")} {
		data, _ := Encode(m)
		f.Add(data[:len(data)-checksumLen])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		roundTrip(t, withChecksum(body))
	})
}

func roundTrip(t *testing.T, data []byte) {
	m, err := Decode(data)
	if err != nil {
		return
	}
	enc, err := Encode(m)
	if err != nil {
		t.Fatalf("decoded model does not encode: %v", err)
	}
	again, err := Decode(enc)
	if err != nil {
		t.Fatalf("re-encoded model does not decode: %v", err)
	}
	if !reflect.DeepEqual(m, again) {
		t.Fatal("round trip changed the model")
	}
}
