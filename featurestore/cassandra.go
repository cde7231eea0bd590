package featurestore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
)

// NewSession connects to Cassandra with the settings of c on internal/db's cluster settings
// (token-aware routing falling back to the local data centre, reconnection within a second),
// with the per-attempt timeout in tens of milliseconds instead of gocql's 11 s, LOCAL_ONE
// reads instead of QUORUM, and the native protocol version pinned (v3 speaks to Cassandra 2.1
// and 4/5). Without c.HostLookup the session keeps to c.Hosts (internal/db explains why the
// ring is looked up anyway). The same settings serve Cassandra 2.1 (dev, CI) and 4/5.
func NewSession(c Config, log *slog.Logger) (*gocql.Session, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	cl := db.CassandraCluster(c.Hosts, db.CassandraOptions{
		Consistency:    c.ReadConsistency,
		Timeout:        c.QueryTimeout,
		ConnectTimeout: c.ConnectTimeout,
		Username:       c.Username,
		Password:       c.Password,
		DiscoverPeers:  c.HostLookup,
		Datacenter:     c.LocalDC,
	})
	cl.ProtoVersion = c.ProtoVersion
	cl.MaxWaitSchemaAgreement = 30 * time.Second
	if log == nil {
		log = logging.Discard
	}
	cl.Logger = db.GocqlLogger(log.With("component", "gocql"))
	s, err := cl.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("featurestore: connect to Cassandra %v: %w", c.Hosts, err)
	}
	return s, nil
}

// cassandra is the backend on a gocql session. gocql prepares each statement once per
// connection on first use and executes it by id afterwards.
type cassandra struct {
	sess    *gocql.Session
	ownS    bool
	readCL  gocql.Consistency
	writeCL gocql.Consistency
	spec    gocql.SpeculativeExecutionPolicy

	qRead, qWrite, qInsertIfAbsent, qUpdateIf, qDelete string
}

func newCassandra(s *gocql.Session, own bool, c Config) *cassandra {
	t := c.Keyspace + ".features"
	b := &cassandra{
		ownS: own, readCL: c.ReadConsistency, writeCL: c.WriteConsistency,
		qRead: `SELECT view, value, event_time, write_time, TTL(value) FROM ` + t +
			` WHERE entity_type = ? AND entity_id = ?`,
		qWrite: `INSERT INTO ` + t + ` (entity_type, entity_id, view, value, event_time, write_time)` +
			` VALUES (?, ?, ?, ?, ?, ?) USING TTL ? AND TIMESTAMP ?`,
		qInsertIfAbsent: `INSERT INTO ` + t + ` (entity_type, entity_id, view, value, event_time, write_time)` +
			` VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS USING TTL ?`,
		qUpdateIf: `UPDATE ` + t + ` USING TTL ? SET value = ?, event_time = ?, write_time = ?` +
			` WHERE entity_type = ? AND entity_id = ? AND view = ? IF value = ?`,
		qDelete: `DELETE FROM ` + t + ` USING TIMESTAMP ? WHERE entity_type = ? AND entity_id = ? AND view = ?`,
	}
	// gocql's speculative attempt takes the next host of the query plan; with none left it
	// answers "no hosts available" at once, and that answer wins the race against the
	// real attempt. So speculate only when there is another host to ask.
	if c.SpeculativeDelay > 0 && (c.HostLookup || len(c.Hosts) > 1) {
		b.spec = &gocql.SimpleSpeculativeExecution{NumAttempts: 1, TimeoutDelay: c.SpeculativeDelay}
	}
	b.sess = s
	return b
}

func (c *cassandra) read(ctx context.Context, entity, id string, serial bool) ([]storedRow, error) {
	cl := c.readCL
	if serial {
		cl = gocql.Consistency(gocql.LocalSerial) // a Paxos read: sees every committed compare-and-write
	}
	q := c.sess.Query(c.qRead, entity, id).WithContext(ctx).Consistency(cl).Idempotent(true)
	if c.spec != nil && !serial {
		q = q.SetSpeculativeExecutionPolicy(c.spec)
	}
	iter := q.Iter()
	var rows []storedRow
	var r storedRow
	var eventMs, writeMs int64
	var ttl int
	for {
		r.value = nil // gocql appends into a non-nil slice: every row gets its own
		if !iter.Scan(&r.view, &r.value, &eventMs, &writeMs, &ttl) {
			break
		}
		r.eventTime, r.writeTime, r.ttl = eventMs*1000, writeMs*1000, int32(ttl)
		rows = append(rows, r)
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", entity, id, err)
	}
	return rows, nil
}

func (c *cassandra) write(ctx context.Context, w rowWrite) error {
	q := c.sess.Query(c.qWrite, w.entity, w.id, w.view, w.value, w.eventTime/1000, w.writeTime/1000,
		w.ttlSeconds(), w.eventTime).WithContext(ctx).Consistency(c.writeCL)
	if err := q.Exec(); err != nil {
		return fmt.Errorf("write %s/%s/%s: %w", w.entity, w.id, w.view, err)
	}
	return nil
}

func (c *cassandra) compareAndWrite(ctx context.Context, w rowWrite, old []byte) (bool, error) {
	var q *gocql.Query
	if old == nil {
		q = c.sess.Query(c.qInsertIfAbsent, w.entity, w.id, w.view, w.value, w.eventTime/1000, w.writeTime/1000, w.ttlSeconds())
	} else {
		q = c.sess.Query(c.qUpdateIf, w.ttlSeconds(), w.value, w.eventTime/1000, w.writeTime/1000, w.entity, w.id, w.view, old)
	}
	q = q.WithContext(ctx).Consistency(c.writeCL).SerialConsistency(gocql.LocalSerial)
	applied, err := q.MapScanCAS(map[string]any{})
	if err != nil {
		return false, fmt.Errorf("compare-and-write %s/%s/%s: %w", w.entity, w.id, w.view, err)
	}
	return applied, nil
}

func (c *cassandra) remove(ctx context.Context, entity, id, view string, at int64) error {
	q := c.sess.Query(c.qDelete, at, entity, id, view).WithContext(ctx).Consistency(c.writeCL)
	if err := q.Exec(); err != nil {
		return fmt.Errorf("delete %s/%s/%s: %w", entity, id, view, err)
	}
	return nil
}

func (c *cassandra) ping(ctx context.Context) error {
	var v string
	q := c.sess.Query(`SELECT release_version FROM system.local`).WithContext(ctx).Consistency(gocql.One).Idempotent(true)
	if err := q.Scan(&v); err != nil {
		return fmt.Errorf("cassandra: %w", err)
	}
	return nil
}

func (c *cassandra) close() {
	if c.ownS {
		c.sess.Close()
	}
}
