package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/bidder"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/db"
)

// platformFlags are the settings shared by every command that reaches the real dependencies.
// Empty addresses mean "the embedded stack" under `cuepoint dev` and the default local ports
// elsewhere; production sets all three to its clusters.
type platformFlags struct {
	root                 string
	kafkaBrokers         *config.StringList
	clickhouseAddr       string
	clickhouseDatabase   string
	cassandraHosts       *config.StringList
	cassandraKeyspace    string
	cassandraReplication string
	cassandraDiscover    bool
	cassandraDC          string
	// Keyspaces of the services that keep their own; `cuepoint migrate` has flags for them.
	bidderKeyspace   string
	adserverKeyspace string
}

func (p *platformFlags) register(fs *config.FlagSet) {
	p.bidderKeyspace, p.adserverKeyspace = bidder.DefaultKeyspace, catalog.DefaultKeyspace
	fs.StringVar(&p.root, "root", ".cuepoint", "directory for local state: embedded stack data, logs, admin token, spool")
	p.kafkaBrokers = fs.StringList("kafka-brokers", nil, "Kafka bootstrap brokers, comma-separated (empty: the embedded broker)")
	fs.StringVar(&p.clickhouseAddr, "clickhouse-addr", "", "ClickHouse native address host:port (empty: the embedded server)")
	fs.StringVar(&p.clickhouseDatabase, "clickhouse-database", "cuepoint", "ClickHouse database")
	p.cassandraHosts = fs.StringList("cassandra-hosts", nil, "Cassandra contact points host:port, comma-separated (empty: the embedded server)")
	fs.StringVar(&p.cassandraKeyspace, "cassandra-keyspace", "cuepoint", "Cassandra keyspace")
	fs.StringVar(&p.cassandraReplication, "cassandra-replication", "", "CQL replication map used when the keyspace is created (empty: SimpleStrategy, RF 1)")
	fs.BoolVar(&p.cassandraDiscover, "cassandra-discover-peers", false, "learn the Cassandra ring from the contact points (production clusters)")
	fs.StringVar(&p.cassandraDC, "cassandra-dc", "", "local Cassandra datacenter for DC-aware routing")
	fs.Check(func() error {
		for _, id := range []struct{ name, v string }{{"clickhouse-database", p.clickhouseDatabase}, {"cassandra-keyspace", p.cassandraKeyspace}} {
			if id.v == "" || strings.ContainsAny(id.v, " .;'\"`") {
				return &config.UsageError{Setting: id.name, Err: fmt.Errorf("%q is not a valid name", id.v)}
			}
		}
		return nil
	})
}

// orDefault returns the configured addresses, or the local default ports when none are set.
func (p *platformFlags) clickhouse() string {
	if p.clickhouseAddr != "" {
		return p.clickhouseAddr
	}
	return "127.0.0.1:9000"
}

func (p *platformFlags) cassandra() []string {
	if len(*p.cassandraHosts) > 0 {
		return *p.cassandraHosts
	}
	return []string{"127.0.0.1:9042"}
}

func (p *platformFlags) kafka() []string {
	if len(*p.kafkaBrokers) > 0 {
		return *p.kafkaBrokers
	}
	return []string{"127.0.0.1:9092"}
}

func (p *platformFlags) openClickHouse(ctx context.Context) (driver.Conn, error) {
	return db.OpenClickHouse(ctx, p.clickhouse(), db.ClickHouseOptions{})
}

func (p *platformFlags) cassandraOptions(keyspace string) db.CassandraOptions {
	return db.CassandraOptions{Keyspace: keyspace, DiscoverPeers: p.cassandraDiscover, Datacenter: p.cassandraDC}
}
