package sink

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// A sink that dies after storing a batch and before committing its offsets leaves rows the
// next owner reads again; the ledger makes it skip exactly those, even with different batch
// boundaries, and even when only part of the batch was stored.
func TestCrashAfterInsertBeforeCommit(t *testing.T) {
	for _, partial := range []bool{false, true} {
		t.Run(fmt.Sprintf("partial=%v", partial), func(t *testing.T) {
			e := newEnv(t, stacktest.ClickHouse(t))
			const n = 5000
			e.produce(generate(events.FamilyBids, n, 1)...)

			crashed := make(chan struct{})
			var once sync.Once
			cfg := e.config()
			cfg.BatchRows = 1000
			r1 := e.start(cfg, hooks{afterInsert: func() bool {
				once.Do(func() { close(crashed) })
				return true
			}})
			select {
			case <-crashed:
			case <-time.After(60 * time.Second):
				t.Fatal("the sink never stored a batch")
			}
			r1.stop()
			stored, _ := e.counts(events.FamilyBids)
			if stored == 0 || stored >= n {
				t.Fatalf("%d rows stored before the crash, want some but not all", stored)
			}
			if partial {
				// As if the INSERT's block had been split across day partitions and only some
				// parts had been written when the server died.
				e.exec(fmt.Sprintf("ALTER TABLE %s.bids DELETE WHERE kafka_offset %% 2 = 0", e.db))
				e.awaitMutations("bids")
				stored, _ = e.counts(events.FamilyBids)
			}

			cfg = e.config()
			cfg.BatchRows = 700 // different batch boundaries after the restart
			r2 := e.start(cfg, hooks{})
			e.expectExactly(events.FamilyBids, n)
			if got := r2.s.m.topics[e.topic(events.FamilyBids)].duplicates.Get(); got != stored {
				t.Errorf("restarted sink skipped %d stored rows, want %d", got, stored)
			}
		})
	}
}

// ClickHouse killed in the middle of a stream and restarted: the sink reports it not ready,
// retries, and in the end every event is stored exactly once.
func TestClickHouseKilledMidStream(t *testing.T) {
	ch := stacktest.OwnClickHouse(t)
	e := newEnv(t, ch.Addr())
	r := e.start(e.config(), hooks{})

	const rounds, per = 40, 250
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := range rounds {
			e.produce(generate(events.FamilyAds, per, uint64(i+1))...)
			time.Sleep(50 * time.Millisecond)
		}
	}()

	e.waitRows(events.FamilyAds, 1, 60*time.Second)
	if err := ch.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for r.s.ReadyClickHouse(context.Background()) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the sink still reports ClickHouse ready after it was killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // retries against a dead server
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := ch.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	<-produced
	e.expectExactly(events.FamilyAds, rounds*per)
	if err := r.s.ReadyClickHouse(ctx); err != nil {
		t.Errorf("not ready after ClickHouse came back: %v", err)
	}
	if r.s.m.insertErrors.Get() == 0 {
		t.Error("no insert failed while ClickHouse was down")
	}
}

// Members joining and leaving the group while events flow: partitions move between sinks,
// and every event is stored exactly once.
func TestRebalance(t *testing.T) {
	e := newEnv(t, stacktest.ClickHouse(t))
	const rounds, per = 30, 300
	var sent atomic.Int64
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := range rounds {
			e.produce(generate(events.FamilyRecs, per, uint64(i+1))...)
			sent.Add(per)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	r1 := e.start(e.config(), hooks{})
	e.waitRows(events.FamilyRecs, 1, 60*time.Second)
	r2 := e.start(e.config(), hooks{}) // join: partitions move to r2
	for sent.Load() < rounds*per/2 {
		time.Sleep(20 * time.Millisecond)
	}
	r1.stop() // leave: r2 takes everything
	<-produced
	e.expectExactly(events.FamilyRecs, rounds*per)
	r2.stop()
}

func (e *env) exec(q string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.conn.Exec(ctx, q); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

func (e *env) awaitMutations(table string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pending uint64
		if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM system.mutations WHERE database = ? AND table = ? AND is_done = 0", e.db, table).Scan(&pending); err != nil {
			e.t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("mutations of %s not done after 30s", table)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
