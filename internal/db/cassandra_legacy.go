package db

import (
	"context"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Cassandra 2.1.0 (dev and CI) and gocql v1.7.0 are fatally incompatible in one place: 2.1.0's
// system.local has no rpc_address, and gocql panics ("no valid connect address for host"), in a
// goroutine of its own, whenever it refreshes the ring. It refreshes after a topology or status
// event and after its control connection reconnects — which a heartbeat that times out during
// a JVM pause is enough to cause when the per-attempt timeout is tens of milliseconds. The
// successor driver (apache/cassandra-gocql-driver v2) no longer panics there.
//
// So against a node older than 2.2, OpenCassandra turns off the events and raises the
// per-attempt timeout to LegacyAttemptTimeout. Request paths stay bounded by their own context
// deadlines. A restart of the node still makes gocql refresh the ring when its control
// connection comes back; callers that must survive that (the featurestore) close their session
// while the node is unreachable. Production (Cassandra 4/5) is not affected.

// LegacyAttemptTimeout is gocql's per-attempt timeout against Cassandra older than 2.2.
const LegacyAttemptTimeout = 2 * time.Second

// LegacyCassandra reports whether a release version predates 2.2.
func LegacyCassandra(release string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(release, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major < 2 || (major == 2 && minor < 2)
}

// CassandraRelease returns the release_version of the node s is connected to.
func CassandraRelease(ctx context.Context, s *gocql.Session) (string, error) {
	var v string
	q := s.Query(`SELECT release_version FROM system.local`).WithContext(ctx).Consistency(gocql.One)
	if err := q.Scan(&v); err != nil {
		return "", fmt.Errorf("cassandra release version: %w", err)
	}
	return v, nil
}

// LegacySafe applies the settings that keep gocql from refreshing the ring against < 2.2.
func LegacySafe(c *gocql.ClusterConfig) {
	c.Events.DisableTopologyEvents = true
	c.Events.DisableNodeStatusEvents = true
	c.Events.DisableSchemaEvents = true
	c.Timeout = max(c.Timeout, LegacyAttemptTimeout)
	c.WriteTimeout = max(c.WriteTimeout, LegacyAttemptTimeout)
}
