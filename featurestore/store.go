package featurestore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/cuepoint/cuepoint/internal/logging"
)

// Store reads and writes features: Cassandra behind an in-process near-cache. It is safe for
// concurrent use; open one per process and share it.
type Store struct {
	cfg     Config
	reg     *Registry
	log     *slog.Logger
	be      backend
	cache   *nearCache
	flights []flights // by entity type index
	breaker *breaker
	slots   chan struct{} // Cassandra reads in flight, at most Config.MaxInflightReads
	m       *storeMetrics
	closed  atomic.Bool
}

var (
	errBreakerOpen = errors.New("featurestore: circuit breaker open: Cassandra is failing")
	errAbandoned   = errors.New("featurestore: read abandoned: the caller's deadline passed first")
)

// Open connects to Cassandra and returns a Store on it. With migrate set it first applies
// Schema (what `cuepoint dev` does; production runs `cuepoint migrate`). log may be nil.
func Open(ctx context.Context, cfg Config, log *slog.Logger, migrate bool) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if migrate {
		if _, err := Migrate(ctx, cfg, log); err != nil {
			return nil, err
		}
	}
	if log == nil {
		log = logging.Discard
	}
	sess, err := NewSession(cfg, log)
	if err != nil {
		return nil, err
	}
	be := newCassandra(sess, true, cfg)
	s, err := newStore(cfg, be, log)
	if err != nil {
		be.close()
		return nil, err
	}
	return s, nil
}

// OpenSession returns a Store on an existing session, which Close leaves open.
func OpenSession(cfg Config, sess *gocql.Session, log *slog.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newStore(cfg, newCassandra(sess, false, cfg), log)
}

func newStore(cfg Config, be backend, log *slog.Logger) (*Store, error) {
	if cfg.Registry == nil {
		cfg.Registry = Default
	}
	if cfg.Name == "" {
		cfg.Name = "featurestore"
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = logging.Discard
	}
	cache, err := newNearCache(cfg.Registry, cfg.CacheMB, cfg.MaxStale)
	if err != nil {
		return nil, err
	}
	s := &Store{
		cfg: cfg, reg: cfg.Registry, log: log, be: be, cache: cache,
		flights: make([]flights, len(cfg.Registry.Entities())),
		breaker: newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown),
		slots:   make(chan struct{}, cfg.MaxInflightReads),
	}
	s.m = newStoreMetrics(s)
	return s, nil
}

// Registry returns the catalogue the Store validates against.
func (s *Store) Registry() *Registry { return s.reg }

// Config returns the Store's settings.
func (s *Store) Config() Config { return s.cfg }

// Ping checks that Cassandra answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, max(s.cfg.ReadTimeout, time.Second))
	defer cancel()
	return s.be.ping(ctx)
}

// Close releases the near-cache and the Cassandra session (when Open made it). Reads in
// flight finish first only if the caller waited for them; call Close last.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.be.close()
	s.cache.close()
	return nil
}

// Get is BatchGet for one entity.
func (s *Store) Get(ctx context.Context, entityType, id string, views ...string) (Entity, error) {
	out, err := s.BatchGet(ctx, entityType, []string{id}, views)
	if err != nil {
		return Entity{}, err
	}
	return out[0], nil
}

// BatchGet returns the views (all of the type's views when none are named) of the entities
// ids, one Entity per id in the order of ids, Values in the order of views.
//
// It never waits past the earlier of ctx's deadline and Config.ReadTimeout. Entities found in
// the near-cache within their views' freshness cost no I/O; the others are read from
// Cassandra, ReadParallelism partitions at a time, concurrent misses of one entity sharing one
// read. An entity Cassandra did not answer for in time is served from the near-cache if it
// is there within MaxStale (StatusStale), else with its views' defaults (StatusDefault).
//
// The error is non-nil only for a request to fix (a *RequestError): an unknown entity type or
// view, an invalid id, more than Config.MaxBatch ids. Cassandra's failures are not errors here.
func (s *Store) BatchGet(ctx context.Context, entityType string, ids []string, views []string) ([]Entity, error) {
	et, vs, err := s.resolve(entityType, views)
	if err != nil {
		return nil, err
	}
	if len(ids) > s.cfg.MaxBatch {
		return nil, badRequest("%d ids in one batch; the limit is %d", len(ids), s.cfg.MaxBatch)
	}
	for _, id := range ids {
		if err := CheckID(id); err != nil {
			return nil, err
		}
	}
	out := make([]Entity, len(ids))
	vals := make([]Values, len(ids)*len(vs))
	l := lookupPool.Get().(*lookup)
	s.read(ctx, et, vs, ids, out, vals, nil, l)
	l.release() // the answer keeps the entries, the pool only the slice
	lookupPool.Put(l)
	return out, nil
}

// lookupPool holds BatchGet's near-cache look-up slices (released before they go back).
var lookupPool = sync.Pool{New: func() any { return new(lookup) }}

// Answer is a BatchGetInto answer with the memory it reuses: Entities, one per requested id in
// request order, as BatchGet returns them. The zero Answer is ready for use. An Answer is not
// safe for concurrent use; keep one per goroutine or in a sync.Pool.
type Answer struct {
	Entities []Entity

	vals   []Values
	views  []*View
	misses []miss
	lk     lookup // the near-cache entries of the last batch; Values point into them
}

// BatchGetInto is BatchGet answering into dst, reusing its memory: once dst has served a
// batch as large, an answer served from the near-cache allocates only bigcache's copies of the
// entries (the memory the Values point into). dst.Entities and the Values (and strings read
// from them) are valid until dst is used again; copy what must outlive that. On error
// dst.Entities is empty.
func (s *Store) BatchGetInto(ctx context.Context, dst *Answer, entityType string, ids []string, views []string) error {
	dst.Entities = dst.Entities[:0]
	et, vs, err := s.resolveInto(entityType, views, dst.views[:0])
	if err != nil {
		return err
	}
	dst.views = vs
	if len(ids) > s.cfg.MaxBatch {
		return badRequest("%d ids in one batch; the limit is %d", len(ids), s.cfg.MaxBatch)
	}
	for _, id := range ids {
		if err := CheckID(id); err != nil {
			return err
		}
	}
	dst.Entities = grow(dst.Entities, len(ids))
	dst.vals = grow(dst.vals, len(ids)*len(vs))
	dst.misses = s.read(ctx, et, vs, ids, dst.Entities, dst.vals, dst.misses[:0], &dst.lk)
	return nil
}

// grow returns b resized to n, reusing its array when it is large enough.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// resolve looks up the entity type and the requested views.
func (s *Store) resolve(entityType string, views []string) (*EntityType, []*View, error) {
	return s.resolveInto(entityType, views, nil)
}

// resolveInto is resolve appending the views to vs (empty).
func (s *Store) resolveInto(entityType string, views []string, vs []*View) (*EntityType, []*View, error) {
	et, err := s.reg.Entity(entityType)
	if err != nil {
		return nil, nil, err
	}
	if len(views) == 0 {
		return et, et.Views, nil
	}
	vs = grow(vs, len(views))
	for i, name := range views {
		v, err := et.View(name)
		if err != nil {
			return nil, nil, err
		}
		for _, prev := range vs[:i] {
			if prev == v {
				return nil, nil, badRequest("view %q requested twice", name)
			}
		}
		vs[i] = v
	}
	return et, vs, nil
}

// answerMargin is how long before the deadline a read stops waiting for Cassandra, to degrade
// what did not arrive and return by the deadline (at most a tenth of the time available). It
// covers the late wake-up of timers, 0.2–2.5 ms on the 2-core VMs this was measured on.
const answerMargin = 2 * time.Millisecond

// miss is an entity the near-cache could not answer within freshness.
type miss struct {
	i         int    // index in the request
	entry     []byte // the cached entry past freshness, if any: the fallback
	fetchedAt int64  // when entry was read from Cassandra, Unix µs
	fl        *flight
}

// read fills out for ids: near-cache first, then Cassandra for the misses. vals holds
// len(ids)*len(vs) Values; l receives the entries read from the near-cache (the Values point
// into them) and misses the misses, returned for reuse (allocated as needed).
func (s *Store) read(ctx context.Context, et *EntityType, vs []*View, ids []string, out []Entity, vals []Values, misses []miss, l *lookup) []miss {
	start := time.Now()
	now := start.UnixMicro()
	nv := len(vs)
	fresh := int64(vs[0].Freshness / time.Microsecond)
	for _, v := range vs[1:] {
		fresh = min(fresh, int64(v.Freshness/time.Microsecond))
	}
	var hits, negatives uint64
	s.cache.appendEntries(et.index, ids, l)
	for i, id := range ids {
		e := &out[i]
		e.ID, e.Status, e.Views = id, StatusFound, vals[i*nv:(i+1)*nv:(i+1)*nv]
		entry, ok := l.entry(i)
		if !ok {
			misses = append(misses, miss{i: i})
			continue
		}
		fetchedAt, ok := decodeEntry(entry, vs, e.Views, now)
		if !ok {
			misses = append(misses, miss{i: i})
			continue
		}
		if now-fetchedAt >= fresh {
			misses = append(misses, miss{i: i, entry: entry, fetchedAt: fetchedAt})
			continue
		}
		if e.Status = foundStatus(e.Views); e.Status == StatusFound {
			hits++
		} else {
			negatives++
		}
	}
	s.m.hit.Add(int(hits))
	s.m.negative.Add(int(negatives))
	s.m.found.Add(int(hits))
	s.m.notFound.Add(int(negatives))
	if len(misses) > 0 {
		s.readMisses(ctx, et, vs, out, misses, start, fresh)
	}
	s.m.batchGet.Update(time.Since(start).Seconds())
	return misses
}

// readMisses reads the misses from Cassandra within the deadline and degrades the rest.
func (s *Store) readMisses(ctx context.Context, et *EntityType, vs []*View, out []Entity, misses []miss, start time.Time, fresh int64) {
	for k := range misses {
		if misses[k].entry != nil {
			s.m.staleEntry.Inc()
		} else {
			s.m.miss.Inc()
		}
	}
	deadline := start.Add(s.cfg.ReadTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	// Stop waiting a little early: assembling the answer from what arrived takes time too.
	deadline = deadline.Add(-min(answerMargin, deadline.Sub(start)/10))
	if s.breaker.open() && time.Now().UnixNano() < s.breaker.openUntil.Load() {
		s.m.skipBreaker.Add(len(misses))
		s.degrade(vs, out, misses, fresh)
		return
	}

	g := &s.flights[et.index]
	var owned []*flight
	for k := range misses {
		f, own := g.join(out[misses[k].i].ID)
		misses[k].fl = f
		if own {
			owned = append(owned, f)
		} else {
			s.m.joined.Inc()
		}
	}
	gone := make(chan struct{}) // closed when the caller stops waiting
	if len(owned) > 0 {
		var next atomic.Int64
		for range min(s.cfg.ReadParallelism, len(owned)) {
			go func() {
				for {
					k := next.Add(1) - 1
					if k >= int64(len(owned)) {
						return
					}
					s.run(et, owned[k], gone)
				}
			}()
		}
	}

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
wait:
	for k := range misses {
		select {
		case <-misses[k].fl.done:
		case <-timer.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	close(gone)

	now := time.Now().UnixMicro()
	var failed []miss
	for k := range misses {
		m := &misses[k]
		e := &out[m.i]
		if m.fl.isDone() && m.fl.err == nil {
			if _, ok := decodeEntry(m.fl.entry, vs, e.Views, now); ok {
				e.Status = foundStatus(e.Views)
				s.m.count(e.Status)
				continue
			}
		}
		failed = append(failed, *m)
	}
	if len(failed) > 0 {
		s.degrade(vs, out, failed, fresh)
	}
}

// degrade answers misses Cassandra did not: the cached entry within MaxStale, else defaults.
func (s *Store) degrade(vs []*View, out []Entity, misses []miss, fresh int64) {
	now := time.Now().UnixMicro()
	limit := fresh + int64(s.cfg.MaxStale/time.Microsecond)
	for k := range misses {
		m := &misses[k]
		e := &out[m.i]
		if m.entry != nil && now-m.fetchedAt < limit {
			if _, ok := decodeEntry(m.entry, vs, e.Views, now); ok {
				e.Status = StatusStale
				s.m.count(e.Status)
				continue
			}
		}
		for j, v := range vs {
			e.Views[j] = v.absent()
		}
		e.Status = StatusDefault
		s.m.count(e.Status)
	}
}

// run executes one flight: a Cassandra read of one entity with its own deadline (it outlives
// an impatient caller, so its result still fills the cache for the next one). It waits for one
// of MaxInflightReads slots while its caller waits (gone open); once the caller has left it
// reads only if a slot is free at once, so a slow Cassandra never accumulates a backlog.
func (s *Store) run(et *EntityType, f *flight, gone <-chan struct{}) {
	g := &s.flights[et.index]
	defer g.finish(f, func(entry []byte) { s.cache.set(et.index, f.id, entry) })
	if !s.acquire(gone) {
		f.err = errAbandoned
		s.m.skipDeadline.Inc()
		return
	}
	defer func() { <-s.slots }()
	if !s.breaker.allow(time.Now()) {
		f.err = errBreakerOpen
		s.m.skipBreaker.Inc()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ReadTimeout)
	t0 := time.Now()
	rows, err := s.be.read(ctx, et.Name, f.id, false)
	cancel()
	s.m.readLat.Update(time.Since(t0).Seconds())
	if err != nil {
		s.m.readErr.Inc()
		s.breaker.failure(time.Now())
		f.err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		return
	}
	s.breaker.success()
	entry, corrupt := encodeEntry(et, rows, time.Now().UnixMicro())
	if corrupt > 0 {
		s.m.corrupt.Add(corrupt)
		s.log.Warn("corrupt feature values skipped", "entity_type", et.Name, "entity_id", f.id, "count", corrupt)
	}
	f.entry = entry
}

// acquire takes a read slot: waiting while the caller waits, without waiting once it left.
func (s *Store) acquire(gone <-chan struct{}) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	case <-gone:
		select {
		case s.slots <- struct{}{}:
			return true
		default:
			return false
		}
	}
}
