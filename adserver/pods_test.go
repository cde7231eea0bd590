package adserver_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/adserver"
	"github.com/cuepoint/cuepoint/adserver/auction"
	"github.com/cuepoint/cuepoint/adserver/catalog"
	"github.com/cuepoint/cuepoint/internal/db"
	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// TestPodsAcrossInstances: a break asked again (again=1) by its session — a stitcher's retry, or
// another stitcher instance that rebuilt the session — gets the same pod from either adserver
// instance, with one auction; other breaks, and first asks, are decided afresh.
func TestPodsAcrossInstances(t *testing.T) {
	hosts := stacktest.Cassandra(t)
	s, err := db.OpenCassandra(hosts, db.CassandraOptions{Timeout: 20 * time.Second, Consistency: gocql.LocalQuorum})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ks := "cuepoint_adserver_podtest"
	if _, err := catalog.Migrate(context.Background(), s, ks, ""); err != nil {
		t.Fatal(err)
	}
	pods, err := adserver.NewCassandraPods(s, ks)
	if err != nil {
		t.Fatal(err)
	}
	b := capBidder(t)
	cfg := testConfig(auction.Endpoint{Name: "b", URL: b.URL})
	cfg.PodTimeout = 5 * time.Second // generous: a loaded machine must not turn a hit into a miss
	one := startDeps(t, cfg, adserver.Deps{Pods: pods})
	two := startDeps(t, cfg, adserver.Deps{Pods: pods})
	session := "s-" + time.Now().Format("150405.000000")

	query := q("dur", "30", "uid", "viewer-p", "session", session, "break", "b7", "again", "1")
	code, first := one.get("/vast?" + q("dur", "30", "uid", "viewer-p", "session", session, "break", "b7"))
	if code != 200 || !bytes.Contains(first, []byte("<Ad ")) {
		t.Fatalf("first ask: %d\n%s", code, first)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) { // saved off the request path
		stored, ok, err := pods.Pod(context.Background(), session, "b7")
		if ok && bytes.Equal(stored, first) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pod was not stored: %v %v", ok, err)
		}
	}
	auctions := b.Requests()
	_, again := two.get("/vast?" + query)
	if !bytes.Equal(again, first) {
		t.Fatalf("the other instance answered another pod:\n%s\nwant\n%s", again, first)
	}
	if _, retry := one.get("/vast?" + query); !bytes.Equal(retry, first) {
		t.Errorf("a retry on the first instance answered another pod")
	}
	if n := b.Requests() - auctions; n != 0 {
		t.Errorf("%d more auctions for a break already decided", n)
	}
	// Without again=1 a break is decided afresh (a stitcher asks once per break).
	before := b.Requests()
	if _, fresh := two.get("/vast?" + q("dur", "30", "uid", "viewer-p", "session", session, "break", "b7")); bytes.Equal(fresh, first) || b.Requests() != before+1 {
		t.Errorf("a first ask was answered from the store")
	}
	before = b.Requests()
	if _, other := two.get("/vast?" + q("dur", "30", "uid", "viewer-p", "session", session, "break", "b8", "again", "1")); bytes.Equal(other, first) || b.Requests() != before+1 {
		t.Errorf("another break of the session was not decided afresh")
	}

	// Per process (no shared store): a retry on the same instance still gets its pod.
	alone := start(t, cfg)
	_, a1 := alone.get("/vast?" + q("dur", "30", "uid", "viewer-q", "session", session+"-m", "break", "b1"))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, a2 := alone.get("/vast?" + q("dur", "30", "uid", "viewer-q", "session", session+"-m", "break", "b1", "again", "1")); bytes.Equal(a1, a2) {
			return
		}
	}
	t.Error("a retry on an instance with in-process pods answered another pod")
}
