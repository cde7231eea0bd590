package featurestore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/migrate"
)

// Schema is the featurestore's Cassandra schema in the keyspace "cuepoint", applied by
// `cuepoint migrate` and `cuepoint dev`:
//
//	applied, err := migrate.Cassandra(ctx, session, migrate.Keyspace{Name: "cuepoint"}, featurestore.Schema)
//
// One partition per entity, one row per view, so all views of an entity are one read:
//
//	CREATE TABLE IF NOT EXISTS cuepoint.features (
//	    entity_type text, entity_id text, view text,
//	    value blob, event_time timestamp, write_time timestamp,
//	    PRIMARY KEY ((entity_type, entity_id), view)
//	) WITH compaction = {'class': 'LeveledCompactionStrategy'}
//
// The CQL is what Cassandra 2.1 (dev, CI) and 4/5 (production) both accept.
var Schema = SchemaFor("cuepoint")

// SchemaFor is Schema in another keyspace (tests isolate themselves with one).
func SchemaFor(keyspace string) []migrate.Migration {
	return []migrate.Migration{
		{
			Version: 1,
			Name:    "featurestore: features table",
			Up: []string{
				`CREATE TABLE IF NOT EXISTS ` + keyspace + `.features (
					entity_type text,
					entity_id   text,
					view        text,
					value       blob,
					event_time  timestamp,
					write_time  timestamp,
					PRIMARY KEY ((entity_type, entity_id), view)
				) WITH compaction = {'class': 'LeveledCompactionStrategy'}
				  AND comment = 'cuepoint featurestore: one row per (entity type, entity id, view)'`,
			},
		},
	}
}

// schemaTimeout is the per-request timeout of schema changes, which take seconds, not the
// milliseconds of the request path.
const schemaTimeout = 20 * time.Second

// Migrate applies SchemaFor(cfg.Keyspace) on a session of its own with timeouts fit for schema
// changes (creating the keyspace with cfg.Replication when missing), returning the versions
// it applied.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) ([]int, error) {
	cfg.QueryTimeout = schemaTimeout
	sess, err := NewSession(cfg, log)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	return MigrateSession(ctx, sess, migrate.Keyspace{Name: cfg.Keyspace, Replication: cfg.Replication})
}

// MigrateSession applies SchemaFor(ks.Name) with an existing session, whose timeout must
// allow schema changes (seconds).
func MigrateSession(ctx context.Context, s *gocql.Session, ks migrate.Keyspace) ([]int, error) {
	if err := checkKeyspace(ks.Name); err != nil {
		return nil, err
	}
	applied, err := migrate.Cassandra(ctx, s, ks, SchemaFor(ks.Name))
	if err != nil {
		return applied, fmt.Errorf("featurestore schema: %w", err)
	}
	return applied, nil
}
