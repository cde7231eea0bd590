package sink

import (
	"fmt"

	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/internal/config"
)

// Flags declares the sink's own settings on fs and returns the Config they fill once fs is
// parsed. The caller sets where the dependencies are (Brokers, ClickHouseAddr, Database) and
// the Logger:
//
//	cfg := sink.Flags(fs)
//	if err := fs.Parse(args); err != nil { … }
//	cfg.Brokers, cfg.ClickHouseAddr, cfg.Database, cfg.Logger = brokers, addr, db, log
//	s, err := sink.New(*cfg)
func Flags(fs *config.FlagSet) *Config {
	c := &Config{Retention: schema.DefaultRetention}
	fs.StringVar(&c.Group, "group", DefaultGroup, "Kafka consumer group shared by every sink instance")
	fs.IntVar(&c.BatchRows, "batch-rows", DefaultBatchRows, fmt.Sprintf("rows of one table that make a batch go to ClickHouse (at most %d)", MaxBatchRows))
	fs.IntVar(&c.MinBatchRows, "batch-min-rows", DefaultMinBatchRows, "rows of one table that make a batch go at once when the sink has read everything Kafka holds (at most batch-rows)")
	fs.DurationVar(&c.BatchInterval, "batch-interval", DefaultBatchInterval, "longest time a read event waits for its batch to go to ClickHouse")
	fs.DurationVar(&c.InsertTimeout, "insert-timeout", DefaultInsertTimeout, "limit of one ClickHouse statement; keep it below the group's rebalance timeout (60s)")
	fs.DurationVar(&c.BackoffMax, "retry-max", DefaultBackoffMax, "longest wait between retries while ClickHouse or Kafka fails")
	fs.IntVar(&c.Retention.RawDays, "retention-raw-days", c.Retention.RawDays, "days of raw events to keep (0: forever)")
	fs.IntVar(&c.Retention.MinuteDays, "retention-minute-days", c.Retention.MinuteDays, "days of minute rollups to keep (0: forever)")
	fs.IntVar(&c.Retention.HourDays, "retention-hour-days", c.Retention.HourDays, "days of hour rollups to keep (0: forever)")
	fs.IntVar(&c.Retention.LedgerDays, "retention-ledger-days", c.Retention.LedgerDays, "days of the sink's batch ledger to keep (0: forever, else at least 2)")
	fs.DurationVar(&c.RetentionInterval, "retention-interval", DefaultRetentionRun, "how often to drop expired partitions (negative: never, e.g. when another instance does)")
	fs.Check(func() error {
		if c.BatchRows < 1 || c.BatchRows > MaxBatchRows {
			return &config.UsageError{Setting: "batch-rows", Err: fmt.Errorf("%d is outside [1, %d]", c.BatchRows, MaxBatchRows)}
		}
		if c.MinBatchRows < 1 {
			return &config.UsageError{Setting: "batch-min-rows", Err: fmt.Errorf("must be at least 1, got %d", c.MinBatchRows)}
		}
		if c.BatchInterval <= 0 {
			return &config.UsageError{Setting: "batch-interval", Err: fmt.Errorf("must be positive, got %s", c.BatchInterval)}
		}
		if c.InsertTimeout <= 0 {
			return &config.UsageError{Setting: "insert-timeout", Err: fmt.Errorf("must be positive, got %s", c.InsertTimeout)}
		}
		if c.BackoffMax < DefaultBackoffMin {
			return &config.UsageError{Setting: "retry-max", Err: fmt.Errorf("must be at least %s, got %s", DefaultBackoffMin, c.BackoffMax)}
		}
		if err := c.Retention.Validate(); err != nil {
			return &config.UsageError{Setting: "retention-*-days", Err: err}
		}
		return nil
	})
	return c
}
