package recs

import (
	"context"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// trendingBatch is how many titles one refresh read asks the featurestore for at a time;
// trendingPause spaces the reads, so a refresh is a trickle rather than a burst.
const (
	trendingBatch = 250
	trendingPause = 20 * time.Millisecond
)

// refreshTrending rebuilds the trending snapshot every TrendingRefresh until ctx ends: every
// title's live popularity (featurestore item/popularity, decayed to now). A title whose
// read came back degraded keeps its last known score, so a featurestore outage freezes
// trending rather than emptying it.
func (s *Service) refreshTrending(ctx context.Context) {
	t := time.NewTicker(s.cfg.TrendingRefresh)
	defer t.Stop()
	for {
		s.RefreshTrending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RefreshTrending rebuilds the trending snapshot once (the background loop calls it; tests
// call it directly).
func (s *Service) RefreshTrending(ctx context.Context) {
	if s.bulk == nil {
		return
	}
	n := s.cat.Len()
	live := make([]float32, n)
	var prev []float32
	if p := s.live.Load(); p != nil {
		prev = *p
	}
	now := s.now()
	ids := make([]string, 0, trendingBatch)
	for lo := 0; lo < n; lo += trendingBatch {
		hi := min(n, lo+trendingBatch)
		ids = ids[:0]
		for i := lo; i < hi; i++ {
			ids = append(ids, s.cat.ID(int32(i)))
		}
		if lo > 0 && sleepCtx(ctx, trendingPause) != nil {
			return
		}
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		ents, err := s.bulk.BatchGet(rctx, featurestore.EntityItem, ids, itemViews)
		cancel()
		for k := range ids {
			i := lo + k
			switch {
			case err != nil || len(ents) != len(ids) || ents[k].Status.Degraded():
				if prev != nil {
					live[i] = prev[i]
				}
			case ents[k].Views[0].Present():
				v := ents[k].Views[0]
				live[i] = float32(decay(v.Float("score"), v.Int("as_of_ms"), now.UnixMilli()))
			}
		}
	}
	s.live.Store(&live)
	s.trending.Store(rank.NewTrending(s.index.Load(), live, now))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
