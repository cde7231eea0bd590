package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Names of the dependencies, as used in pidfiles, Check results and logs.
const (
	DepKafka      = "kafka"
	DepClickHouse = "clickhouse"
	DepCassandra  = "cassandra"
)

// Deps lists the dependencies in the order the stack reports them.
var Deps = []string{DepKafka, DepClickHouse, DepCassandra}

// Environment variables that point a process at running dependencies instead of starting
// them (external mode). They are also the CUEPOINT_* overrides of the services' flags
// --kafka-brokers, --clickhouse-addr and --cassandra-hosts.
const (
	EnvKafkaBrokers   = "CUEPOINT_KAFKA_BROKERS"   // comma-separated host:port
	EnvClickHouseAddr = "CUEPOINT_CLICKHOUSE_ADDR" // native protocol host:port
	EnvCassandraHosts = "CUEPOINT_CASSANDRA_HOSTS" // comma-separated host:port
)

const (
	// DefaultRoot is the stack root, relative to the working directory, unless told otherwise.
	DefaultRoot = ".cuepoint"
	// DefaultStartTimeout bounds the start of each dependency unless told otherwise.
	DefaultStartTimeout = 2 * time.Minute
)

// Options says which dependencies to run and where.
type Options struct {
	// Root is the stack root (DefaultRoot when empty): data, generated configuration, logs
	// (Root/logs) and pidfiles (Root/run) of everything the stack starts.
	Root string

	// Kafka, ClickHouse and Cassandra choose the dependencies to provide.
	Kafka, ClickHouse, Cassandra bool

	// Addresses the started dependencies listen on (host:port; empty means the default,
	// port 0 a free port): DefaultKafkaAddr, DefaultClickHouseNativeAddr,
	// DefaultClickHouseHTTPAddr and DefaultCassandraAddr.
	KafkaAddr, ClickHouseNative, ClickHouseHTTP, CassandraAddr string

	// External dependencies: when set, the stack starts nothing for that dependency and hands
	// out these addresses (the setting implies the dependency is wanted). Their reachability
	// is reported by Check, not by Start.
	ExternalKafka      []string
	ExternalClickHouse string
	ExternalCassandra  []string

	// StartTimeout bounds the start of each dependency; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// Logger receives start and stop events; nil discards them.
	Logger *slog.Logger

	// KafkaPersist keeps Kafka's topics and records in Root/kafka across restarts; without it
	// the embedded broker is in memory.
	KafkaPersist bool
	// ClickHouseBinary, CassandraHome, Java and CassandraHeapMB override what the stack
	// looks up or chooses; see ClickHouseConfig and CassandraConfig.
	ClickHouseBinary string
	CassandraHome    string
	Java             string
	CassandraHeapMB  int
}

// Stack is a set of running (or external) dependencies.
type Stack struct {
	root string
	log  *slog.Logger

	kafka      *Kafka
	clickhouse *ClickHouse
	cassandra  *Cassandra

	kafkaBrokers   []string
	clickhouseAddr string
	cassandraHosts []string
}

// Start provides the dependencies o asks for: external ones by address, the others started
// in parallel, each waited for until it answers. If any fails to start, Start stops those
// that did and returns every failure.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if o.Root == "" {
		o.Root = DefaultRoot
	}
	log := logOrDiscard(o.Logger)
	s := &Stack{root: o.Root, log: log}

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}

	switch {
	case len(o.ExternalKafka) > 0:
		s.kafkaBrokers = append([]string(nil), o.ExternalKafka...)
		log.Info("kafka: external", "brokers", s.kafkaBrokers)
	case o.Kafka:
		wg.Go(func() {
			k, err := StartKafka(ctx, KafkaConfig{Root: o.Root, Addr: o.KafkaAddr, Persist: o.KafkaPersist, Logger: o.Logger})
			if err != nil {
				fail(err)
				return
			}
			s.kafka, s.kafkaBrokers = k, k.Brokers()
		})
	}
	switch {
	case o.ExternalClickHouse != "":
		s.clickhouseAddr = o.ExternalClickHouse
		log.Info("clickhouse: external", "addr", s.clickhouseAddr)
	case o.ClickHouse:
		wg.Go(func() {
			ch, err := StartClickHouse(ctx, ClickHouseConfig{
				Root: o.Root, NativeAddr: o.ClickHouseNative, HTTPAddr: o.ClickHouseHTTP,
				Binary: o.ClickHouseBinary, StartTimeout: o.StartTimeout, Logger: o.Logger,
			})
			if err != nil {
				fail(err)
				return
			}
			s.clickhouse, s.clickhouseAddr = ch, ch.Addr()
		})
	}
	switch {
	case len(o.ExternalCassandra) > 0:
		s.cassandraHosts = append([]string(nil), o.ExternalCassandra...)
		log.Info("cassandra: external", "hosts", s.cassandraHosts)
	case o.Cassandra:
		wg.Go(func() {
			c, err := StartCassandra(ctx, CassandraConfig{
				Root: o.Root, Addr: o.CassandraAddr, Home: o.CassandraHome, Java: o.Java,
				HeapMB: o.CassandraHeapMB, StartTimeout: o.StartTimeout, Logger: o.Logger,
			})
			if err != nil {
				fail(err)
				return
			}
			s.cassandra, s.cassandraHosts = c, c.Hosts()
		})
	}
	wg.Wait()

	if len(errs) > 0 {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultStopGrace)
		defer cancel()
		if err := s.Stop(stopCtx); err != nil {
			errs = append(errs, fmt.Errorf("stopping what had started: %w", err))
		}
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Root returns the stack root.
func (s *Stack) Root() string { return s.root }

// KafkaBrokers returns the Kafka seed brokers (host:port), nil when Kafka is not in the stack.
func (s *Stack) KafkaBrokers() []string { return append([]string(nil), s.kafkaBrokers...) }

// ClickHouseAddr returns ClickHouse's native protocol host:port, "" when it is not in the
// stack.
func (s *Stack) ClickHouseAddr() string { return s.clickhouseAddr }

// CassandraHosts returns the Cassandra CQL hosts (host:port), nil when Cassandra is not in
// the stack.
func (s *Stack) CassandraHosts() []string { return append([]string(nil), s.cassandraHosts...) }

// Kafka returns the embedded broker, nil when Kafka is external or not in the stack.
func (s *Stack) Kafka() *Kafka { return s.kafka }

// ClickHouse returns the ClickHouse server the stack started, nil when it is external or not
// in the stack.
func (s *Stack) ClickHouse() *ClickHouse { return s.clickhouse }

// Cassandra returns the Cassandra node the stack started, nil when it is external or not in
// the stack.
func (s *Stack) Cassandra() *Cassandra { return s.cassandra }

// Env returns the CUEPOINT_* assignments that point another process at this stack's
// dependencies (external mode), e.g. "CUEPOINT_CLICKHOUSE_ADDR=127.0.0.1:9000".
func (s *Stack) Env() []string {
	var env []string
	if len(s.kafkaBrokers) > 0 {
		env = append(env, EnvKafkaBrokers+"="+strings.Join(s.kafkaBrokers, ","))
	}
	if s.clickhouseAddr != "" {
		env = append(env, EnvClickHouseAddr+"="+s.clickhouseAddr)
	}
	if len(s.cassandraHosts) > 0 {
		env = append(env, EnvCassandraHosts+"="+strings.Join(s.cassandraHosts, ","))
	}
	return env
}

// Check pings every dependency in the stack over its own protocol, in parallel, and returns
// the result per dependency name (nil when it answers). It is meant for /readyz.
func (s *Stack) Check(ctx context.Context) map[string]error {
	checks := map[string]func(context.Context) error{}
	switch {
	case s.kafka != nil:
		checks[DepKafka] = s.kafka.Check
	case len(s.kafkaBrokers) > 0:
		checks[DepKafka] = func(ctx context.Context) error { return PingKafka(ctx, s.kafkaBrokers) }
	}
	switch {
	case s.clickhouse != nil:
		checks[DepClickHouse] = s.clickhouse.Check
	case s.clickhouseAddr != "":
		checks[DepClickHouse] = func(ctx context.Context) error {
			_, err := PingClickHouse(ctx, s.clickhouseAddr)
			return err
		}
	}
	switch {
	case s.cassandra != nil:
		checks[DepCassandra] = s.cassandra.Check
	case len(s.cassandraHosts) > 0:
		checks[DepCassandra] = func(ctx context.Context) error {
			_, err := PingCassandra(ctx, s.cassandraHosts)
			return err
		}
	}
	results := make(map[string]error, len(checks))
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for name, check := range checks {
		wg.Go(func() {
			err := check(ctx)
			mu.Lock()
			results[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

// Stop stops, in parallel, everything the stack started (external dependencies are left
// alone): servers get SIGTERM, then SIGKILL at ctx's deadline (30 s without one). Stop may be
// called more than once.
func (s *Stack) Stop(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	stop := func(f func(context.Context) error) {
		wg.Go(func() {
			if err := f(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	if s.kafka != nil {
		stop(s.kafka.Stop)
	}
	if s.clickhouse != nil {
		stop(s.clickhouse.Stop)
	}
	if s.cassandra != nil {
		stop(s.cassandra.Stop)
	}
	wg.Wait()
	return errors.Join(errs...)
}
