// Package migrate applies versioned schema migrations to ClickHouse and Cassandra and records
// each applied version in the database itself, so running it again is a no-op and every
// instance of every service can call it at start.
//
// The packages that own a schema declare it as an ordered list of migrations
// (analytics/schema for ClickHouse, featurestore for Cassandra); `cuepoint migrate` and
// `cuepoint dev` apply them:
//
//	applied, err := migrate.ClickHouse(ctx, conn, "cuepoint", schema.ClickHouse)
//	applied, err := migrate.Cassandra(ctx, session, migrate.Keyspace{Name: "cuepoint"}, featurestore.Schema)
//
// Rules for migrations:
//   - Versions are positive and strictly increasing; an applied migration is never edited —
//     add a new one. Apply refuses a list whose versions are out of order or duplicated.
//   - Each statement is idempotent on its own (CREATE … IF NOT EXISTS, ALTER … ADD COLUMN IF
//     NOT EXISTS where the server has it), so a migration interrupted half-way is completed by
//     the next run. A version is recorded only after all of its statements succeeded.
//   - Statements must parse on every server generation in use: ClickHouse 18.16 (dev, CI) and
//     current ClickHouse (production); Cassandra 2.1 (dev, CI) and 4/5 (production). Where a
//     feature matters on the newer server only, UpFunc receives the server version.
//
// Concurrency: two processes migrating the same database at once run the same idempotent
// statements; the version table may then record a version twice, which is harmless (the
// applied set is what is read).
package migrate
