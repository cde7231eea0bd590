package train

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/recs/catalog"
)

// WriteOptions tune WriteFeatures.
type WriteOptions struct {
	Concurrency int // writes in flight (default 16)
	// Progress, when set, is called as entities are written.
	Progress func(done, total int)
}

// WriteFeatures publishes a training result to the featurestore: each viewer's embedding in
// user/profile, each title's embedding, primary genre and duration in item/meta. A Put
// replaces a whole view, so the other features of a view (a viewer's country, a title's
// editorial quality) are read first and written back unchanged; an entity whose read was
// degraded (Cassandra slow or down) is retried rather than written with defaults that would
// erase them. Values carry the model's creation time as their event time: a later write wins.
// It returns the viewers and titles written.
func WriteFeatures(ctx context.Context, store *featurestore.Store, res *Result, cat *catalog.Catalog, o WriteOptions) (users, items int, err error) {
	if res.Model.Meta.Dim != featurestore.EmbeddingDim {
		return 0, 0, fmt.Errorf("train: model dimension %d, the featurestore stores %d", res.Model.Meta.Dim, featurestore.EmbeddingDim)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	at := res.Model.Meta.Created
	total := len(res.Users) + cat.Len()
	var done atomic.Int64
	report := func() {
		if o.Progress != nil {
			o.Progress(int(done.Load()), total)
		}
	}
	userFields := func(k int, cur featurestore.Fields) featurestore.Fields {
		cur["embedding"] = res.UserEmbedding(k)
		return cur
	}
	if err := writeView(ctx, store, featurestore.EntityUser, featurestore.ViewProfile, res.Users, userFields, at, o.Concurrency, &done, report); err != nil {
		return 0, 0, err
	}
	ids := make([]string, cat.Len())
	for i := range ids {
		ids[i] = cat.ID(int32(i))
	}
	d := res.Model.Meta.Dim
	itemFields := func(k int, cur featurestore.Fields) featurestore.Fields {
		it := cat.Item(int32(k))
		if e := res.Model.ItemEmb[k*d : (k+1)*d]; nonZero(e) {
			cur["embedding"] = e
		}
		cur["genre"] = truncate(it.PrimaryGenre(), 32)
		cur["duration_s"] = int64(it.DurationS)
		return cur
	}
	if err := writeView(ctx, store, featurestore.EntityItem, featurestore.ViewMeta, ids, itemFields, at, o.Concurrency, &done, report); err != nil {
		return len(res.Users), 0, err
	}
	report()
	return len(res.Users), cat.Len(), nil
}

// writeView read-merge-writes one view of ids, batch by batch.
func writeView(ctx context.Context, store *featurestore.Store, entity, view string, ids []string,
	fields func(k int, cur featurestore.Fields) featurestore.Fields, at time.Time, concurrency int, done *atomic.Int64, report func()) error {
	v, err := store.Registry().View(entity, view)
	if err != nil {
		return err
	}
	batch := min(max(store.Config().MaxBatch, 1), 500)
	for lo := 0; lo < len(ids); lo += batch {
		hi := min(len(ids), lo+batch)
		ents, err := readSettled(ctx, store, entity, ids[lo:hi], view)
		if err != nil {
			return err
		}
		sem := make(chan struct{}, concurrency)
		var wg sync.WaitGroup
		var first error
		var mu sync.Mutex
		for n := range ents {
			cur := featurestore.Fields{}
			vals := ents[n].Views[0]
			if vals.Present() {
				all := vals.Fields()
				for _, f := range v.Features {
					if vals.Has(f.Name) {
						cur[f.Name] = all[f.Name]
					}
				}
			}
			f := fields(lo+n, cur)
			sem <- struct{}{}
			wg.Add(1)
			go func(id string) {
				defer func() { <-sem; wg.Done() }()
				if err := putWithRetry(ctx, store, entity, id, view, f, at); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("train: write %s/%s/%s: %w", entity, id, view, err)
					}
					mu.Unlock()
				}
				done.Add(1)
			}(ids[lo+n])
		}
		wg.Wait()
		if first != nil {
			return first
		}
		report()
	}
	return nil
}

// readSettled reads a batch, retrying while any entity's read was degraded.
func readSettled(ctx context.Context, store *featurestore.Store, entity string, ids []string, view string) ([]featurestore.Entity, error) {
	for attempt := 0; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ents, err := store.BatchGet(rctx, entity, ids, []string{view})
		cancel()
		if err != nil {
			return nil, err
		}
		degraded := false
		for _, e := range ents {
			degraded = degraded || e.Status.Degraded()
		}
		if !degraded {
			return ents, nil
		}
		if attempt == 10 {
			return nil, fmt.Errorf("train: %s features unreadable (featurestore degraded): refusing to overwrite them: %w", entity, featurestore.ErrUnavailable)
		}
		if err := sleep(ctx, time.Duration(100<<min(attempt, 4))*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func putWithRetry(ctx context.Context, store *featurestore.Store, entity, id, view string, f featurestore.Fields, at time.Time) error {
	for attempt := 0; ; attempt++ {
		err := store.Put(ctx, entity, id, view, f, at)
		if err == nil || !errors.Is(err, featurestore.ErrUnavailable) || attempt == 8 {
			return err
		}
		if err := sleep(ctx, time.Duration(50<<min(attempt, 5))*time.Millisecond); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
