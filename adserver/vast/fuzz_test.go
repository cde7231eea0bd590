package vast_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

// FuzzParse feeds arbitrary bytes to the parser (corpus: testdata/fuzz/FuzzParse). It must
// never panic; it must read every document encoding/xml reads into the same model, the same
// way (the reference parser, parse_std_test.go) — documents with an internal DTD subset
// excepted, which Parse refuses on purpose; and whatever it reads the writer must write as a
// document that reads back to the same output: written documents are a fixed point of
// parse∘write.
func FuzzParse(f *testing.F) {
	f.Add(vast.AppendDocument(nil, samplePod()))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := vast.Parse(data)
		std, serr := vast.ParseStd(data)
		if serr == nil && !bytes.Contains(data, []byte("<!DOCTYPE")) {
			if err != nil {
				t.Fatalf("encoding/xml reads it, Parse refuses it: %v", err)
			}
			if !reflect.DeepEqual(doc, std) {
				t.Fatalf("Parse and encoding/xml differ:\n%#v\n%#v", doc, std)
			}
		}
		if err != nil {
			return
		}
		out := vast.AppendDocument(nil, doc)
		again, err := vast.Parse(out)
		if err != nil {
			t.Fatalf("our output does not parse: %v\n%s", err, out)
		}
		if out2 := vast.AppendDocument(nil, again); !bytes.Equal(out, out2) {
			t.Fatalf("write∘parse is not stable:\n%s\n%s", out, out2)
		}
	})
}
