package featurestore

import (
	"fmt"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/config"
)

// Config configures a Store. The zero value is not usable: start from DefaultConfig or
// declare the settings on a command's flags with Flags.
type Config struct {
	// Name labels the Store's metrics (store="…"); services reading in-process use their own.
	Name string
	// Registry is the feature catalogue (default: Default).
	Registry *Registry

	// Cassandra connection (the commands copy these from their --cassandra-* platform flags).
	Hosts    []string // host[:port]; port 9042 when omitted
	Keyspace string
	// Replication is the CQL replication map Migrate creates a missing keyspace with (empty:
	// SimpleStrategy, replication factor 1, for dev and CI).
	Replication string
	// LocalDC makes the token-aware policy fall back to round robin within this data centre and
	// is what LOCAL_* consistency levels refer to. Empty: any host.
	LocalDC      string
	ProtoVersion int  // native protocol version: 3 speaks to Cassandra 2.1 and 4/5
	HostLookup   bool // discover peers (production); false against Cassandra 2.1 (dev, CI)
	Username     string
	Password     string
	// ConnectTimeout bounds establishing connections (start-up and reconnects), not requests.
	ConnectTimeout time.Duration

	// Reads.
	ReadConsistency gocql.Consistency
	// QueryTimeout is gocql's per-attempt timeout (its default, 11 s, would hold a request far
	// beyond any budget).
	QueryTimeout time.Duration
	// ReadTimeout is the per-request deadline of a read when the caller's context has none or a
	// later one; reads never outlast the earlier of the two.
	ReadTimeout time.Duration
	// SpeculativeDelay starts a second attempt of a read on another replica when the first has
	// not answered after this long (reads are idempotent; writes never speculate). 0: off.
	// It is on only where there is another host to ask (HostLookup, or several Hosts).
	SpeculativeDelay time.Duration
	// ReadParallelism bounds the partitions one BatchGet reads from Cassandra concurrently.
	ReadParallelism int
	// MaxInflightReads bounds the Cassandra reads of the whole Store in flight: more would
	// queue inside Cassandra and slow every read. Reads that find no slot wait within their
	// caller's deadline.
	MaxInflightReads int
	// MaxBatch bounds the ids of one BatchGet.
	MaxBatch int

	// Writes.
	WriteConsistency gocql.Consistency
	WriteTimeout     time.Duration

	// Near-cache.
	CacheMB int // near-cache (bigcache) size, split evenly among entity types
	// MaxStale bounds staleness when Cassandra is failing: a cached value is served up to
	// MaxStale past its view's Freshness, then the view's defaults are.
	MaxStale time.Duration
	// BreakerFailures consecutive Cassandra read failures open the circuit breaker: reads then
	// skip Cassandra (serving the cache or defaults at once) for BreakerCooldown, after which
	// one read probes it again.
	BreakerFailures int
	BreakerCooldown time.Duration
}

// DefaultConfig returns the settings Cuepoint runs with against a local Cassandra.
func DefaultConfig() Config {
	return Config{
		Name:             "featurestore",
		Registry:         Default,
		Hosts:            []string{"127.0.0.1:9042"},
		Keyspace:         "cuepoint",
		ProtoVersion:     3,
		ConnectTimeout:   5 * time.Second,
		ReadConsistency:  gocql.LocalOne,
		QueryTimeout:     40 * time.Millisecond,
		ReadTimeout:      50 * time.Millisecond,
		SpeculativeDelay: 15 * time.Millisecond,
		ReadParallelism:  32,
		MaxInflightReads: 64,
		MaxBatch:         1000,
		WriteConsistency: gocql.LocalQuorum,
		WriteTimeout:     500 * time.Millisecond,
		CacheMB:          256,
		MaxStale:         10 * time.Minute,
		BreakerFailures:  20,
		BreakerCooldown:  500 * time.Millisecond,
	}
}

// Flags declares the Store's own settings (features-*) on fs, with DefaultConfig's values as
// defaults, and returns the Config they fill in once fs.Parse succeeded. Where Cassandra is
// (Hosts, Keyspace, LocalDC, HostLookup) is the platform's setting: the command copies it
// from its --cassandra-* flags. Every setting also reads its CUEPOINT_* variable.
func Flags(fs *config.FlagSet) *Config {
	c := DefaultConfig()
	readCL := fs.String("features-read-consistency", c.ReadConsistency.String(), "consistency of feature reads")
	writeCL := fs.String("features-write-consistency", c.WriteConsistency.String(), "consistency of feature writes")
	fs.IntVar(&c.ProtoVersion, "features-cql-version", c.ProtoVersion, "CQL native protocol version (3 works with Cassandra 2.1 and 4/5)")
	fs.DurationVar(&c.QueryTimeout, "features-query-timeout", c.QueryTimeout, "timeout of one attempt of a Cassandra request")
	fs.DurationVar(&c.ReadTimeout, "features-read-timeout", c.ReadTimeout, "deadline of a feature read when the caller sets none (or a later one)")
	fs.DurationVar(&c.SpeculativeDelay, "features-speculative-delay", c.SpeculativeDelay, "start a second attempt of a slow read on another replica after this long (0: never)")
	fs.IntVar(&c.ReadParallelism, "features-read-parallelism", c.ReadParallelism, "partitions one batch read fetches from Cassandra concurrently")
	fs.IntVar(&c.MaxInflightReads, "features-max-inflight-reads", c.MaxInflightReads, "Cassandra reads of the process in flight at most")
	fs.IntVar(&c.MaxBatch, "features-max-batch", c.MaxBatch, "most entity ids in one batch read")
	fs.DurationVar(&c.WriteTimeout, "features-write-timeout", c.WriteTimeout, "deadline of a feature write")
	fs.IntVar(&c.CacheMB, "features-cache-mb", c.CacheMB, "near-cache size in MiB")
	fs.DurationVar(&c.MaxStale, "features-max-stale", c.MaxStale, "how long past freshness cached features are served while Cassandra fails")
	fs.IntVar(&c.BreakerFailures, "features-breaker-failures", c.BreakerFailures, "consecutive Cassandra read failures that open the circuit breaker")
	fs.DurationVar(&c.BreakerCooldown, "features-breaker-cooldown", c.BreakerCooldown, "how long an open breaker skips Cassandra before probing it")
	fs.Check(func() error {
		var err error
		if c.ReadConsistency, err = parseConsistency(*readCL); err != nil {
			return &config.UsageError{Setting: "features-read-consistency", Err: err}
		}
		if c.WriteConsistency, err = parseConsistency(*writeCL); err != nil {
			return &config.UsageError{Setting: "features-write-consistency", Err: err}
		}
		if err := c.Validate(); err != nil {
			return &config.UsageError{Err: err}
		}
		return nil
	})
	return &c
}

func parseConsistency(s string) (gocql.Consistency, error) {
	c, err := gocql.ParseConsistencyWrapper(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("unknown consistency %q (e.g. LOCAL_ONE, LOCAL_QUORUM, QUORUM, ONE)", s)
	}
	return c, nil
}

// Validate reports the first unusable setting.
func (c *Config) Validate() error {
	switch {
	case len(c.Hosts) == 0:
		return fmt.Errorf("featurestore: no Cassandra hosts")
	case c.Keyspace == "":
		return fmt.Errorf("featurestore: empty keyspace")
	case c.ProtoVersion < 3 || c.ProtoVersion > 5:
		return fmt.Errorf("featurestore: protocol version %d: want 3, 4 or 5", c.ProtoVersion)
	case c.QueryTimeout <= 0 || c.ReadTimeout <= 0 || c.WriteTimeout <= 0 || c.ConnectTimeout <= 0:
		return fmt.Errorf("featurestore: timeouts must be positive")
	case c.SpeculativeDelay < 0:
		return fmt.Errorf("featurestore: negative speculative delay")
	case c.ReadParallelism < 1 || c.MaxInflightReads < 1:
		return fmt.Errorf("featurestore: read parallelism %d and in-flight reads %d: want ≥ 1", c.ReadParallelism, c.MaxInflightReads)
	case c.MaxBatch < 1:
		return fmt.Errorf("featurestore: max batch %d: want ≥ 1", c.MaxBatch)
	case c.CacheMB < 1:
		return fmt.Errorf("featurestore: cache size %d MiB: want ≥ 1", c.CacheMB)
	case c.MaxStale < 0:
		return fmt.Errorf("featurestore: negative max stale")
	case c.BreakerFailures < 1 || c.BreakerCooldown <= 0:
		return fmt.Errorf("featurestore: breaker needs failures ≥ 1 and a positive cooldown")
	}
	if err := checkKeyspace(c.Keyspace); err != nil {
		return err
	}
	return nil
}

func checkKeyspace(ks string) error {
	if len(ks) > 48 || !nameRE.MatchString(ks) {
		return fmt.Errorf("featurestore: keyspace %q: want lower-case letters, digits and underscores", ks)
	}
	return nil
}
