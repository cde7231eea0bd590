package sink

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/migrate"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

const testPartitions = 4

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// env is one test's world: a Kafka with the event topics under a prefix of the test's own, a
// migrated database of its own, and a producer.
type env struct {
	t       testing.TB
	brokers []string
	chAddr  string
	db      string
	prefix  string
	conn    driver.Conn
	prod    *kgo.Client
}

func newEnv(t testing.TB, chAddr string) *env {
	t.Helper()
	name := strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	e := &env{
		t:       t,
		brokers: stacktest.Kafka(t),
		chAddr:  chAddr,
		db:      fmt.Sprintf("%s_%s", name, events.NewID()[20:]),
		prefix:  fmt.Sprintf("%s.%s.", name, events.NewID()[20:]),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := db.OpenClickHouse(ctx, chAddr, db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.conn = conn
	applySchema(t, ctx, conn, e.db)
	prod, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.AllowAutoTopicCreation(),
		kgo.ProducerLinger(time.Millisecond), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prod.Close)
	e.prod = prod
	var topics []string
	for _, f := range events.Families {
		topics = append(topics, e.prefix+f.Topic())
	}
	e.createTopics(ctx, append(topics, e.prefix+events.DeadLetterTopic)...)
	return e
}

// applySchema migrates database to the analytics schema, as `cuepoint migrate` does.
func applySchema(t testing.TB, ctx context.Context, conn driver.Conn, database string) {
	t.Helper()
	if _, err := migrate.ClickHouse(ctx, conn, database, schema.ClickHouse(database)); err != nil {
		t.Fatal(err)
	}
}

func (e *env) createTopics(ctx context.Context, topics ...string) {
	req := kmsg.NewPtrCreateTopicsRequest()
	for _, name := range topics {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, testPartitions, 1
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, e.prod)
	if err != nil {
		e.t.Fatalf("create topics: %v", err)
	}
	for _, rt := range resp.Topics {
		if rt.ErrorCode != 0 && rt.ErrorCode != 36 { // 36: already exists
			e.t.Fatalf("create topic %s: error code %d", rt.Topic, rt.ErrorCode)
		}
	}
}

func (e *env) topic(f events.Family) string { return e.prefix + f.Topic() }

// produce sends the events and waits for Kafka to acknowledge them.
func (e *env) produce(evs ...events.Event) {
	e.t.Helper()
	recs := make([]*kgo.Record, len(evs))
	for i, ev := range evs {
		v, err := ev.Append(nil)
		if err != nil {
			e.t.Fatal(err)
		}
		recs[i] = &kgo.Record{Topic: e.topic(ev.Family()), Key: []byte(ev.Key()), Value: v}
	}
	e.produceRecords(recs...)
}

func (e *env) produceRecords(recs ...*kgo.Record) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		e.t.Fatalf("produce: %v", err)
	}
}

// config is a sink configuration for the env, with short timings for tests.
func (e *env) config() Config {
	return Config{
		Brokers:           e.brokers,
		Group:             "sink-" + e.db,
		TopicPrefix:       e.prefix,
		ClickHouseAddr:    e.chAddr,
		Database:          e.db,
		BatchRows:         2_000,
		BatchInterval:     100 * time.Millisecond,
		InsertTimeout:     5 * time.Second,
		BackoffMin:        20 * time.Millisecond,
		BackoffMax:        500 * time.Millisecond,
		RetentionInterval: -1,
		Logger:            testLogger(),
		KafkaOptions: []kgo.Opt{
			kgo.FetchMaxWait(100 * time.Millisecond),
			kgo.HeartbeatInterval(100 * time.Millisecond),
			kgo.SessionTimeout(6 * time.Second),
			kgo.RebalanceTimeout(10 * time.Second),
		},
	}
}

// running is a sink running in the background.
type running struct {
	s    *Sink
	stop func()
	done chan error
}

func (e *env) start(cfg Config, hk hooks) *running {
	e.t.Helper()
	s, err := New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	s.hooks = hk
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{s: s, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-r.done:
				if err != nil {
					e.t.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				e.t.Error("sink did not stop")
			}
		})
	}
	e.t.Cleanup(r.stop)
	return r
}

// counts returns the rows and the distinct event ids of a raw table.
func (e *env) counts(f events.Family) (rows, ids uint64) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := fmt.Sprintf("SELECT count(), uniqExact(id) FROM %s.%s", e.db, schema.RawTable(f))
	if err := e.conn.QueryRow(ctx, q).Scan(&rows, &ids); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return rows, ids
}

// waitRows waits until table f has at least n rows, failing after timeout.
func (e *env) waitRows(f events.Family, n uint64, timeout time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rows, _ := e.counts(f)
		if rows >= n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: %d rows after %s, want %d", f, rows, timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// expectExactly checks that table f holds exactly n rows, n distinct ids, and that the sink
// is not about to add more (it waits a few flush intervals first).
func (e *env) expectExactly(f events.Family, n uint64) {
	e.t.Helper()
	e.waitRows(f, n, 60*time.Second)
	time.Sleep(500 * time.Millisecond) // several flush intervals: a duplicate would show
	rows, ids := e.counts(f)
	if rows != n || ids != n {
		e.t.Fatalf("%s: %d rows with %d distinct ids, want exactly %d", f, rows, ids, n)
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("SINK_TEST_LOG") == "" {
		return logging.Discard
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
