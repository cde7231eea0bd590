package schema

import (
	"strings"

	"github.com/cuepoint/cuepoint/internal/migrate"
)

// Database is the database Cuepoint's analytics live in.
const Database = "cuepoint"

// ClickHouse returns the migrations of the analytics schema in database, for
// migrate.ClickHouse:
//
//	applied, err := migrate.ClickHouse(ctx, conn, schema.Database, schema.ClickHouse(schema.Database))
//
// Every statement names its tables with the database, so tests can migrate a database of
// their own on a shared server. Applied migrations are never edited: change the schema by
// appending a migration.
func ClickHouse(database string) []migrate.Migration {
	var rollupStmts []string
	for _, r := range rollups {
		rollupStmts = append(rollupStmts, r.statements(perMinute)...)
		rollupStmts = append(rollupStmts, r.statements(perHour)...)
	}
	return []migrate.Migration{
		{Version: 1, Name: "raw event tables", Up: in(database, rawTables)},
		{Version: 2, Name: "minute and hour rollups", Up: in(database, rollupStmts)},
		{Version: 3, Name: "sink batch ledger", Up: in(database, []string{ledgerTable})},
		{Version: 4, Name: "received time, ad price and viewer, session starts", UpFunc: func(v migrate.ServerVersion) []string { return in(database, eventAdditions(v)) }},
	}
}

func in(database string, stmts []string) []string {
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = strings.ReplaceAll(s, "{db}", database)
	}
	return out
}
