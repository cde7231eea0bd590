package bidder

import (
	"context"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/migrate"
)

// DefaultKeyspace holds the bidder's tables. It is its own keyspace so that the bidder's
// migration versions never collide with another package's (each keyspace records its own).
const DefaultKeyspace = "cuepoint_bidder"

// Schema returns the bidder's Cassandra migrations for keyspace. The CQL is what Cassandra 2.1
// (dev, CI) and 4/5 (production) both accept.
//
//	campaigns      one row per campaign: the JSON document of the admin API
//	budget_leases  per campaign and UTC day, the budget leased to instances so far, advanced
//	               only by lightweight transactions (compare-and-set), never beyond the budget
//	notice_kinds   per bid, a flag per notice kind (win, bill, loss, imp) counted by any
//	               instance, set by compare-and-set with a TTL of --notice-ttl (dedupe.go);
//	               it replaced version 2's notice_dedupe (a row per bid and kind: three
//	               lightweight transactions per first notice instead of one)
func Schema(keyspace string) []migrate.Migration {
	return []migrate.Migration{{
		Version: 1,
		Name:    "bidder: campaigns and budget leases",
		Up: []string{
			`CREATE TABLE IF NOT EXISTS ` + keyspace + `.campaigns (
				id text PRIMARY KEY,
				doc text,
				updated_at timestamp
			) WITH comment = 'cuepoint bidder: campaign documents (admin API)'`,
			`CREATE TABLE IF NOT EXISTS ` + keyspace + `.budget_leases (
				campaign_id text,
				day text,
				leased bigint,
				PRIMARY KEY ((campaign_id, day))
			) WITH comment = 'cuepoint bidder: daily budget leased to instances, micros'`,
		},
	}, {
		Version: 2,
		Name:    "bidder: notice dedupe shared by instances",
		Up: []string{
			// Rows expire (TTL); their tombstones need not outlive a few hours: a resurrected
			// row would only make a replay look like a replay.
			`CREATE TABLE IF NOT EXISTS ` + keyspace + `.notice_dedupe (
				bid_id text,
				ns text,
				seen_at timestamp,
				PRIMARY KEY ((bid_id, ns))
			) WITH comment = 'cuepoint bidder: notices counted, by bid and kind (TTL)'
			  AND gc_grace_seconds = 10800`,
		},
	}, {
		Version: 3,
		Name:    "bidder: notice kinds per bid (one compare-and-set per notice)",
		Up: []string{
			`CREATE TABLE IF NOT EXISTS ` + keyspace + `.notice_kinds (
				bid_id text PRIMARY KEY,
				win boolean,
				bill boolean,
				loss boolean,
				imp boolean
			) WITH comment = 'cuepoint bidder: notice kinds counted per bid (TTL)'
			  AND gc_grace_seconds = 10800`,
			`DROP TABLE IF EXISTS ` + keyspace + `.notice_dedupe`,
		},
	}}
}

var keyspaceRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

// Migrate applies Schema(keyspace), creating the keyspace (SimpleStrategy, RF 1, unless
// replication is given) when missing. The session's timeout must allow schema changes.
func Migrate(ctx context.Context, s *gocql.Session, keyspace, replication string) ([]int, error) {
	if !keyspaceRE.MatchString(keyspace) {
		return nil, fmt.Errorf("bidder keyspace %q: want letters, digits and underscores", keyspace)
	}
	applied, err := migrate.Cassandra(ctx, s, migrate.Keyspace{Name: keyspace, Replication: replication}, Schema(keyspace))
	if err != nil {
		return applied, fmt.Errorf("bidder schema: %w", err)
	}
	return applied, nil
}

// CassandraStore keeps campaigns in keyspace.campaigns.
type CassandraStore struct {
	s  *gocql.Session
	ks string
}

// NewCassandraStore returns a store over the session (which may be bound to any keyspace).
func NewCassandraStore(s *gocql.Session, keyspace string) *CassandraStore {
	return &CassandraStore{s: s, ks: keyspace}
}

// List reads every campaign (a full scan: campaigns are thousands, read every few seconds).
func (cs *CassandraStore) List(ctx context.Context) ([]*Campaign, error) {
	iter := cs.s.Query(`SELECT id, doc FROM ` + cs.ks + `.campaigns`).WithContext(ctx).Consistency(gocql.LocalQuorum).PageSize(1000).Iter()
	var out []*Campaign
	var id, doc string
	for iter.Scan(&id, &doc) {
		c, err := decodeCampaign([]byte(doc))
		if err != nil {
			_ = iter.Close()
			return nil, fmt.Errorf("campaign %s: stored document unreadable: %w", id, err)
		}
		out = append(out, c)
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("cassandra: list campaigns: %w", err)
	}
	return out, nil
}

// Get reads one campaign.
func (cs *CassandraStore) Get(ctx context.Context, id string) (*Campaign, error) {
	var doc string
	err := cs.s.Query(`SELECT doc FROM `+cs.ks+`.campaigns WHERE id = ?`, id).WithContext(ctx).Consistency(gocql.LocalQuorum).Scan(&doc)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("cassandra: get campaign %s: %w", id, err)
	}
	return decodeCampaign([]byte(doc))
}

// Put writes a campaign.
func (cs *CassandraStore) Put(ctx context.Context, c *Campaign) error {
	doc, err := stdjson.Marshal(c)
	if err != nil {
		return err
	}
	err = cs.s.Query(`INSERT INTO `+cs.ks+`.campaigns (id, doc, updated_at) VALUES (?, ?, ?)`, c.ID, string(doc), time.Now().UTC()).
		WithContext(ctx).Consistency(gocql.LocalQuorum).Exec()
	if err != nil {
		return fmt.Errorf("cassandra: put campaign %s: %w", c.ID, err)
	}
	return nil
}

// Delete removes a campaign.
func (cs *CassandraStore) Delete(ctx context.Context, id string) error {
	if err := cs.s.Query(`DELETE FROM `+cs.ks+`.campaigns WHERE id = ?`, id).WithContext(ctx).Consistency(gocql.LocalQuorum).Exec(); err != nil {
		return fmt.Errorf("cassandra: delete campaign %s: %w", id, err)
	}
	return nil
}

// CassandraLedger is the SpendLedger shared by every bidder instance: leases advance by
// compare-and-set (Cassandra lightweight transactions, Paxos), so concurrent instances never
// lease more than the budget between them.
type CassandraLedger struct {
	s  *gocql.Session
	ks string
}

// NewCassandraLedger returns a ledger over the session.
func NewCassandraLedger(s *gocql.Session, keyspace string) *CassandraLedger {
	return &CassandraLedger{s: s, ks: keyspace}
}

// Lease grants min(want, budget − leased) and records it, retrying on contention.
func (l *CassandraLedger) Lease(ctx context.Context, id, day string, want, budget int64) (int64, error) {
	for attempt := 0; attempt < 16; attempt++ {
		cur, found, err := l.read(ctx, id, day)
		if err != nil {
			return 0, err
		}
		grant := min(want, budget-cur)
		if grant <= 0 {
			return 0, nil
		}
		var applied bool
		prev := map[string]any{}
		if !found {
			applied, err = l.s.Query(`INSERT INTO `+l.ks+`.budget_leases (campaign_id, day, leased) VALUES (?, ?, ?) IF NOT EXISTS`,
				id, day, grant).WithContext(ctx).SerialConsistency(gocql.Serial).MapScanCAS(prev)
		} else {
			applied, err = l.s.Query(`UPDATE `+l.ks+`.budget_leases SET leased = ? WHERE campaign_id = ? AND day = ? IF leased = ?`,
				cur+grant, id, day, cur).WithContext(ctx).SerialConsistency(gocql.Serial).MapScanCAS(prev)
		}
		if err != nil {
			return 0, fmt.Errorf("cassandra: lease budget of %s on %s: %w", id, day, err)
		}
		if applied {
			return grant, nil
		}
	}
	return 0, fmt.Errorf("cassandra: lease budget of %s on %s: too much contention", id, day)
}

// Leased returns the total leased for the campaign and day.
func (l *CassandraLedger) Leased(ctx context.Context, id, day string) (int64, error) {
	v, _, err := l.read(ctx, id, day)
	return v, err
}

func (l *CassandraLedger) read(ctx context.Context, id, day string) (int64, bool, error) {
	var v int64
	err := l.s.Query(`SELECT leased FROM `+l.ks+`.budget_leases WHERE campaign_id = ? AND day = ?`, id, day).
		WithContext(ctx).Consistency(gocql.Quorum).Scan(&v) // the CAS below is what guards the budget
	if errors.Is(err, gocql.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("cassandra: read budget lease of %s on %s: %w", id, day, err)
	}
	return v, true, nil
}
