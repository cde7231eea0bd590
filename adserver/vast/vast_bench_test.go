package vast_test

import (
	"testing"

	"github.com/cuepoint/cuepoint/adserver/vast"
)

// sixAdPod is a pod as the adserver answers a 90 s break: six InLine ads, each with its own
// tracking, three HLS renditions and a mezzanine.
func sixAdPod() *vast.Document {
	base := samplePod().Ads[0]
	doc := &vast.Document{}
	for i := range 6 {
		in := *base.InLine
		cr := in.Creatives[0]
		lin := *cr.Linear
		lin.MediaFiles = append(lin.MediaFiles, lin.MediaFiles[0], lin.MediaFiles[0])
		cr.Linear = &lin
		in.Creatives = []vast.Creative{cr}
		doc.Ads = append(doc.Ads, vast.Ad{ID: base.ID, Sequence: i + 1, InLine: &in})
	}
	return doc
}

// BenchmarkAppendDocument measures writing a six-ad pod into a reused buffer.
func BenchmarkAppendDocument(b *testing.B) {
	doc := sixAdPod()
	buf := vast.AppendDocument(nil, doc)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = vast.AppendDocument(buf[:0], doc)
	}
}

// BenchmarkParseInLine measures reading one bid's adm: an InLine ad like a DSP returns.
func BenchmarkParseInLine(b *testing.B) {
	adm := vast.AppendDocument(nil, &vast.Document{Ads: samplePod().Ads[:1]})
	b.SetBytes(int64(len(adm)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := vast.Parse(adm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseInLineStd is the same adm read by the encoding/xml reference parser, for
// comparison.
func BenchmarkParseInLineStd(b *testing.B) {
	adm := vast.AppendDocument(nil, &vast.Document{Ads: samplePod().Ads[:1]})
	b.SetBytes(int64(len(adm)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := vast.ParseStd(adm); err != nil {
			b.Fatal(err)
		}
	}
}
