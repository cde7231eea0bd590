package db

import (
	"context"
	"fmt"
	"net"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// What is left of the Cassandra 2.1 workarounds, and why (measured with
// TestDriverSurvivesCassandraFaults against the stack's Cassandra 2.1.0: JVM paused past
// gocql's heartbeat, then kill -9 and restart).
//
// gocql v1.7.0 panicked ("no valid connect address for host") whenever it refreshed the ring
// against Cassandra 2.1.0, whose system.local has no rpc_address: after a control connection
// reconnect (a restart, or a heartbeat that timed out in a JVM pause). Cuepoint then raised the
// per-attempt timeout to 2 s and turned events off against < 2.2 (LegacySafe), and the
// featurestore closed its session while Cassandra was down. The successor driver,
// apache/cassandra-gocql-driver v2, keeps the control connection's address for the local host
// instead of reading it from system.local: no panic, with events on and 40 ms attempts. Those
// workarounds are gone.
//
// The v2 driver has another fault, in any Cassandra release: with DisableInitialHostLookup it
// gives the contact point a random host id; the first ring refresh (after any control
// connection reconnect) finds the node's real host id, removes the random one, and leaves the
// connection pool without a host: every query fails with "no hosts available in the pool"
// until the process restarts. So CassandraCluster always looks the ring up, and without
// DiscoverPeers it keeps to the contact points with contactPointsOnly.

// contactPointsOnly is a host filter admitting the contact points' addresses only (what
// "no peer discovery" means with the initial host lookup on). Names are resolved now; a name
// that does not resolve admits nothing (connecting to it fails anyway).
func contactPointsOnly(hosts []string) gocql.HostFilter {
	ips := map[string]bool{}
	for _, h := range hosts {
		host := h
		if hh, _, err := net.SplitHostPort(h); err == nil {
			host = hh
		}
		if ip := net.ParseIP(host); ip != nil {
			ips[ip.String()] = true
			continue
		}
		addrs, _ := net.LookupIP(host)
		for _, ip := range addrs {
			ips[ip.String()] = true
		}
	}
	return gocql.HostFilterFunc(func(h *gocql.HostInfo) bool {
		return ips[h.ConnectAddress().String()]
	})
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
