package migrate

import (
	"context"
	"fmt"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/db"
)

// Keyspace says where Cassandra migrations go and how a missing keyspace is created.
type Keyspace struct {
	Name string
	// Replication is the CQL replication map used when the keyspace does not exist. Empty means
	// SimpleStrategy with replication factor 1 (dev and CI); production passes e.g.
	// {'class': 'NetworkTopologyStrategy', 'dc1': 3}.
	Replication string
}

// Cassandra applies the migrations not yet recorded in keyspace.schema_migrations, creating
// the keyspace and the table when missing. Schema changes wait for schema agreement.
func Cassandra(ctx context.Context, s *gocql.Session, ks Keyspace, ms []Migration) (applied []int, err error) {
	if err := validate(ms); err != nil {
		return nil, err
	}
	if err := checkIdent("keyspace", ks.Name); err != nil {
		return nil, err
	}
	repl := ks.Replication
	if strings.TrimSpace(repl) == "" {
		repl = "{'class': 'SimpleStrategy', 'replication_factor': 1}"
	}
	raw, err := db.CassandraRelease(ctx, s)
	if err != nil {
		return nil, err
	}
	sv, err := ParseServerVersion(raw)
	if err != nil {
		return nil, err
	}
	for _, stmt := range []string{
		"CREATE KEYSPACE IF NOT EXISTS " + ks.Name + " WITH replication = " + repl,
		"CREATE TABLE IF NOT EXISTS " + ks.Name + ".schema_migrations (version int PRIMARY KEY, name text, applied_at timestamp)",
	} {
		if err := execSchema(ctx, s, stmt); err != nil {
			return nil, err
		}
	}
	done, err := CassandraApplied(ctx, s, ks.Name)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		for i, stmt := range m.Statements(sv) {
			if err := execSchema(ctx, s, stmt); err != nil {
				return applied, fmt.Errorf("cassandra migration %d (%s), statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		q := "INSERT INTO " + ks.Name + ".schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
		if err := s.Query(q, m.Version, m.Name, time.Now().UTC()).WithContext(ctx).Consistency(gocql.Quorum).Exec(); err != nil {
			return applied, fmt.Errorf("cassandra: record migration %d: %w", m.Version, err)
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}

func execSchema(ctx context.Context, s *gocql.Session, stmt string) error {
	if err := s.Query(stmt).WithContext(ctx).Consistency(gocql.Quorum).Exec(); err != nil {
		return fmt.Errorf("cassandra: %s: %w", stmt, err)
	}
	if err := s.AwaitSchemaAgreement(ctx); err != nil {
		return fmt.Errorf("cassandra: schema agreement after %q: %w", stmt, err)
	}
	return nil
}

// CassandraApplied returns the versions recorded in keyspace.schema_migrations.
func CassandraApplied(ctx context.Context, s *gocql.Session, keyspace string) (map[int]bool, error) {
	if err := checkIdent("keyspace", keyspace); err != nil {
		return nil, err
	}
	iter := s.Query("SELECT version FROM " + keyspace + ".schema_migrations").WithContext(ctx).Consistency(gocql.Quorum).Iter()
	done := map[int]bool{}
	var v int
	for iter.Scan(&v) {
		done[v] = true
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("cassandra: read schema_migrations: %w", err)
	}
	return done, nil
}
