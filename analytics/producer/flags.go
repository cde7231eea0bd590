package producer

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/cuepoint/cuepoint/internal/config"
)

// Flags declares the producer's settings on a command's flag set and returns, for after
// fs.Parse, the seed brokers and the options for a producer of the named service:
//
//	--kafka-brokers           seed brokers (default 127.0.0.1:9092)
//	--spool-dir               base directory of spools; the service's is <dir>/<service>
//	--spool-max-bytes         most bytes a service's spool may hold
//	--kafka-delivery-timeout  how long a record may wait for Kafka before it is spooled
//
// Each is also read from CUEPOINT_KAFKA_BROKERS and so on (see internal/config).
//
//	settings := producer.Flags(fs)
//	if err := fs.Parse(args); err != nil { ... }
//	brokers, opts := settings("bidder")
//	p, err := producer.New(brokers, append(opts, producer.WithLogger(log))...)
func Flags(fs *config.FlagSet) func(service string) (brokers []string, opts []Option) {
	brokers := fs.StringList("kafka-brokers", []string{"127.0.0.1:9092"}, "Kafka seed brokers, comma-separated host:port")
	dir := fs.String("spool-dir", "data/spool", "base directory of the event spools (one subdirectory per service, on a local disk)")
	maxBytes := fs.Int64("spool-max-bytes", DefaultSpoolBytes, "most bytes each service's event spool may hold")
	timeout := fs.Duration("kafka-delivery-timeout", DefaultDeliveryTimeout, "how long an event may wait for Kafka before it is spooled (≥ 1s)")
	fs.Check(func() error {
		switch {
		case len(*brokers) == 0:
			return &config.UsageError{Setting: "kafka-brokers", Err: fmt.Errorf("need at least one host:port")}
		case *dir == "":
			return &config.UsageError{Setting: "spool-dir", Err: fmt.Errorf("need a directory")}
		case *maxBytes < DefaultSegmentBytes:
			return &config.UsageError{Setting: "spool-max-bytes", Err: fmt.Errorf("%d is below one segment (%d bytes)", *maxBytes, DefaultSegmentBytes)}
		case *timeout < time.Second:
			return &config.UsageError{Setting: "kafka-delivery-timeout", Err: fmt.Errorf("%s is below the Kafka client's minimum of 1s", *timeout)}
		}
		return nil
	})
	return func(service string) ([]string, []Option) {
		return append([]string(nil), (*brokers)...), []Option{
			WithService(service),
			WithSpool(filepath.Join(*dir, service), *maxBytes),
			WithDeliveryTimeout(*timeout),
		}
	}
}
