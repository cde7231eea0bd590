package events_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	goccy "github.com/goccy/go-json"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
)

// benchEvent is a bid request with one bid, the most frequent event.
func benchEvent(b *testing.B) (*events.BidRequest, []byte) {
	g := eventstest.New(1, time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC))
	for {
		ev := g.Next(events.FamilyBids).(*events.BidRequest)
		if len(ev.Bids) > 0 {
			data, _ := ev.Append(nil)
			return ev, data
		}
	}
}

// BenchmarkCodec compares this package's codec with goccy/go-json and encoding/json on the
// same event (docs/events.md quotes the results).
func BenchmarkCodec(b *testing.B) {
	ev, data := benchEvent(b)
	b.Run("append", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			buf, _ = ev.Append(buf[:0])
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := events.Decode(events.FamilyBids, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decoder", func(b *testing.B) { // events.Decoder: reused events, strings alias data
		var d events.Decoder
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := d.Decode(events.FamilyBids, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goccy-marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = goccy.Marshal(ev)
		}
	})
	b.Run("goccy-unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var e events.BidRequest
			if err := goccy.Unmarshal(data, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("std-marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(ev)
		}
	})
	b.Run("std-unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var e events.BidRequest
			if err := json.Unmarshal(data, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBatchSize reports the bytes per event of each family on the wire: raw JSON, and
// compressed in Kafka-sized batches of 1000 events with lz4 and zstd (Kafka compresses record
// batches, which is where JSON's repeated keys go).
func BenchmarkBatchSize(b *testing.B) {
	for _, f := range events.Families {
		b.Run(string(f), func(b *testing.B) {
			g := eventstest.New(3, time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC))
			var batch []byte
			const n = 1000
			for i := 0; i < n; i++ {
				batch, _ = g.Next(f).Append(batch)
			}
			var lz, zs bytes.Buffer
			for b.Loop() {
				lz.Reset()
				zw := lz4.NewWriter(&lz)
				_, _ = zw.Write(batch)
				_ = zw.Close()
				zs.Reset()
				enc, _ := zstd.NewWriter(&zs, zstd.WithEncoderLevel(zstd.SpeedDefault))
				_, _ = enc.Write(batch)
				_ = enc.Close()
			}
			b.ReportMetric(float64(len(batch))/n, "json-B/event")
			b.ReportMetric(float64(lz.Len())/n, "lz4-B/event")
			b.ReportMetric(float64(zs.Len())/n, "zstd-B/event")
		})
	}
}

var idSink string

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		idSink = events.NewID()
	}
}
