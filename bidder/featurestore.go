package bidder

import (
	"context"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
)

// FeatureStore adapts a *featurestore.Store to the bidder's Features and FrequencyCounters:
//
//   - Viewer reads the user entity's profile view: ad_tolerance (the share of ads the viewer
//     watched to completion) is the viewer's completion rate. The catalogue has no click
//     history or audience segments yet; segments come from user.data meanwhile.
//   - Frequency reads the viewer_campaign entities "<viewer>|<campaign>" (view frequency: an
//     hourly impression vector whose last element is hour last_hour) in one BatchGet and sums
//     each window.
//   - Increment advances the pair's vector with a compare-and-set Modify: exact under
//     concurrent notices, several round trips, off the bid path (notices only).
type FeatureStore struct {
	s *featurestore.Store
}

// NewFeatureStore wraps s.
func NewFeatureStore(s *featurestore.Store) *FeatureStore { return &FeatureStore{s: s} }

var (
	_ Features          = (*FeatureStore)(nil)
	_ FrequencyCounters = (*FeatureStore)(nil)
)

var profileView = []string{featurestore.ViewProfile}

// Viewer implements Features.
func (f *FeatureStore) Viewer(ctx context.Context, id string, dst *ViewerFeatures) error {
	es, err := f.s.BatchGet(ctx, featurestore.EntityUser, []string{id}, profileView)
	if err != nil {
		return err
	}
	e := &es[0]
	dst.Found = e.Status == featurestore.StatusFound || e.Status == featurestore.StatusStale
	dst.CTR, dst.Completion = 0, 0
	dst.Segments = dst.Segments[:0]
	if dst.Found {
		if v := e.View(featurestore.ViewProfile); v.Present() {
			dst.Completion = v.Float("ad_tolerance")
		}
	}
	return nil
}

var frequencyView = []string{featurestore.ViewFrequency}

// Frequency implements Features.
func (f *FeatureStore) Frequency(ctx context.Context, viewer string, qs []FreqQuery, now time.Time) error {
	ids := make([]string, len(qs))
	for i := range qs {
		ids[i] = featurestore.ViewerCampaignID(viewer, qs[i].CampaignID)
	}
	es, err := f.s.BatchGet(ctx, featurestore.EntityViewerCampaign, ids, frequencyView)
	if err != nil {
		return err
	}
	hour := now.Unix() / 3600
	for i := range qs {
		qs[i].Count = 0
		e := &es[i]
		if e.Status == featurestore.StatusDefault {
			// Unknown: a cap that cannot be checked holds.
			qs[i].Count = 1 << 40
			continue
		}
		v := e.View(featurestore.ViewFrequency)
		if !v.Present() {
			continue
		}
		qs[i].Count = windowCount(v.Vector("hourly"), v.Int("last_hour"), hour, qs[i].WindowHours)
	}
	return nil
}

// windowCount sums the hourly vector (last element = hour last) over the window of hours
// ending at hour now.
func windowCount(hourly []float32, last, now int64, window int) int64 {
	var n float64
	for i := len(hourly) - 1; i >= 0; i-- {
		h := last - int64(len(hourly)-1-i)
		if h > now {
			continue
		}
		if h <= now-int64(window) {
			break
		}
		n += float64(hourly[i])
	}
	return int64(n + 0.5)
}

// Increment implements FrequencyCounters.
func (f *FeatureStore) Increment(ctx context.Context, viewer, campaign string, at time.Time) error {
	hour := at.Unix() / 3600
	return f.s.Modify(ctx, featurestore.EntityViewerCampaign, featurestore.ViewerCampaignID(viewer, campaign), featurestore.ViewFrequency,
		func(cur featurestore.Values) (featurestore.Update, bool, error) {
			vec := make([]float32, featurestore.FrequencyHours)
			last, total := hour, int64(0)
			if cur.Present() {
				old, oldLast := cur.Vector("hourly"), cur.Int("last_hour")
				total = cur.Int("total")
				if oldLast > hour {
					last = oldLast // a late notice: count it in its own hour if still in the vector
				}
				shift := last - oldLast
				for i := range old {
					if j := int64(i) - shift; j >= 0 && j < int64(len(vec)) && i < len(vec) {
						vec[j] = old[i]
					}
				}
			}
			if k := int64(len(vec)-1) - (last - hour); k >= 0 {
				vec[k]++
			}
			return featurestore.Update{Fields: featurestore.Fields{"hourly": vec, "last_hour": last, "total": total + 1}, EventTime: at}, true, nil
		})
}
