package bidder

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

var dedupeKeyspaces atomic.Int64

// dedupeKeyspace migrates a keyspace of the test's own on the shared Cassandra and returns the
// shared record in it, the hosts and the keyspace. The session's timeout leaves the deadlines
// to the tests' contexts.
func dedupeKeyspace(t *testing.T) (*CassandraDedupe, []string, string) {
	t.Helper()
	hosts := stacktest.Cassandra(t)
	s, err := db.OpenCassandra(hosts, db.CassandraOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ks := fmt.Sprintf("bidder_dedupe_%d_%d", os.Getpid(), dedupeKeyspaces.Add(1))
	if applied, err := Migrate(ctx, s, ks, ""); err != nil || len(applied) == 0 || applied[len(applied)-1] != 3 {
		t.Fatalf("migrate: applied %v, %v", applied, err)
	}
	t.Cleanup(func() { _ = s.Query("DROP KEYSPACE IF EXISTS " + ks).Exec(); s.Close() })
	return NewCassandraDedupe(s, ks), hosts, ks
}

// TestCrossInstanceNoticeDedupe: two bidder instances sharing the Cassandra notice record; the
// same win, billing and loss notices sent to both (one after the other, and all at once) are
// counted once: one "ok" in the notice metrics, one settlement, one frequency increment.
func TestCrossInstanceNoticeDedupe(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Cassandra")
	}
	dd, _, _ := dedupeKeyspace(t)
	mv := NewMemoryViewers() // the featurestore both instances share
	ledger := NewMemoryLedger()
	cfg := testConfig()
	cfg.DedupeTimeout = 10 * time.Second // decisions, not speed: a loaded CI machine must not degrade
	c := bannerCampaign("x", 4_000_000)
	c.FreqCap = &FreqCap{Max: 100, WindowHours: 24}
	newInstance := func() *Bidder {
		return newTestBidder(t, cfg, Deps{Features: mv, Counters: mv, Ledger: ledger, Dedupe: dd}, c)
	}
	a, b := newInstance(), newInstance()
	freq := func(viewer string) int64 {
		qs := []FreqQuery{{CampaignID: "x", WindowHours: 24}}
		if err := mv.Frequency(context.Background(), viewer, qs, time.Now()); err != nil {
			t.Fatal(err)
		}
		return qs[0].Count
	}
	counts := func(kind string) (ok, replay uint64) {
		return a.noticeCounter(kind, "ok").Get(), a.noticeCounter(kind, "replay").Get()
	}
	bidFor := func(viewer string) (nurl, burl, lurl string) {
		_, r, body := call(t, a, `{"id":"r","user":{"id":"`+viewer+`"},"imp":[{"id":"1","banner":{"w":300,"h":250}}]}`)
		if r == nil {
			t.Fatalf("no bid: %s", body)
		}
		bd := bidsOf(r)[0]
		return bd.NURL, bd.BURL, bd.LURL
	}

	// One after the other: A (the bidding instance) first, then B, then each again.
	nurl, burl, _ := bidFor("viewer-seq")
	winOK, winReplay := counts(kindWin)
	billOK, _ := counts(kindBill)
	sharedBefore := dedupeShared.Get()
	for _, in := range []*Bidder{a, b, a, b} {
		if code := notice(in, nurl, "2.5"); code != 200 {
			t.Fatalf("win: %d", code)
		}
	}
	for _, in := range []*Bidder{b, a} {
		if code := notice(in, burl, "2.5"); code != 200 {
			t.Fatalf("bill: %d", code)
		}
	}
	if ok, replay := counts(kindWin); ok-winOK != 1 || replay-winReplay != 3 {
		t.Errorf("win sent 4 times to 2 instances: %d ok, %d replays; want 1 and 3", ok-winOK, replay-winReplay)
	}
	if ok, _ := counts(kindBill); ok-billOK != 1 {
		t.Errorf("bill sent to both instances: %d ok, want 1", ok-billOK)
	}
	if got := dedupeShared.Get() - sharedBefore; got == 0 {
		t.Error("no replay was recognised through the shared record")
	}
	if n := freq("viewer-seq"); n != 1 {
		t.Errorf("frequency counted %d times, want 1", n)
	}

	// All at once: 8 win notices and 8 billing notices racing on both instances.
	nurl, burl, lurl := bidFor("viewer-race")
	winOK, _ = counts(kindWin)
	billOK, _ = counts(kindBill)
	committedA, committedB := a.pacer.Committed("x"), b.pacer.Committed("x")
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		in, u := a, nurl
		if i%2 == 1 {
			in = b
		}
		if i >= 8 {
			u = burl
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := notice(in, u, "3"); code != 200 {
				t.Errorf("notice: %d", code)
			}
		}()
	}
	wg.Wait()
	if ok, _ := counts(kindWin); ok-winOK != 1 {
		t.Errorf("racing wins: %d counted, want 1", ok-winOK)
	}
	if ok, _ := counts(kindBill); ok-billOK != 1 {
		t.Errorf("racing bills: %d counted, want 1", ok-billOK)
	}
	if n := freq("viewer-race"); n != 1 {
		t.Errorf("racing notices counted the impression %d times, want 1", n)
	}
	// Exactly one instance settled: A's reservation turned into spend, or B counted unreserved
	// spend (3 USD CPM = 3000 micros of budget); never both.
	dA, dB := a.pacer.Committed("x")-committedA, b.pacer.Committed("x")-committedB
	if (dA != 0) == (dB != 0) {
		t.Errorf("settlement on A moved %d, on B %d: want exactly one instance to settle", dA, dB)
	}
	// A late loss notice to B does not release what was settled.
	if code := notice(b, lurl, ""); code != 200 {
		t.Fatalf("loss: %d", code)
	}
	if b.pacer.Committed("x")-committedB != dB {
		t.Error("a loss after the win changed B's spend")
	}
}

// TestNoticeDedupeDegraded: with the shared record unavailable (its session closed: the driver
// refuses every query), notices are still answered and counted, deduplicated per instance, and
// the degraded mode is counted.
func TestNoticeDedupeDegraded(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Cassandra")
	}
	_, hosts, ks := dedupeKeyspace(t)
	s, err := db.OpenCassandra(hosts, db.CassandraOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	dd := NewCassandraDedupe(s, ks)
	b := newTestBidder(t, testConfig(), Deps{Dedupe: dd}, bannerCampaign("d", 4_000_000))
	_, r, body := call(t, b, bannerReq(""))
	if r == nil {
		t.Fatalf("no bid: %s", body)
	}
	nurl := bidsOf(r)[0].NURL
	degraded := dedupeDegraded.Get()
	okBefore, replayBefore := b.noticeCounter(kindWin, "ok").Get(), b.noticeCounter(kindWin, "replay").Get()
	for i := 0; i < 3; i++ {
		if code := notice(b, nurl, "1"); code != 200 {
			t.Fatalf("win with the shared record down: %d", code)
		}
	}
	if got := dedupeDegraded.Get() - degraded; got == 0 {
		t.Error("degraded mode not counted")
	}
	if ok, replay := b.noticeCounter(kindWin, "ok").Get()-okBefore, b.noticeCounter(kindWin, "replay").Get()-replayBefore; ok != 1 || replay != 2 {
		t.Errorf("per-instance dedupe while degraded: %d ok, %d replays; want 1 and 2", ok, replay)
	}
	if !strings.Contains(nurl, "/v1/notice/win") {
		t.Errorf("nurl %s", nurl)
	}
}

// TestNoticeDedupeCassandraKilled: Cassandra dies under two instances. Notices are still
// answered (within the dedupe deadline, then per instance) and the degraded mode is counted;
// when Cassandra is back, notices are again counted once across the instances.
func TestNoticeDedupeCassandraKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Cassandra")
	}
	node := stacktest.OwnCassandra(t)
	admin, err := db.OpenCassandra(node.Hosts(), db.CassandraOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := Migrate(ctx, admin, "bidder_killed", ""); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	s, err := db.OpenCassandra(node.Hosts(), db.CassandraOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dd := NewCassandraDedupe(s, "bidder_killed")
	cfg := testConfig()
	ledger := NewMemoryLedger()
	a := newTestBidder(t, cfg, Deps{Ledger: ledger, Dedupe: dd}, bannerCampaign("k", 4_000_000))
	b := newTestBidder(t, cfg, Deps{Ledger: ledger, Dedupe: dd}, bannerCampaign("k", 4_000_000))
	nurlOf := func() string {
		_, r, body := call(t, a, bannerReq(""))
		if r == nil {
			t.Fatalf("no bid: %s", body)
		}
		return bidsOf(r)[0].NURL
	}

	if err := node.Kill(); err != nil {
		t.Fatal(err)
	}
	nurl := nurlOf()
	degraded := dedupeDegraded.Get()
	okBefore, replayBefore := a.noticeCounter(kindWin, "ok").Get(), a.noticeCounter(kindWin, "replay").Get()
	for _, in := range []*Bidder{a, a, b} {
		if code := notice(in, nurl, "1"); code != 200 {
			t.Fatalf("win with Cassandra down: %d", code)
		}
	}
	if dedupeDegraded.Get() == degraded {
		t.Error("degraded mode not counted while Cassandra is down")
	}
	// Per instance: A counted it once; B, which cannot ask anyone, counted it too.
	if ok, replay := a.noticeCounter(kindWin, "ok").Get()-okBefore, a.noticeCounter(kindWin, "replay").Get()-replayBefore; ok != 2 || replay != 1 {
		t.Errorf("while degraded: %d ok, %d replays; want 2 (one per instance) and 1", ok, replay)
	}

	if err := node.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	// Back: within the backoff and the driver's reconnection, notices are counted once again.
	for i := 0; ; i++ {
		nurl := nurlOf()
		okBefore := a.noticeCounter(kindWin, "ok").Get()
		degraded := dedupeDegraded.Get()
		notice(a, nurl, "1")
		notice(b, nurl, "1")
		if dedupeDegraded.Get() == degraded {
			if ok := a.noticeCounter(kindWin, "ok").Get() - okBefore; ok != 1 {
				t.Fatalf("after recovery the win was counted %d times, want 1", ok)
			}
			break
		}
		if i == 120 {
			t.Fatal("the shared record never came back after Cassandra restarted")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// BenchmarkWinNotice: a first win notice (token check, dedupe, settlement, shader, frequency
// counter, event) with the per-instance record only, and with the shared Cassandra record
// behind it (one lightweight transaction: the bid's first notice).
func BenchmarkWinNotice(b *testing.B) {
	run := func(b *testing.B, deps Deps) {
		cfg := testConfig()
		cfg.DedupeTimeout = 10 * time.Second
		mv := NewMemoryViewers()
		deps.Features, deps.Counters = mv, mv
		bd := newTestBidder(b, cfg, deps, bannerCampaign("w", 4_000_000))
		now := time.Now()
		i := 0
		degraded := dedupeDegraded.Get()
		for b.Loop() {
			i++
			t := &noticeToken{Issued: now.UnixMilli(), RequestID: "r", ImpID: "1", BidID: fmt.Sprintf("bench-%d-%d", now.UnixNano(), i),
				CampaignID: "w", CreativeID: "w-b", ViewerID: "v", Currency: "USD", PriceMicros: 4_000_000, Reserved: 4000, AT: 2}
			tok, _ := bd.signer.appendToken(nil, t, nil)
			if code := notice(bd, cfg.PublicURL+"/v1/notice/win?t="+string(tok)+"&p=3&a=r", ""); code != 200 {
				b.Fatalf("win: %d", code)
			}
		}
		if dedupeDegraded.Get() != degraded {
			b.Fatal("the shared record degraded during the benchmark")
		}
	}
	b.Run("local", func(b *testing.B) { run(b, Deps{}) })
	b.Run("cassandra", func(b *testing.B) {
		hosts := stacktest.Cassandra(b)
		s, err := db.OpenCassandra(hosts, db.CassandraOptions{Timeout: 20 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		ks := fmt.Sprintf("bidder_bench_%d", os.Getpid())
		if _, err := Migrate(context.Background(), s, ks, ""); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Query("DROP KEYSPACE IF EXISTS " + ks).Exec(); s.Close() })
		run(b, Deps{Dedupe: NewCassandraDedupe(s, ks)})
	})
}

// TestCassandraDedupeRecord: the shared record's compare-and-set. In order: each kind is new
// once, and "before" is what was recorded earlier. Racing: 16 callers recording the four
// kinds of one bid — each kind is new to exactly one caller, exactly one caller sees an empty
// record (the first notice of the bid), and every caller's "before" is a set another caller
// produced (the record only grows, one kind at a time).
func TestCassandraDedupeRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Cassandra")
	}
	dd, _, _ := dedupeKeyspace(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seq := []struct {
		kind   NoticeKinds
		before NoticeKinds
	}{
		{NoticeImp, 0},
		{NoticeWin, NoticeImp},
		{NoticeWin, NoticeImp | NoticeWin},
		{NoticeBill, NoticeImp | NoticeWin},
		{NoticeLoss, NoticeImp | NoticeWin | NoticeBill},
		{NoticeImp, NoticeImp | NoticeWin | NoticeBill | NoticeLoss},
	}
	for i, s := range seq {
		got, err := dd.Record(ctx, "seq-bid", s.kind, time.Hour)
		if err != nil || got != s.before {
			t.Fatalf("step %d: record %d: before %04b, %v; want %04b", i, s.kind, got, err, s.before)
		}
	}

	var mu sync.Mutex
	firsts := map[NoticeKinds]int{}
	empties := 0
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		k := NoticeKinds(1) << (i % 4)
		wg.Add(1)
		go func() {
			defer wg.Done()
			before, err := dd.Record(ctx, "race-bid", k, time.Hour)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if before&k == 0 {
				firsts[k]++
				if before == 0 {
					empties++
				}
			}
		}()
	}
	wg.Wait()
	for _, k := range []NoticeKinds{NoticeWin, NoticeBill, NoticeLoss, NoticeImp} {
		if firsts[k] != 1 {
			t.Errorf("kind %04b new to %d callers, want 1", k, firsts[k])
		}
	}
	if empties != 1 {
		t.Errorf("%d callers were first for the bid, want 1", empties)
	}
}
