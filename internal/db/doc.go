// Package db opens connections to ClickHouse and Cassandra with the settings Cuepoint needs on
// every server generation it runs against, so each caller does not rediscover them:
//
//   - ClickHouse over the native protocol only (18.16 fails on HTTP at connect), LZ4, short
//     dial timeout, a bounded pool.
//   - Cassandra restricted to the contact points by default (production clusters turn
//     DiscoverPeers on to learn the ring from them; the ring is looked up either way, see
//     cassandra_legacy.go), protocol negotiated by gocql, timeouts in tens of milliseconds instead of
//     gocql's 11 s, token-aware routing over (DC-aware) round robin, LocalOne by default.
//
// Callers on request paths pass a context deadline on every query; these timeouts are the
// backstop.
package db
