package featurestore

import "sync"

// flights collapses concurrent near-cache misses for one entity into one Cassandra read:
// the first caller to miss creates the flight and runs it, later callers wait on it. One group
// per entity type, keyed by entity id.
//
// A write invalidating an entity marks its flight in progress dirty: the flight's result may
// predate the write, so it is handed to its waiters but not cached.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	id    string
	done  chan struct{} // closed when entry and err are set
	entry []byte        // the near-cache entry read, when err is nil
	err   error
	dirty bool // guarded by flights.mu
}

// join returns the flight for id, creating it when none is in progress (owner: the caller
// must run it and call finish).
func (g *flights) join(id string) (f *flight, owner bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f = g.m[id]; f != nil {
		return f, false
	}
	if g.m == nil {
		g.m = make(map[string]*flight)
	}
	f = &flight{id: id, done: make(chan struct{})}
	g.m[id] = f
	return f, true
}

// finish publishes the flight's result: store (unless the flight is dirty) runs under the
// group's lock, so an invalidation is ordered either before it (dirty) or after it.
func (g *flights) finish(f *flight, store func(entry []byte)) {
	g.mu.Lock()
	if f.err == nil && !f.dirty && store != nil {
		store(f.entry)
	}
	delete(g.m, f.id)
	g.mu.Unlock()
	close(f.done)
}

// invalidate marks id's flight in progress dirty and runs drop (removing the cached entry)
// under the group's lock.
func (g *flights) invalidate(id string, drop func()) {
	g.mu.Lock()
	if f := g.m[id]; f != nil {
		f.dirty = true
	}
	drop()
	g.mu.Unlock()
}

// isDone reports whether f finished, without waiting.
func (f *flight) isDone() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}
