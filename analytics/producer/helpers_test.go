package producer

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// patience bounds every wait in these tests. It is a guard against hanging, never an assertion
// about speed: the tests pass or fail on counts.
const patience = 30 * time.Second

func topics() []string {
	ts := make([]string, len(events.Families))
	for i, f := range events.Families {
		ts[i] = f.Topic()
	}
	return ts
}

// kafka is a real in-process Kafka (kfake) that can be stopped and started again on the same
// port with its data, like a broker restart.
type kafka struct {
	t    *testing.T
	port int
	dir  string
	c    *kfake.Cluster
}

func newKafka(t *testing.T, partitions int32) *kafka {
	k := &kafka{t: t, port: freePort(t), dir: t.TempDir()}
	k.start(partitions)
	t.Cleanup(k.stop)
	return k
}

func (k *kafka) start(partitions int32) {
	k.t.Helper()
	var err error
	for range 100 { // the port may still be held by the previous instance for a moment
		k.c, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(k.port), kfake.DataDir(k.dir),
			kfake.SeedTopics(partitions, topics()...))
		if err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	k.t.Fatalf("start kafka on port %d: %v", k.port, err)
}

func (k *kafka) stop() {
	if k.c != nil {
		k.c.Close()
		k.c = nil
	}
}

func (k *kafka) brokers() []string { return []string{"127.0.0.1:" + strconv.Itoa(k.port)} }

// freePort returns a loopback port that nothing listens on (for now).
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// testOptions make outages quick to notice and to recover from.
func testOptions(t *testing.T, dir string) []Option {
	log := logging.Discard
	if os.Getenv("PRODUCER_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return []Option{
		WithLogger(log),
		WithService(serviceName(t)),
		WithSpool(dir, 0),
		WithDeliveryTimeout(time.Second),
		WithReplayBackoff(10*time.Millisecond, 100*time.Millisecond),
		WithSyncInterval(10 * time.Millisecond),
	}
}

// serviceName gives each test its own metric series.
func serviceName(t *testing.T) string {
	return "test-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
}

func newProducer(t *testing.T, brokers []string, opts ...Option) *Producer {
	t.Helper()
	p, err := New(brokers, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

// emitter emits valid events of every family, remembering their ids.
type emitter struct {
	g   *eventstest.Gen
	ids []string
}

func newEmitter(seed uint64) *emitter { return &emitter{g: eventstest.New(seed, time.Now())} }

func (e *emitter) emit(t *testing.T, p *Producer, n int) {
	t.Helper()
	for i := range n {
		ev := e.g.Next(events.Families[i%len(events.Families)])
		if err := p.TryEmit(ev); err != nil {
			t.Fatalf("TryEmit: %v", err)
		}
		e.ids = append(e.ids, ev.EventHeader().ID)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		if os.Getenv("PRODUCER_TEST_LOG") != "" && time.Now().UnixMilli()%500 < 5 {
			t.Logf("waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// consumed is what a separate Kafka client read back from every family topic.
type consumed struct {
	ids     map[string]int // event id → times seen
	records []*kgo.Record
}

// consume reads every family topic from the start with an independent client until it has seen
// want distinct event ids, decoding each record as the sink would.
func consume(t *testing.T, brokers []string, want int) consumed {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topics()...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	got := consumed{ids: map[string]int{}}
	for len(got.ids) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d distinct events, want %d", len(got.ids), want)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			fam := events.Family(strings.TrimPrefix(r.Topic, "cuepoint."))
			ev, err := events.Decode(fam, r.Value)
			if err != nil {
				t.Errorf("record at %s/%d@%d does not decode: %v", r.Topic, r.Partition, r.Offset, err)
				return
			}
			got.ids[ev.(events.Typed).EventHeader().ID]++
			got.records = append(got.records, r)
		})
	}
	return got
}

// assertExactly checks that the consumed events are exactly the emitted ones.
func assertExactly(t *testing.T, got consumed, emitted []string) {
	t.Helper()
	if len(got.ids) != len(emitted) {
		t.Fatalf("consumed %d distinct events, emitted %d", len(got.ids), len(emitted))
	}
	for _, id := range emitted {
		if got.ids[id] == 0 {
			t.Fatalf("event %s was emitted and never reached Kafka", id)
		}
	}
}

// droppedMetric reads cuepoint_events_dropped_total for the test's service, summed over families.
func droppedMetric(t *testing.T, r reason) uint64 {
	var n uint64
	for _, f := range append([]events.Family{unknownFamily}, events.Families...) {
		n += metrics.Counter(`cuepoint_events_dropped_total{service="` + serviceName(t) + `",family="` + string(f) + `",reason="` + r.String() + `"}`).Get()
	}
	return n
}
