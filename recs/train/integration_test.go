package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/analytics/schema"
	"github.com/cuepoint/cuepoint/analytics/sink"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/migrate"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/synth"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// TestPipelineGeneratorToFeaturestore runs the whole offline loop on the real servers: the
// synthetic audience's events go through the analytics producer to Kafka, the real sink
// stores them in ClickHouse, the trainer reads them back, trains, writes the embeddings to a
// Cassandra-backed featurestore and publishes the model. The pipeline must be lossless: the
// model trained from ClickHouse is byte-for-byte the one trained from the events in memory.
func TestPipelineGeneratorToFeaturestore(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	brokers := stacktest.OwnKafka(t).Brokers()
	chAddr := stacktest.ClickHouse(t)
	hosts := stacktest.Cassandra(t)
	suffix := events.NewID()[20:]

	// ClickHouse: the analytics schema in a database of the test's own, migrated as
	// `cuepoint migrate` does.
	database := "recs_train_" + suffix
	conn, err := db.OpenClickHouse(ctx, chAddr, db.ClickHouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+database); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.ClickHouse(ctx, conn, database, schema.ClickHouse(database)); err != nil {
		t.Fatal(err)
	}

	// The audience's events, through the producer.
	cat := catalog.Generate(300, 1, end)
	w := synth.New(cat, synth.Config{Seed: 4, Viewers: 500, Days: 7, End: end})
	mem := &Dataset{}
	prod, err := producer.New(brokers, producer.WithSpool(t.TempDir(), 0), producer.WithService("recs-test"),
		producer.WithKafkaOptions(kgo.AllowAutoTopicCreation())) // see recsProducer in cmd/cuepoint
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.Generate(func(e events.Typed) error {
		mem.Add(e)
		for {
			if err := prod.TryEmit(e); !errors.Is(err, producer.ErrOverloaded) {
				return err
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// A burst outruns Kafka and lands in the producer's spool; wait for the replay before
	// closing (Close keeps unacknowledged records spooled for the next process).
	for s := prod.Stats(); s.Spooling || s.SpoolBytes > 0 || s.MemoryBytes > 0; s = prod.Stats() {
		select {
		case <-ctx.Done():
			t.Fatalf("the producer did not drain: %+v", s)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := prod.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s := prod.Stats(); s.Dropped != 0 {
		t.Fatalf("the producer dropped %d events", s.Dropped)
	}

	// The real sink, into the test's database.
	sk, err := sink.New(sink.Config{Brokers: brokers, Group: "recs-test-" + suffix, Families: []events.Family{events.FamilyRecs},
		ClickHouseAddr: chAddr, Database: database, BatchInterval: 200 * time.Millisecond, RetentionInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stopSink := context.WithCancel(ctx)
	sinkDone := make(chan error, 1)
	go func() { sinkDone <- sk.Run(sctx) }()
	want := uint64(st.Lists + st.Clicks + st.Plays)
	for {
		var n uint64
		q := fmt.Sprintf("SELECT count() FROM %s.%s", database, schema.RawTable(events.FamilyRecs))
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= want {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ClickHouse has %d of %d events", n, want)
		case <-time.After(200 * time.Millisecond):
		}
	}
	stopSink()
	if err := <-sinkDone; err != nil {
		t.Fatal(err)
	}

	// Read back and train: the same dataset, so the same model.
	ds, err := ReadClickHouse(ctx, conn, ReadOptions{Database: database, From: st.From, To: end.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Served) != st.Lists || len(ds.Actions) != st.Clicks+st.Plays {
		t.Fatalf("read %d lists and %d actions, generated %d and %d", len(ds.Served), len(ds.Actions), st.Lists, st.Clicks+st.Plays)
	}
	cfg := Config{Seed: 3, Now: end, Iterations: 4}
	fromCH, err := Train(ctx, ds, cat, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	fromMem, err := Train(ctx, mem, cat, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := model.Encode(fromCH.Model)
	b, _ := model.Encode(fromMem.Model)
	if !bytes.Equal(a, b) {
		t.Fatal("the model trained from ClickHouse differs from the one trained from the same events in memory")
	}

	// The featurestore on Cassandra, and the model file.
	fc := featurestore.DefaultConfig()
	fc.Hosts, fc.Keyspace = hosts, "recs_train_"+suffix
	fc.QueryTimeout, fc.ReadTimeout, fc.WriteTimeout = time.Second, 2*time.Second, 2*time.Second
	store, err := featurestore.Open(ctx, fc, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	users, items, err := WriteFeatures(ctx, store, fromCH, cat, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if users != len(fromCH.Users) || items != cat.Len() {
		t.Fatalf("wrote %d viewers, %d titles", users, items)
	}
	ent, err := store.Get(ctx, featurestore.EntityUser, fromCH.Users[0], featurestore.ViewProfile)
	if err != nil || ent.Status.Degraded() {
		t.Fatalf("read back: %v %v", err, ent.Status)
	}
	if got := ent.Views[0].Vector("embedding"); len(got) != featurestore.EmbeddingDim || got[0] != fromCH.UserEmbedding(0)[0] {
		t.Fatalf("viewer embedding read back: %v", got)
	}
	dir := t.TempDir()
	if _, err := model.Publish(dir, fromCH.Model, 3); err != nil {
		t.Fatal(err)
	}
	if m, err := model.Load(dir); err != nil || m.Meta.Version != fromCH.Model.Meta.Version || !strings.HasSuffix(m.Meta.Version, "-s3") {
		t.Fatalf("published model: %v %v", m, err)
	}
}
