package sink

import (
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// Headers of a dead letter. The record keeps the source record's key and value unchanged.
const (
	HeaderReason          = "reason"           // an events.Reason
	HeaderError           = "error"            // the decode error, at most 1 KiB
	HeaderSourceTopic     = "source.topic"     // where the record was read
	HeaderSourcePartition = "source.partition" // decimal
	HeaderSourceOffset    = "source.offset"    // decimal
	HeaderSourceTime      = "source.timestamp" // the source record's timestamp, RFC 3339
)

const maxErrorHeader = 1 << 10

// deadLetter is a record that could not be decoded, on its way to events.DeadLetterTopic.
type deadLetter struct {
	source *kgo.Record
	reason events.Reason
	out    *kgo.Record
}

func newDeadLetter(topic string, src *kgo.Record, err error) deadLetter {
	reason := events.ReasonOf(err)
	if reason == "" {
		reason = events.ReasonSyntax
	}
	msg := err.Error()
	if len(msg) > maxErrorHeader {
		msg = msg[:maxErrorHeader]
	}
	return deadLetter{source: src, reason: reason, out: &kgo.Record{
		Topic: topic,
		Key:   src.Key,
		Value: src.Value,
		Headers: []kgo.RecordHeader{
			{Key: HeaderReason, Value: []byte(reason)},
			{Key: HeaderError, Value: []byte(msg)},
			{Key: HeaderSourceTopic, Value: []byte(src.Topic)},
			{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(src.Partition), 10)},
			{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, src.Offset, 10)},
			{Key: HeaderSourceTime, Value: src.Timestamp.UTC().AppendFormat(nil, time.RFC3339Nano)},
		},
	}}
}
