package sink

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
)

// Defaults of Config.
const (
	DefaultGroup     = "cuepoint-sink"
	DefaultBatchRows = 100_000
	// DefaultMinBatchRows is the size at which a flush goes early, when the sink has caught
	// up with its partitions (see Config.MinBatchRows).
	DefaultMinBatchRows  = 10_000
	DefaultBatchInterval = time.Second
	DefaultInsertTimeout = 30 * time.Second
	DefaultBackoffMin    = 100 * time.Millisecond
	DefaultBackoffMax    = 5 * time.Second
	DefaultRetentionRun  = time.Hour
	DefaultFetchMaxBytes = 32 << 20

	// MaxBatchRows keeps each INSERT one block below ClickHouse's max_insert_block_size
	// (1,048,576 rows), so the server writes it as one block.
	MaxBatchRows = 1_000_000
)

// Config configures a Sink. Zero values take the defaults above.
type Config struct {
	// Brokers are the Kafka seed brokers.
	Brokers []string
	// Group is the consumer group; every sink instance of a deployment uses the same one.
	Group string
	// Families are the families to consume (default: all).
	Families []events.Family
	// TopicPrefix is prepended to every topic name, the dead-letter topic's included (tests
	// on a shared broker use it to keep to topics of their own).
	TopicPrefix string
	// ClickHouseAddr is the native-protocol address of ClickHouse; Database the analytics
	// database (default schema.Database). ClickHouse carries credentials and settings; its
	// Database field is ignored.
	ClickHouseAddr string
	Database       string
	ClickHouse     db.ClickHouseOptions
	// BatchRows and BatchInterval bound a flush: it goes when a table has BatchRows rows or
	// the oldest record waited BatchInterval, whichever comes first.
	BatchRows     int
	BatchInterval time.Duration
	// MinBatchRows lets a flush go early: when a table has at least MinBatchRows rows and
	// the last fetch of every partition read reached its high watermark (nothing more is
	// waiting in Kafka), waiting for BatchInterval would only delay the rows. Default
	// DefaultMinBatchRows, at most BatchRows.
	MinBatchRows int
	// InsertTimeout bounds one INSERT; keep it well below the group's rebalance timeout
	// (60 s), which a rebalance may wait on it.
	InsertTimeout time.Duration
	// BackoffMin and BackoffMax bound the exponential backoff between retries while
	// ClickHouse or Kafka fails.
	BackoffMin, BackoffMax time.Duration
	// Retention is applied every RetentionInterval (default hourly); a negative interval
	// disables it (another instance, or an operator, does it).
	Retention         schema.Retention
	RetentionInterval time.Duration
	// FetchMaxBytes bounds one Kafka fetch response, hence the memory of fetched records.
	FetchMaxBytes int32
	// Consumer names this instance in the ledger (default hostname-pid).
	Consumer string
	// Logger defaults to logging.Discard.
	Logger *slog.Logger
	// KafkaOptions are added to the Kafka client's options (tests shorten timeouts with it).
	KafkaOptions []kgo.Opt
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// withDefaults returns the config with defaults applied, or why it is unusable.
func (c Config) withDefaults() (Config, error) {
	if len(c.Brokers) == 0 {
		return c, errors.New("sink: no Kafka brokers")
	}
	if c.ClickHouseAddr == "" {
		return c, errors.New("sink: no ClickHouse address")
	}
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if len(c.Families) == 0 {
		c.Families = events.Families
	}
	for _, f := range c.Families {
		if tables[f] == nil {
			return c, fmt.Errorf("sink: unknown family %q", f)
		}
	}
	if c.Database == "" {
		c.Database = schema.Database
	}
	if !identRE.MatchString(c.Database) {
		return c, fmt.Errorf("sink: database %q is not an identifier", c.Database)
	}
	if c.BatchRows == 0 {
		c.BatchRows = DefaultBatchRows
	}
	if c.BatchRows < 1 || c.BatchRows > MaxBatchRows {
		return c, fmt.Errorf("sink: batch rows %d outside [1, %d]", c.BatchRows, MaxBatchRows)
	}
	if c.MinBatchRows == 0 {
		c.MinBatchRows = DefaultMinBatchRows
	}
	if c.MinBatchRows < 1 {
		return c, fmt.Errorf("sink: min batch rows %d below 1", c.MinBatchRows)
	}
	c.MinBatchRows = min(c.MinBatchRows, c.BatchRows)
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.BatchInterval, DefaultBatchInterval)
	def(&c.InsertTimeout, DefaultInsertTimeout)
	def(&c.BackoffMin, DefaultBackoffMin)
	def(&c.BackoffMax, DefaultBackoffMax)
	def(&c.RetentionInterval, DefaultRetentionRun)
	if c.BatchInterval < 0 || c.InsertTimeout < 0 || c.BackoffMin <= 0 || c.BackoffMax < c.BackoffMin {
		return c, fmt.Errorf("sink: bad durations: interval %s, insert timeout %s, backoff %s–%s", c.BatchInterval, c.InsertTimeout, c.BackoffMin, c.BackoffMax)
	}
	if err := c.Retention.Validate(); err != nil {
		return c, fmt.Errorf("sink: %w", err)
	}
	if c.FetchMaxBytes == 0 {
		c.FetchMaxBytes = DefaultFetchMaxBytes
	}
	if c.Consumer == "" {
		host, _ := os.Hostname()
		c.Consumer = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if c.Logger == nil {
		c.Logger = logging.Discard
	}
	return c, nil
}
