package scte35

import (
	"testing"
	"time"
)

func BenchmarkDecodeSpliceInsert(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode("/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo="); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	br := Break{EventID: 7, Start: time.Date(2025, 1, 1, 0, 2, 0, 0, time.UTC), Duration: 30 * time.Second, PTS: 10_800_000}
	for _, f := range Formats {
		b.Run(f.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Render(f, br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
