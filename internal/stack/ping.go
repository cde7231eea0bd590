package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/twmb/franz-go/pkg/kgo"
)

// pingTimeout bounds one protocol ping when the caller's context has no earlier deadline.
const pingTimeout = 5 * time.Second

// PingKafka checks that one of brokers answers a Kafka metadata request.
func PingKafka(ctx context.Context, brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("kafka: no broker address")
	}
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DialTimeout(pingTimeout), kgo.RequestRetries(0))
	if err != nil {
		return fmt.Errorf("kafka %s: %w", strings.Join(brokers, ","), err)
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return fmt.Errorf("kafka %s: %w", strings.Join(brokers, ","), err)
	}
	return nil
}

// PingClickHouse checks that addr (host:port of the native protocol) answers a ClickHouse
// ping and returns the server version, e.g. "18.16.1".
func PingClickHouse(ctx context.Context, addr string) (version string, err error) {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	timeout := pingTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:         []string{addr},
		Protocol:     clickhouse.Native,
		DialTimeout:  timeout,
		ReadTimeout:  timeout,
		MaxOpenConns: 1,
		MaxIdleConns: 1,
	})
	if err != nil {
		return "", fmt.Errorf("clickhouse %s: %w", addr, err)
	}
	defer conn.Close()
	if err := conn.Ping(ctx); err != nil {
		return "", fmt.Errorf("clickhouse %s: %w", addr, err)
	}
	v, err := conn.ServerVersion()
	if err != nil {
		return "", fmt.Errorf("clickhouse %s: server version: %w", addr, err)
	}
	return fmt.Sprintf("%d.%d.%d", v.Version.Major, v.Version.Minor, v.Version.Patch), nil
}

// PingCassandra checks that hosts (host:port of the CQL native protocol) answer a query and
// returns the server's release_version, e.g. "2.1.0". It speaks protocol v3 without initial
// host lookup, which both Cassandra 2.1 and current releases accept.
func PingCassandra(ctx context.Context, hosts []string) (releaseVersion string, err error) {
	if len(hosts) == 0 {
		return "", errors.New("cassandra: no host address")
	}
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	timeout := pingTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	cluster := gocql.NewCluster(hosts...)
	cluster.ProtoVersion = 3
	cluster.DisableInitialHostLookup = true
	cluster.Consistency = gocql.One
	cluster.NumConns = 1
	cluster.Timeout = timeout
	cluster.ConnectTimeout = timeout
	cluster.Logger = discardLogger{}
	session, err := cluster.CreateSession()
	if err != nil {
		return "", fmt.Errorf("cassandra %s: %w", strings.Join(hosts, ","), err)
	}
	defer session.Close()
	if err := session.Query("SELECT release_version FROM system.local").WithContext(ctx).Scan(&releaseVersion); err != nil {
		return "", fmt.Errorf("cassandra %s: %w", strings.Join(hosts, ","), err)
	}
	return releaseVersion, nil
}

// Speakers for port-in-use errors: what an existing listener answers as.

func speaksKafka(ctx context.Context, addr string) string {
	if PingKafka(ctx, []string{addr}) == nil {
		return "a Kafka broker"
	}
	return ""
}

func speaksClickHouse(ctx context.Context, addr string) string {
	if v, err := PingClickHouse(ctx, addr); err == nil {
		return "ClickHouse " + v
	}
	return ""
}

func speaksCassandra(ctx context.Context, addr string) string {
	if v, err := PingCassandra(ctx, []string{addr}); err == nil {
		return "Cassandra " + v
	}
	return ""
}

// discardLogger silences gocql's connection chatter during pings: a failed ping is reported
// through its error.
type discardLogger struct{}

func (discardLogger) Error(string, ...gocql.LogField)   {}
func (discardLogger) Warning(string, ...gocql.LogField) {}
func (discardLogger) Info(string, ...gocql.LogField)    {}
func (discardLogger) Debug(string, ...gocql.LogField)   {}

// logOrDiscard returns l, or a logger that drops everything when l is nil.
func logOrDiscard(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
