package bidder

import (
	"context"
	"sync"
	"time"
)

var _ Features = (*MemoryViewers)(nil)

// Frequency caps: a campaign with FreqCap{Max, WindowHours} bids for a viewer only while the
// viewer saw fewer than Max of its impressions in the last WindowHours hours (hour buckets, so
// the window is WindowHours whole hours including the current one). The counts come with the
// viewer's features (the featurestore's per-viewer-per-campaign counters); win and impression
// notices increment them. A capped campaign does not bid when the viewer cannot be identified
// or must not be tracked (COPPA, GDPR without consent, opt-outs): a cap it cannot enforce is
// a cap it would break.
const maxCapWindowHours = 24 * 30

// maxCapQueries bounds the frequency look-ups of one request; capped campaigns beyond it sit
// the request out (never bid past a cap that was not checked).
const maxCapQueries = 256

// checkCaps asks the featurestore for the viewer's impressions of the capped campaigns among
// the request's candidates, and marks in rc.overCap those at their cap. Campaigns it could not
// check (no viewer, no personalization, an error, too many) are marked too. The look-up has
// until the request's deadline less half of --min-work.
func (b *Bidder) checkCaps(ctx context.Context, rc *requestCtx, ix *Index) {
	rc.overCap.copyFrom(rc.res)
	rc.overCap.and(ix.capped)
	if rc.overCap.empty() {
		return
	}
	if !rc.priv.personalize || rc.facts.viewerID == "" || b.features == nil {
		return // all capped candidates stay marked
	}
	rc.capQ = rc.capQ[:0]
	rc.capOrd = rc.capOrd[:0]
	rc.overCap.forEach(func(o uint32) bool {
		if len(rc.capQ) == maxCapQueries {
			return false
		}
		c := ix.entries[o].c
		rc.capQ = append(rc.capQ, FreqQuery{CampaignID: c.ID, WindowHours: c.FreqCap.WindowHours})
		rc.capOrd = append(rc.capOrd, o)
		return true
	})
	// The deadline's context only now: most requests match no capped campaign (a context with
	// a deadline is a timer set and stopped).
	fctx, cancel := context.WithDeadline(ctx, rc.deadline.Add(-b.cfg.MinWork/2))
	err := b.features.Frequency(fctx, rc.facts.viewerID, rc.capQ, rc.now)
	cancel()
	if err != nil {
		featureErrors.Inc()
		return
	}
	for i, q := range rc.capQ {
		if o := rc.capOrd[i]; q.Count < int64(ix.entries[o].c.FreqCap.Max) {
			rc.overCap.clear(o)
		}
	}
}

// MemoryViewers keeps viewer features and frequency counters in process memory: the
// featurestore's contract, for dev and tests and for a bidder run without a featurestore
// (counters are then per instance). Hour buckets older than 30 days are dropped on write.
type MemoryViewers struct {
	mu      sync.RWMutex
	viewers map[string]*memViewer
}

type memViewer struct {
	segments   []string
	ctr, compl float64
	imps       map[string][]hourCount
}

// hourCount is the impressions within the hour starting at Hour (Unix seconds / 3600).
type hourCount struct {
	Hour  int64
	Count int64
}

// NewMemoryViewers returns an empty store.
func NewMemoryViewers() *MemoryViewers { return &MemoryViewers{viewers: map[string]*memViewer{}} }

// SetViewer stores a viewer's segments and rates.
func (m *MemoryViewers) SetViewer(id string, segments []string, ctr, completion float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.viewer(id)
	v.segments, v.ctr, v.compl = append([]string(nil), segments...), ctr, completion
}

func (m *MemoryViewers) viewer(id string) *memViewer {
	v := m.viewers[id]
	if v == nil {
		v = &memViewer{imps: map[string][]hourCount{}}
		m.viewers[id] = v
	}
	return v
}

// Viewer implements Features.
func (m *MemoryViewers) Viewer(_ context.Context, id string, dst *ViewerFeatures) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v := m.viewers[id]
	if v == nil || v.segments == nil && v.ctr == 0 && v.compl == 0 {
		dst.Found = false
		return nil
	}
	dst.Found, dst.CTR, dst.Completion = true, v.ctr, v.compl
	dst.Segments = append(dst.Segments[:0], v.segments...)
	return nil
}

// Frequency implements Features.
func (m *MemoryViewers) Frequency(_ context.Context, id string, qs []FreqQuery, now time.Time) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v := m.viewers[id]
	h := now.Unix() / 3600
	for i := range qs {
		qs[i].Count = 0
		if v == nil {
			continue
		}
		for _, x := range v.imps[qs[i].CampaignID] {
			if x.Hour > h-int64(qs[i].WindowHours) && x.Hour <= h {
				qs[i].Count += x.Count
			}
		}
	}
	return nil
}

// Increment implements FrequencyCounters.
func (m *MemoryViewers) Increment(_ context.Context, viewerID, campaignID string, at time.Time) error {
	h := at.Unix() / 3600
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.viewer(viewerID)
	hs := v.imps[campaignID]
	keep := hs[:0]
	for _, x := range hs {
		if x.Hour > h-maxCapWindowHours {
			keep = append(keep, x)
		}
	}
	hs = keep
	if n := len(hs); n > 0 && hs[n-1].Hour == h {
		hs[n-1].Count++
	} else {
		hs = append(hs, hourCount{Hour: h, Count: 1})
	}
	v.imps[campaignID] = hs
	return nil
}
