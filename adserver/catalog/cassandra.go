package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/migrate"
)

// DefaultKeyspace holds the adserver's tables. It is a keyspace of its own so the adserver's
// migration versions never collide with another package's (each keyspace records its own).
const DefaultKeyspace = "cuepoint_adserver"

// Schema returns the Cassandra migrations of the adserver's keyspace: the catalog's tables and
// the frequency caps' (one list, because a keyspace records one sequence of versions). The CQL
// is what Cassandra 2.1 (dev, CI) and 4/5 (production) both accept.
//
//	creatives   one row per creative: the JSON document of the admin API, with the fields an
//	            operator looks at in cqlsh as columns
//	line_items  one row per line item: its JSON document
//	frequency   one partition per viewer, one row per impression (advertiser domain, ad
//	            serving id), written with a TTL of the cap's window (adserver.CassandraFrequency)
//	pods        one row per (session, break): the VAST answered, written with a TTL of a day
//	            (adserver.CassandraPods)
func Schema(keyspace string) []migrate.Migration {
	return []migrate.Migration{{
		Version: 1,
		Name:    "adserver: creative catalog and line items",
		Up: []string{
			`CREATE TABLE IF NOT EXISTS ` + keyspace + `.creatives (
				id text PRIMARY KEY,
				uaid text,
				mezzanine_url text,
				status text,
				media_hash text,
				doc text,
				updated_at timestamp
			) WITH comment = 'cuepoint adserver: creative catalog and conditioning (admin API documents)'`,
			`CREATE TABLE IF NOT EXISTS ` + keyspace + `.line_items (
				id text PRIMARY KEY,
				doc text,
				updated_at timestamp
			) WITH comment = 'cuepoint adserver: direct-sold and house line items (admin API documents)'`,
		},
	}, {
		Version: 2,
		Name:    "adserver: frequency caps shared by instances",
		// Rows, not counters: a row per impression keyed by its ad serving id is idempotent (two
		// instances counting one beacon write one row) and expires with its TTL; a counter can
		// neither expire nor be retried without counting twice. Only TTL'd rows are ever
		// written, so tombstones need no long grace period.
		Up: []string{
			`CREATE TABLE IF NOT EXISTS ` + keyspace + `.frequency (
				viewer text,
				key text,
				ad text,
				at timestamp,
				PRIMARY KEY ((viewer), key, ad)
			) WITH gc_grace_seconds = 3600
			AND comment = 'cuepoint adserver: impressions per viewer and advertiser domain, for frequency caps (rows expire after the cap window)'`,
		},
	}, {
		Version: 3,
		Name:    "adserver: pods answered per session and break",
		// One row per (session, break): asked again, by a retry or by another stitcher
		// instance, the adserver answers the same pod (adserver.CassandraPods). Rows expire.
		Up: []string{
			`CREATE TABLE IF NOT EXISTS ` + keyspace + `.pods (
				session text,
				brk text,
				doc blob,
				PRIMARY KEY ((session, brk))
			) WITH gc_grace_seconds = 3600
			AND comment = 'cuepoint adserver: the VAST answered for a session''s break, so any instance answers it again the same (rows expire after a day)'`,
		},
	}}
}

var keyspaceRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

// Migrate applies Schema(keyspace), creating the keyspace (SimpleStrategy, RF 1, unless
// replication is given) when missing. The session's timeout must allow schema changes.
func Migrate(ctx context.Context, s *gocql.Session, keyspace, replication string) ([]int, error) {
	if !keyspaceRE.MatchString(keyspace) {
		return nil, fmt.Errorf("adserver keyspace %q: want letters, digits and underscores", keyspace)
	}
	applied, err := migrate.Cassandra(ctx, s, migrate.Keyspace{Name: keyspace, Replication: replication}, Schema(keyspace))
	if err != nil {
		return applied, fmt.Errorf("adserver schema: %w", err)
	}
	return applied, nil
}

// CassandraStore is the durable Store: the catalog's tables in one keyspace. Writes and reads
// are LOCAL_QUORUM, so an instance reloading the catalog sees what another one wrote.
type CassandraStore struct {
	s       *gocql.Session
	ks      string
	timeout time.Duration
}

// NewCassandraStore returns a store on session s for the tables in keyspace.
func NewCassandraStore(s *gocql.Session, keyspace string) (*CassandraStore, error) {
	if !keyspaceRE.MatchString(keyspace) {
		return nil, fmt.Errorf("adserver keyspace %q: want letters, digits and underscores", keyspace)
	}
	return &CassandraStore{s: s, ks: keyspace, timeout: 2 * time.Second}, nil
}

func (cs *CassandraStore) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, cs.timeout)
}

func (cs *CassandraStore) ListCreatives(ctx context.Context) ([]*Creative, error) {
	ctx, cancel := cs.ctx(ctx)
	defer cancel()
	it := cs.s.Query(`SELECT doc FROM ` + cs.ks + `.creatives`).WithContext(ctx).Consistency(gocql.LocalQuorum).Iter()
	var out []*Creative
	var doc string
	for it.Scan(&doc) {
		c := &Creative{}
		if err := json.Unmarshal([]byte(doc), c); err != nil {
			continue // a row written by a newer version; it is kept, not served
		}
		out = append(out, c)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("catalog: list creatives: %w", err)
	}
	return out, nil
}

func (cs *CassandraStore) PutCreative(ctx context.Context, c *Creative) error {
	ctx, cancel := cs.ctx(ctx)
	defer cancel()
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	uaid := ""
	if c.UAIDValue != "" {
		uaid = c.UAIDRegistry + "/" + c.UAIDValue
	}
	err = cs.s.Query(`INSERT INTO `+cs.ks+`.creatives (id, uaid, mezzanine_url, status, media_hash, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, uaid, c.MezzanineURL, c.Status, c.MediaHash, string(doc), c.Updated).WithContext(ctx).Consistency(gocql.LocalQuorum).Exec()
	if err != nil {
		return fmt.Errorf("catalog: put creative %s: %w", c.ID, err)
	}
	return nil
}

func (cs *CassandraStore) DeleteCreative(ctx context.Context, id string) error {
	ctx, cancel := cs.ctx(ctx)
	defer cancel()
	if err := cs.s.Query(`DELETE FROM `+cs.ks+`.creatives WHERE id = ?`, id).WithContext(ctx).Consistency(gocql.LocalQuorum).Exec(); err != nil {
		return fmt.Errorf("catalog: delete creative %s: %w", id, err)
	}
	return nil
}

func (cs *CassandraStore) ListLineItems(ctx context.Context) ([]*LineItem, error) {
	ctx, cancel := cs.ctx(ctx)
	defer cancel()
	it := cs.s.Query(`SELECT doc FROM ` + cs.ks + `.line_items`).WithContext(ctx).Consistency(gocql.LocalQuorum).Iter()
	var out []*LineItem
	var doc string
	for it.Scan(&doc) {
		l := &LineItem{}
		if err := json.Unmarshal([]byte(doc), l); err != nil {
			continue
		}
		out = append(out, l)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("catalog: list line items: %w", err)
	}
	return out, nil
}

func (cs *CassandraStore) PutLineItem(ctx context.Context, l *LineItem) error {
	ctx, cancel := cs.ctx(ctx)
	defer cancel()
	doc, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := cs.s.Query(`INSERT INTO `+cs.ks+`.line_items (id, doc, updated_at) VALUES (?, ?, ?)`, l.ID, string(doc), time.Now().UTC()).
		WithContext(ctx).Consistency(gocql.LocalQuorum).Exec(); err != nil {
		return fmt.Errorf("catalog: put line item %s: %w", l.ID, err)
	}
	return nil
}

func (cs *CassandraStore) DeleteLineItem(ctx context.Context, id string) error {
	ctx, cancel := cs.ctx(ctx)
	defer cancel()
	if err := cs.s.Query(`DELETE FROM `+cs.ks+`.line_items WHERE id = ?`, id).WithContext(ctx).Consistency(gocql.LocalQuorum).Exec(); err != nil {
		return fmt.Errorf("catalog: delete line item %s: %w", id, err)
	}
	return nil
}
