package main

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/bidder"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/migrate"
)

// ownedSchema is one package's schema: its migrations are a function of the database or
// keyspace they go into, so tests and deployments can choose it.
type ownedSchema struct {
	owner string
	space func(p *platformFlags) string
	build func(space string) []migrate.Migration
}

// The schemas of every package that owns tables. `cuepoint migrate` and `cuepoint dev` apply
// them all; a service started on its own also applies its own at start (migrations are
// idempotent). A package that adds tables adds its schema here.
var (
	clickhouseSchemas = []ownedSchema{
		{"analytics", func(p *platformFlags) string { return p.clickhouseDatabase }, schema.ClickHouse},
	}
	cassandraSchemas = []ownedSchema{
		{"featurestore", func(p *platformFlags) string { return p.cassandraKeyspace }, featurestore.SchemaFor},
		{"bidder", func(p *platformFlags) string { return p.bidderKeyspace }, bidder.Schema},
		{"adserver", func(p *platformFlags) string { return p.adserverKeyspace }, catalog.Schema},
	}
)

// migrated is what one schema's migration applied.
type migrated struct {
	owner, db, space string
	applied          []int
	latest           int
}

// migrateAll applies every schema; a nil connection skips that database.
func (p *platformFlags) migrateAll(ctx context.Context, ch driver.Conn, cs *gocql.Session) ([]migrated, error) {
	var out []migrated
	if ch != nil {
		for _, s := range clickhouseSchemas {
			space := s.space(p)
			ms := s.build(space)
			applied, err := migrate.ClickHouse(ctx, ch, space, ms)
			if err != nil {
				return out, fmt.Errorf("%s schema in ClickHouse database %s: %w", s.owner, space, err)
			}
			out = append(out, migrated{s.owner, "clickhouse", space, applied, latest(ms)})
		}
	}
	if cs != nil {
		for _, s := range cassandraSchemas {
			space := s.space(p)
			ms := s.build(space)
			applied, err := migrate.Cassandra(ctx, cs, migrate.Keyspace{Name: space, Replication: p.cassandraReplication}, ms)
			if err != nil {
				return out, fmt.Errorf("%s schema in Cassandra keyspace %s: %w", s.owner, space, err)
			}
			out = append(out, migrated{s.owner, "cassandra", space, applied, latest(ms)})
		}
	}
	return out, nil
}

func latest(ms []migrate.Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}
