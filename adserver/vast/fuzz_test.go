package vast_test

import (
	"bytes"
	"testing"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

// FuzzParse feeds arbitrary bytes to the parser (corpus: testdata/fuzz/FuzzParse). It must
// never panic, and whatever it reads the writer must write as a document that reads back to
// the same output: written documents are a fixed point of parse∘write.
func FuzzParse(f *testing.F) {
	f.Add(vast.AppendDocument(nil, samplePod()))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := vast.Parse(data)
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
