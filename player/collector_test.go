package player

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/collector"
	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/analytics/producer"
	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
	"github.com/twmb/franz-go/pkg/kgo"
)

// teeEmitter counts what the player emitted and passes it on.
type teeEmitter struct {
	n    int
	next producer.Emitter
}

func (t *teeEmitter) Emit(ev events.Event) { t.n++; t.next.Emit(ev) }

// TestCollectorEmitter plays a session whose QoE goes to a real collector (signed as a server
// sender) in front of a real producer and Kafka: every report is accepted and lands on the
// playback topic; a wrong secret is refused and counted as dropped.
func TestCollectorEmitter(t *testing.T) {
	brokers := stacktest.Kafka(t)
	prod, err := producer.New(brokers, producer.WithService("dashboard"), producer.WithSpool(t.TempDir(), 0))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close(context.Background())
	secret := bytes.Repeat([]byte{7}, 32)
	col, err := collector.New(prod, collector.WithSenders(collector.Sender{ID: "player-test", Secrets: [][]byte{secret}, Families: []events.Family{events.FamilyPlayback}}))
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New("dashboard", "127.0.0.1:0")
	col.Mount(srv)
	base := serve(t, srv)

	l := &ladderServer{bandwidths: []int64{400_000, 1_200_000}, segments: 15, segDur: 2 * time.Second}
	media := l.start(t)
	em := NewCollectorEmitter(base+collector.Path, "player-test", secret, time.Hour) // flushed by Close
	tee := &teeEmitter{next: em}
	p := New(virtual(), WithEmitter(tee), WithQoEInterval(5*time.Second), WithContent("title-1"))
	defer p.Close()
	res, err := p.Play(context.Background(), media+"/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := em.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := em.Stats()
	if tee.n < 2 || st.Accepted != tee.n || st.Rejected != 0 || st.Dropped != 0 {
		t.Fatalf("emitted %d, collector stats %+v", tee.n, st)
	}

	// The reports are on the playback topic, keyed by the session.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(events.FamilyPlayback.Topic()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var mine int
	var watch int64
	for mine < tee.n && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			ev, err := events.Decode(events.FamilyPlayback, r.Value)
			if err != nil {
				return
			}
			if q, ok := ev.(*events.QoE); ok && q.ContentID == "title-1" && q.Service == "player" && string(r.Key) == q.SessionID {
				mine++
				watch += q.WatchMS
			}
		})
	}
	if mine != tee.n || watch != res.WatchTime.Milliseconds() {
		t.Errorf("%d of %d reports on the topic, watch_ms summing to %d for %s watched", mine, tee.n, watch, res.WatchTime)
	}

	// A wrong secret: refused (401), dropped after its retry, counted.
	bad := NewCollectorEmitter(base+collector.Path, "player-test", bytes.Repeat([]byte{8}, 32), time.Hour)
	bad.Emit(&events.QoE{Header: events.NewHeader("player", ""), SessionID: "s", ContentID: "c"})
	if err := bad.Close(ctx); err == nil {
		t.Error("a refused batch closed without error")
	}
	if st := bad.Stats(); st.Dropped != 1 || !strings.Contains(st.LastError, "401") {
		t.Errorf("wrong secret: %+v", st)
	}
}
