package bidder

import (
	"context"
	"sync"
	"time"
)

// Frequency caps: a campaign with FreqCap{Max, WindowHours} bids for a viewer only while the
// viewer saw fewer than Max of its impressions in the last WindowHours hours (hour buckets, so
// the window is WindowHours whole hours including the current one). The counts come with the
// viewer's features (the featurestore's per-viewer-per-campaign counters); win and impression
// notices increment them. A capped campaign does not bid when the viewer cannot be identified
// or must not be tracked (COPPA, GDPR without consent, opt-outs): a cap it cannot enforce is
// a cap it would break.
const maxCapWindowHours = 24 * 30

// capped reports whether the viewer reached the campaign's cap at now.
func capped(c *Campaign, v *ViewerFeatures, now time.Time) bool {
	if c.FreqCap == nil {
		return false
	}
	if v == nil {
		return true
	}
	from := now.Unix()/3600 - int64(c.FreqCap.WindowHours) + 1
	var n int64
	for i := range v.Impressions {
		ci := &v.Impressions[i]
		if ci.CampaignID != c.ID {
			continue
		}
		for _, h := range ci.Hours {
			if h.Hour >= from {
				n += h.Count
			}
		}
	}
	return n >= int64(c.FreqCap.Max)
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
	imps       map[string][]HourCount
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
		v = &memViewer{imps: map[string][]HourCount{}}
		m.viewers[id] = v
	}
	return v
}

// Viewer implements Features.
func (m *MemoryViewers) Viewer(_ context.Context, id string, dst *ViewerFeatures) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v := m.viewers[id]
	if v == nil {
		dst.Found = false
		return nil
	}
	dst.Found, dst.CTR, dst.Completion = true, v.ctr, v.compl
	dst.Segments = append(dst.Segments[:0], v.segments...)
	dst.Impressions = dst.Impressions[:0]
	for cid, hs := range v.imps {
		dst.Impressions = append(dst.Impressions, CampaignImpressions{CampaignID: cid, Hours: append([]HourCount(nil), hs...)})
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
		hs = append(hs, HourCount{Hour: h, Count: 1})
	}
	v.imps[campaignID] = hs
	return nil
}
