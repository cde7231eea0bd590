package adserver

import (
	"context"
	"fmt"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// PodStore remembers the VAST answered for one break of one session, so that asking again — a
// stitcher's retry, or another stitcher instance serving the same session — gets the same pod:
// no second auction, no second set of notices, the same ad serving ids (whose beacons the
// tracking endpoint dedupes). GET /vast stores every pod it answers for a session's break, and
// consults the store when the request says it may be asked again (again=1).
type PodStore interface {
	// Pod returns the document stored for (session, brk), if any.
	Pod(ctx context.Context, session, brk string) ([]byte, bool, error)
	// SavePod stores doc for (session, brk).
	SavePod(ctx context.Context, session, brk string, doc []byte) error
}

// PodTTL is how long a pod is remembered: as long as a stitcher session lives.
const PodTTL = 24 * time.Hour

// MemoryPods is a PodStore of one process: pods answered by this instance only, at most max
// of them (the oldest half is dropped when full), each for PodTTL.
type MemoryPods struct {
	mu  sync.Mutex
	max int
	m   map[string]memoryPod
	now func() time.Time
}

type memoryPod struct {
	doc []byte
	at  time.Time
}

// NewMemoryPods returns a store of at most max pods.
func NewMemoryPods(max int) *MemoryPods {
	return &MemoryPods{max: max, m: make(map[string]memoryPod), now: time.Now}
}

// Pod implements PodStore.
func (p *MemoryPods) Pod(_ context.Context, session, brk string) ([]byte, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[session+"\x00"+brk]
	if !ok || p.now().Sub(e.at) > PodTTL {
		return nil, false, nil
	}
	return e.doc, true, nil
}

// SavePod implements PodStore.
func (p *MemoryPods) SavePod(_ context.Context, session, brk string, doc []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.m) >= p.max {
		n := 0
		for k := range p.m { // map order is random: drop about half
			if n%2 == 0 {
				delete(p.m, k)
			}
			n++
		}
	}
	p.m[session+"\x00"+brk] = memoryPod{doc: doc, at: p.now()}
	return nil
}

// CassandraPods is the PodStore of a deployment: table pods of the adserver's keyspace
// (migration 3 of catalog.Schema), one row per (session, break) written with a TTL of PodTTL.
// Reads are LOCAL_ONE under the decision's deadline (only for requests marked again=1), writes
// LOCAL_QUORUM off the request path. Two instances deciding one break at once (a race the
// stitcher makes rare: it marks again only the breaks of a session it rebuilt) store the later
// answer.
type CassandraPods struct {
	s  *gocql.Session
	ks string
}

// NewCassandraPods returns the store on session s, table pods of keyspace.
func NewCassandraPods(s *gocql.Session, keyspace string) (*CassandraPods, error) {
	if !cqlNameRE.MatchString(keyspace) {
		return nil, fmt.Errorf("adserver keyspace %q: want letters, digits and underscores", keyspace)
	}
	return &CassandraPods{s: s, ks: keyspace}, nil
}

// Pod implements PodStore.
func (c *CassandraPods) Pod(ctx context.Context, session, brk string) ([]byte, bool, error) {
	var doc []byte
	err := c.s.Query(`SELECT doc FROM `+c.ks+`.pods WHERE session = ? AND brk = ?`, session, brk).
		WithContext(ctx).Consistency(gocql.LocalOne).Idempotent(true).Scan(&doc)
	switch {
	case err == gocql.ErrNotFound:
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("pods: read %s/%s: %w", session, brk, err)
	}
	return doc, true, nil
}

// SavePod implements PodStore.
func (c *CassandraPods) SavePod(ctx context.Context, session, brk string, doc []byte) error {
	err := c.s.Query(`INSERT INTO `+c.ks+`.pods (session, brk, doc) VALUES (?, ?, ?) USING TTL `+fmt.Sprint(int(PodTTL.Seconds())), session, brk, doc).
		WithContext(ctx).Consistency(gocql.LocalQuorum).Idempotent(true).Exec()
	if err != nil {
		return fmt.Errorf("pods: write %s/%s: %w", session, brk, err)
	}
	return nil
}
