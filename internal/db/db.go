package db

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// ClickHouseOptions tune OpenClickHouse.
type ClickHouseOptions struct {
	Database     string // default "default"
	User         string // default "default"
	Password     string
	DialTimeout  time.Duration // default 2s
	MaxOpenConns int           // default 8
	ReadTimeout  time.Duration // per read from the server, default 30s
	Settings     map[string]any
}

// OpenClickHouse connects to the native port at addr and pings it.
func OpenClickHouse(ctx context.Context, addr string, o ClickHouseOptions) (driver.Conn, error) {
	if o.Database == "" {
		o.Database = "default"
	}
	if o.User == "" {
		o.User = "default"
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 2 * time.Second
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = 8
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:             []string{addr},
		Protocol:         clickhouse.Native,
		Auth:             clickhouse.Auth{Database: o.Database, Username: o.User, Password: o.Password},
		DialTimeout:      o.DialTimeout,
		ReadTimeout:      o.ReadTimeout,
		MaxOpenConns:     o.MaxOpenConns,
		MaxIdleConns:     o.MaxOpenConns,
		ConnMaxLifetime:  time.Hour,
		Compression:      &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		Settings:         o.Settings,
		ConnOpenStrategy: clickhouse.ConnOpenInOrder,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse %s: ping: %w", addr, err)
	}
	return conn, nil
}

// CassandraOptions tune OpenCassandra.
type CassandraOptions struct {
	Keyspace       string // empty: no keyspace (migrations create it)
	Consistency    gocql.Consistency
	Timeout        time.Duration // per query, default 50ms
	ConnectTimeout time.Duration // default 2s
	NumConns       int           // per host, default 2
	Username       string
	Password       string
	// DiscoverPeers looks up the ring's other nodes from the contact points (production).
	DiscoverPeers bool
	// Datacenter, when set, routes to that DC first (DC-aware) under token-aware routing.
	Datacenter string
}

// CassandraCluster returns the gocql cluster config for hosts with the options applied.
func CassandraCluster(hosts []string, o CassandraOptions) *gocql.ClusterConfig {
	c := gocql.NewCluster(hosts...)
	c.Keyspace = o.Keyspace
	if !o.DiscoverPeers { // the ring is still looked up: see cassandra_legacy.go
		c.HostFilter = contactPointsOnly(hosts)
	}
	c.Consistency = gocql.LocalOne
	if o.Consistency != 0 {
		c.Consistency = o.Consistency
	}
	c.Timeout = 50 * time.Millisecond
	if o.Timeout > 0 {
		c.Timeout = o.Timeout
	}
	c.ConnectTimeout = 2 * time.Second
	if o.ConnectTimeout > 0 {
		c.ConnectTimeout = o.ConnectTimeout
	}
	c.WriteTimeout = c.Timeout
	c.NumConns = 2
	if o.NumConns > 0 {
		c.NumConns = o.NumConns
	}
	fallback := gocql.RoundRobinHostPolicy()
	if o.Datacenter != "" {
		fallback = gocql.DCAwareRoundRobinPolicy(o.Datacenter)
	}
	c.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(fallback)
	c.ReconnectInterval = time.Second
	c.ReconnectionPolicy = &gocql.ConstantReconnectionPolicy{MaxRetries: 1 << 30, Interval: time.Second}
	if o.Username != "" {
		c.Authenticator = gocql.PasswordAuthenticator{Username: o.Username, Password: o.Password}
	}
	return c
}

// OpenCassandra connects to hosts.
func OpenCassandra(hosts []string, o CassandraOptions) (*gocql.Session, error) {
	s, err := CassandraCluster(hosts, o).CreateSession()
	if err != nil {
		return nil, fmt.Errorf("cassandra %v: %w", hosts, err)
	}
	return s, nil
}
