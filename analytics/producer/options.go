package producer

import (
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/internal/logging"
)

// Defaults for the options below.
const (
	DefaultService         = "cuepoint"
	DefaultSpoolBytes      = 1 << 30
	DefaultSegmentBytes    = 8 << 20
	DefaultSyncInterval    = 100 * time.Millisecond
	DefaultDeliveryTimeout = 2 * time.Second
	DefaultMemoryLimit     = 64 << 20
	DefaultQueueSize       = 1 << 16
	DefaultLinger          = 5 * time.Millisecond
	DefaultBatchRecords    = 256
	DefaultMaxEventBytes   = 1 << 20
	DefaultReplayBackoff   = 100 * time.Millisecond
	DefaultMaxReplayWait   = 5 * time.Second
)

// Option configures a Producer.
type Option func(*options)

type options struct {
	service         string
	log             *slog.Logger
	spoolDir        string
	spoolBytes      int64
	segmentBytes    int64
	syncInterval    time.Duration
	deliveryTimeout time.Duration
	memoryLimit     int64
	queueSize       int
	linger          time.Duration
	batchRecords    int
	maxEventBytes   int
	backoff         time.Duration
	maxBackoff      time.Duration
	kafka           []kgo.Opt
}

func defaults() options {
	return options{
		service:         DefaultService,
		log:             logging.Discard,
		spoolBytes:      DefaultSpoolBytes,
		segmentBytes:    DefaultSegmentBytes,
		syncInterval:    DefaultSyncInterval,
		deliveryTimeout: DefaultDeliveryTimeout,
		memoryLimit:     DefaultMemoryLimit,
		queueSize:       DefaultQueueSize,
		linger:          DefaultLinger,
		batchRecords:    DefaultBatchRecords,
		maxEventBytes:   DefaultMaxEventBytes,
		backoff:         DefaultReplayBackoff,
		maxBackoff:      DefaultMaxReplayWait,
	}
}

// WithService sets the service label of the producer's metrics and logs (default "cuepoint").
func WithService(name string) Option { return func(c *options) { c.service = name } }

// WithLogger sets the logger for drops, spool damage and Kafka client warnings (default:
// discard).
func WithLogger(l *slog.Logger) Option { return func(c *options) { c.log = l } }

// WithSpool sets the spool directory, which is required, and the most bytes it may hold
// (default 1 GiB). The directory must be on a local disk and used by this process alone; what
// a previous process left in it is replayed on start. When the spool is full, records are
// dropped and counted.
func WithSpool(dir string, maxBytes int64) Option {
	return func(c *options) {
		c.spoolDir = dir
		if maxBytes > 0 {
			c.spoolBytes = maxBytes
		}
	}
}

// WithSegmentBytes sets the size at which the spool starts a new segment file (default 8 MiB).
// The replayer holds one segment in memory.
func WithSegmentBytes(n int64) Option { return func(c *options) { c.segmentBytes = n } }

// WithSyncInterval sets how often spooled records are fsync'd (default 100 ms): a machine that
// loses power loses at most this much of the spool. Sealed segments are fsync'd when sealed.
func WithSyncInterval(d time.Duration) Option { return func(c *options) { c.syncInterval = d } }

// WithDeliveryTimeout sets how long a record may wait for Kafka before it is spooled instead
// (default 2 s). It is also how long an outage takes to be noticed, and so the window of
// records held only in memory. The Kafka client allows no less than 1 s.
func WithDeliveryTimeout(d time.Duration) Option { return func(c *options) { c.deliveryTimeout = d } }

// WithMemoryLimit bounds the bytes of records held in memory (default 64 MiB): half for the
// hand-off queue, half for the Kafka client's buffer. A full Kafka buffer sends records to the
// spool; a full queue (the spool's disk cannot keep up) drops them.
func WithMemoryLimit(bytes int64) Option { return func(c *options) { c.memoryLimit = bytes } }

// WithQueueSize bounds the records waiting between Emit and the dispatcher (default 65536).
func WithQueueSize(n int) Option { return func(c *options) { c.queueSize = n } }

// WithLinger sets how long the dispatcher lets records gather after the first one of a batch
// before it hands them to the Kafka client (default 5 ms), and how many records make it go at
// once (default 256). Emit wakes the dispatcher once per batch, not once per event: at 10k
// events/s that is a few hundred wake-ups a second instead of ten thousand. The Kafka client
// lingers too (10 ms by default) to fill its produce requests, so this adds no request.
func WithLinger(d time.Duration, records int) Option {
	return func(c *options) { c.linger, c.batchRecords = d, records }
}

// WithMaxEventBytes refuses events whose key and encoding exceed n bytes (default 1 MiB).
func WithMaxEventBytes(n int) Option { return func(c *options) { c.maxEventBytes = n } }

// WithReplayBackoff sets the first and the longest wait between attempts to replay the spool
// while Kafka stays unreachable (default 100 ms doubling up to 5 s).
func WithReplayBackoff(first, longest time.Duration) Option {
	return func(c *options) { c.backoff, c.maxBackoff = first, longest }
}

// WithKafkaOptions adds options to the franz-go client (TLS, SASL, client id, compression).
// The producer sets the seed brokers, RecordDeliveryTimeout and MaxBufferedBytes itself.
func WithKafkaOptions(opts ...kgo.Opt) Option {
	return func(c *options) { c.kafka = append(c.kafka, opts...) }
}
