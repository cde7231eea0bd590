package producer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/events/eventstest"
)

func TestProducesDirectlyWhileKafkaIsUp(t *testing.T) {
	k := newKafka(t, 3)
	p := newProducer(t, k.brokers(), testOptions(t, t.TempDir())...)
	e := newEmitter(1)
	e.emit(t, p, 2000)
	waitFor(t, "acknowledgements", func() bool { return p.Stats().Produced == 2000 })
	if s := p.Stats(); s.Spooled != 0 || s.Dropped != 0 || s.SpoolBytes != 0 {
		t.Fatalf("healthy Kafka: %+v, want nothing spooled or dropped", s)
	}
	assertExactly(t, consume(t, k.brokers(), 2000), e.ids)
}

// The acceptance test of the issue: Kafka stops while events flow, they are spooled, Kafka comes
// back, and exactly the emitted events are in Kafka.
func TestKafkaStoppedMidStreamThenBack(t *testing.T) {
	k := newKafka(t, 3)
	p := newProducer(t, k.brokers(), testOptions(t, t.TempDir())...)
	e := newEmitter(2)

	e.emit(t, p, 1000)
	waitFor(t, "the first events to be produced", func() bool { return p.Stats().Produced == 1000 })

	k.stop()
	e.emit(t, p, 1500)
	waitFor(t, "the outage to be noticed and events spooled", func() bool { return p.Stats().Spooled > 0 })
	e.emit(t, p, 1500) // while the spool is pending: straight to the spool
	s := p.Stats()
	if !s.Spooling || s.SpoolBytes == 0 {
		t.Fatalf("during the outage: %+v, want the spool in use", s)
	}

	k.start(3)
	e.emit(t, p, 1000) // during and after the replay
	n := uint64(len(e.ids))
	waitFor(t, "every event to be acknowledged", func() bool {
		s := p.Stats()
		if os.Getenv("PRODUCER_TEST_LOG") != "" {
			t.Logf("%+v", s)
		}
		return s.Produced+s.Replayed == n && !s.Spooling
	})
	s = p.Stats()
	if s.Dropped != 0 || s.Replayed == 0 || s.Replayed != s.Spooled {
		t.Fatalf("after recovery: %+v, want every spooled event replayed and none dropped", s)
	}
	waitFor(t, "the replayed segments to be deleted", func() bool { return p.Stats().SpoolBytes == 0 })
	assertExactly(t, consume(t, k.brokers(), len(e.ids)), e.ids)
}

func TestKafkaDownAtStart(t *testing.T) {
	brokers := []string{"127.0.0.1:" + strconv.Itoa(freePort(t))}
	p := newProducer(t, brokers, testOptions(t, t.TempDir())...)
	e := newEmitter(3)
	e.emit(t, p, 500)
	waitFor(t, "every event to be spooled", func() bool { return p.Stats().Spooled == 500 })
	if s := p.Stats(); s.Produced != 0 || s.Dropped != 0 || s.MemoryBytes != 0 {
		t.Fatalf("Kafka unreachable: %+v, want all 500 spooled and no memory held", s)
	}
}

// Per-key order holds across the outage: the records in the client when Kafka failed are spooled
// ahead of newer ones, and the spool is replayed in full before direct producing resumes.
func TestKeyOrderAcrossOutage(t *testing.T) {
	k := newKafka(t, 1)
	p := newProducer(t, k.brokers(), testOptions(t, t.TempDir())...)
	seq := 0
	emit := func(n int) {
		for range n {
			ev := &events.QoE{Header: events.NewHeader("player", ""), SessionID: "sess-1", ContentID: "c", WatchMS: int64(seq)}
			seq++
			p.Emit(ev)
		}
	}
	emit(300)
	waitFor(t, "acks", func() bool { return p.Stats().Produced > 0 })
	k.stop()
	waitFor(t, "the outage to be noticed", func() bool { // a steady trickle meanwhile
		emit(10)
		time.Sleep(5 * time.Millisecond)
		return p.Stats().Spooled > 0
	})
	emit(300)
	k.start(1)
	// Keep emitting while the spool is replayed: it must still drain (the replayer has the
	// dispatcher hold new records while it sends the last segment) rather than take every new
	// record to disk forever.
	waitFor(t, "the spool to drain under a steady stream of events", func() bool {
		emit(10)
		time.Sleep(5 * time.Millisecond)
		return !p.Stats().Spooling
	})
	emit(300)
	waitFor(t, "all acks", func() bool { s := p.Stats(); return s.Produced+s.Replayed == uint64(seq) })

	got := consume(t, k.brokers(), seq)
	last := int64(-1)
	for _, r := range got.records {
		if r.Topic != events.FamilyPlayback.Topic() {
			continue
		}
		ev, _ := events.Decode(events.FamilyPlayback, r.Value)
		w := ev.(*events.QoE).WatchMS
		if got.ids[ev.(*events.QoE).ID] == 1 && w <= last {
			t.Fatalf("record %d arrived after %d: per-key order broken", w, last)
		}
		last = max(last, w)
	}
}

func TestSpoolFullDropsAreCounted(t *testing.T) {
	brokers := []string{"127.0.0.1:" + strconv.Itoa(freePort(t))}
	opts := append(testOptions(t, t.TempDir()), WithSpool(t.TempDir(), 64<<10), WithSegmentBytes(16<<10))
	p := newProducer(t, brokers, opts...)
	e := newEmitter(4)
	e.emit(t, p, 2000) // ~1 MB of events into a 64 KiB spool
	waitFor(t, "every event to be spooled or dropped", func() bool {
		s := p.Stats()
		return s.Spooled+s.Dropped == 2000
	})
	s := p.Stats()
	if s.Dropped == 0 || s.Spooled == 0 || s.SpoolBytes > 64<<10 {
		t.Fatalf("spool full: %+v, want some spooled, the rest dropped, at most 64 KiB on disk", s)
	}
	if got := droppedMetric(t, reasonSpoolFull); got != s.Dropped {
		t.Fatalf("cuepoint_events_dropped_total{reason=spool_full} = %d, Stats().Dropped = %d", got, s.Dropped)
	}
}

func TestRestartReplaysSpoolLeftByPreviousProcess(t *testing.T) {
	spoolDir := t.TempDir()
	down := []string{"127.0.0.1:" + strconv.Itoa(freePort(t))}
	p1, err := New(down, testOptions(t, spoolDir)...)
	if err != nil {
		t.Fatal(err)
	}
	e := newEmitter(5)
	e.emit(t, p1, 700)
	// Close at once: Kafka never answers, so Close spools what is still in memory.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p1.Close(ctx); err != nil {
		t.Fatalf("Close with Kafka down: %v", err)
	}
	if s := p1.Stats(); s.Spooled != 700 || s.Dropped != 0 {
		t.Fatalf("after Close: %+v, want all 700 spooled", s)
	}

	k := newKafka(t, 3)
	p2 := newProducer(t, k.brokers(), testOptions(t, spoolDir)...)
	waitFor(t, "the spool to be replayed", func() bool { return p2.Stats().Replayed == 700 })
	waitFor(t, "the spool to be emptied", func() bool { s := p2.Stats(); return s.SpoolBytes == 0 && !s.Spooling })
	assertExactly(t, consume(t, k.brokers(), 700), e.ids)
}

func TestDamagedSpoolIsDetectedReportedAndTheRestReplayed(t *testing.T) {
	spoolDir := t.TempDir()
	down := []string{"127.0.0.1:" + strconv.Itoa(freePort(t))}
	p1, err := New(down, testOptions(t, spoolDir)...)
	if err != nil {
		t.Fatal(err)
	}
	e := newEmitter(6)
	e.emit(t, p1, 300)
	waitFor(t, "the events to be spooled", func() bool { return p1.Stats().Spooled == 300 })
	if err := p1.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	segs, _ := filepath.Glob(filepath.Join(spoolDir, "*"+segmentSuffix))
	if len(segs) == 0 {
		t.Fatal("no spool segment on disk")
	}
	data, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	// Flip a bit in the value of the 11th record, and cut the last record in half.
	rd := segmentReader{data: data}
	var lost []string
	for i := 0; ; i++ {
		f, ok := rd.next()
		if !ok {
			t.Fatal("segment has fewer than 11 records")
		}
		if i == 10 {
			lost = append(lost, idOf(t, f)) // before the flip: f aliases data
			data[rd.off-3] ^= 0x20
			break
		}
	}
	var lastStart int
	var lastFrame frame
	for f, ok := rd.next(); ok; f, ok = rd.next() {
		lastStart, lastFrame = rd.frameAt, f
	}
	lost = append(lost, idOf(t, lastFrame))
	data = data[:lastStart+(len(data)-lastStart)/2]
	if err := os.WriteFile(segs[0], data, 0o600); err != nil {
		t.Fatal(err)
	}

	k := newKafka(t, 3)
	p2 := newProducer(t, k.brokers(), testOptions(t, spoolDir)...)
	waitFor(t, "the intact records to be replayed", func() bool { return p2.Stats().Replayed == 298 })
	waitFor(t, "the spool to be emptied", func() bool { return p2.Stats().SpoolBytes == 0 })
	if s := p2.Stats(); s.Dropped != 2 {
		t.Fatalf("after replaying a damaged segment: %+v, want the 2 damaged records counted as dropped", s)
	}
	if got := droppedMetric(t, reasonSpoolDamaged); got != 2 {
		t.Fatalf("cuepoint_events_dropped_total{reason=spool_damaged} = %d, want 2", got)
	}
	want := make([]string, 0, 298)
	for _, id := range e.ids {
		if id != lost[0] && id != lost[1] {
			want = append(want, id)
		}
	}
	assertExactly(t, consume(t, k.brokers(), 298), want)
}

func idOf(t *testing.T, f frame) string {
	t.Helper()
	ev, err := events.Decode(f.family, f.value)
	if err != nil {
		t.Fatal(err)
	}
	return ev.(events.Typed).EventHeader().ID
}

func TestSpoolDirectoryIsExclusive(t *testing.T) {
	dir := t.TempDir()
	brokers := []string{"127.0.0.1:" + strconv.Itoa(freePort(t))}
	newProducer(t, brokers, testOptions(t, dir)...)
	if _, err := New(brokers, testOptions(t, dir)...); !errors.Is(err, ErrSpoolLocked) {
		t.Fatalf("second producer on one spool: %v, want ErrSpoolLocked", err)
	}
}

func TestTryEmitRefusals(t *testing.T) {
	brokers := []string{"127.0.0.1:" + strconv.Itoa(freePort(t))}
	p := newProducer(t, brokers, append(testOptions(t, t.TempDir()), WithMaxEventBytes(512))...)
	if err := p.TryEmit(foreign{}); !errors.Is(err, ErrUnknownFamily) {
		t.Errorf("unknown family: %v", err)
	}
	big := &events.QoE{Header: events.NewHeader("player", ""), SessionID: "s", ContentID: "c", LastError: string(make([]byte, 600))}
	if err := p.TryEmit(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized event: %v", err)
	}
	if err := p.TryEmit(failing{}); err == nil {
		t.Errorf("event whose Append fails: accepted")
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.TryEmit(eventstest.New(1, time.Now()).Next(events.FamilyRecs)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if got, want := p.Stats().Dropped, uint64(4); got != want {
		t.Errorf("dropped %d, want %d", got, want)
	}
	for _, r := range []reason{reasonUnknownFamily, reasonTooLarge, reasonEncode, reasonClosed} {
		if droppedMetric(t, r) != 1 {
			t.Errorf("cuepoint_events_dropped_total{reason=%q} = %d, want 1", r, droppedMetric(t, r))
		}
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	if _, err := New(nil, WithSpool(t.TempDir(), 0)); err == nil {
		t.Error("no brokers: accepted")
	}
	if _, err := New([]string{"127.0.0.1:1"}); err == nil {
		t.Error("no spool: accepted")
	}
	if _, err := New([]string{"127.0.0.1:1"}, WithSpool(t.TempDir(), 1<<20), WithSegmentBytes(2<<20)); err == nil {
		t.Error("segment larger than spool: accepted")
	}
}

type foreign struct{}

func (foreign) Family() events.Family             { return "nope" }
func (foreign) Key() string                       { return "" }
func (foreign) Append(dst []byte) ([]byte, error) { return dst, nil }

type failing struct{}

func (failing) Family() events.Family             { return events.FamilyRecs }
func (failing) Key() string                       { return "k" }
func (failing) Append(dst []byte) ([]byte, error) { return dst, errors.New("cannot encode") }

// TestBatchedHandOff: the dispatcher wakes per batch, yet no event waits on the linger for
// ever. With an hour's linger, a full batch goes to Kafka at once, and Close delivers the
// records of a batch that never filled.
func TestBatchedHandOff(t *testing.T) {
	k := newKafka(t, 3)
	p := newProducer(t, k.brokers(), append(testOptions(t, t.TempDir()), WithLinger(time.Hour, 8))...)
	e := newEmitter(5)
	// A full batch goes at once, without the linger: emitted one batch at a time (16 at once
	// could be taken as 9, and the last 7 would rightly wait for the hour).
	e.emit(t, p, 8)
	waitFor(t, "a full batch acknowledged", func() bool { return p.Stats().Produced == 8 })
	e.emit(t, p, 8)
	waitFor(t, "a second full batch acknowledged", func() bool { return p.Stats().Produced == 16 })
	e.emit(t, p, 5) // a batch that never fills
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.Produced+s.Spooled != 21 || s.Dropped != 0 {
		t.Fatalf("after Close: %+v, want all 21 events produced or spooled, none dropped", s)
	}
}
