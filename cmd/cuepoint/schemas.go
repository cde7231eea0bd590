package main

import "github.com/cuepoint/cuepoint/internal/migrate"

// The schemas of every package that owns tables, in the order `cuepoint migrate` applies them.
// A package that owns tables exports its migrations; add them here.
var (
	clickhouseSchema []migrate.Migration
	cassandraSchema  []migrate.Migration
)

func latest(ms []migrate.Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}
