package catalog_test

import (
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/db"
)

func openCassandra(hosts []string) (*gocql.Session, error) {
	return db.OpenCassandra(hosts, db.CassandraOptions{Timeout: 20 * time.Second, Consistency: gocql.LocalQuorum})
}
