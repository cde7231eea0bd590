package producer

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
)

// isRejected reports whether Kafka refused a record for good, for what the record is rather
// than for the state of the cluster: retrying it, now or after a replay, cannot succeed. Every
// other failure (timeouts, unreachable brokers, missing topics, authorization) is spooled, to
// be replayed once the cluster or its configuration is fixed.
func isRejected(err error) bool {
	return errors.Is(err, kerr.MessageTooLarge) ||
		errors.Is(err, kerr.RecordListTooLarge) ||
		errors.Is(err, kerr.InvalidRecord) ||
		errors.Is(err, kerr.InvalidTimestamp) ||
		errors.Is(err, kerr.CorruptMessage)
}
