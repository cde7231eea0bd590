package recs

import (
	"context"
	"math"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// Features is what recs reads from the featurestore: *featurestore.Store implements it. It
// must return within ctx's deadline, answering degraded entities (featurestore.Status)
// rather than failing when its backend is slow or down.
type Features interface {
	BatchGet(ctx context.Context, entityType string, ids, views []string) ([]featurestore.Entity, error)
}

var (
	viewerViews = []string{featurestore.ViewProfile, featurestore.ViewRecent}
	itemViews   = []string{featurestore.ViewPopularity}
)

// Why a list was served degraded (the response's "degraded" field and a metric label): the
// viewer's features were not (all) read. The candidates' popularity has a substitute as good
// (the trending snapshot), so its read failing does not degrade a list; it is counted.
const (
	degradedNone     = ""
	degradedFeatures = "features_unavailable" // the viewer's read failed or came back degraded
)

// viewerFeatures is what the featurestore knows about the viewer.
type viewerFeatures struct {
	embedding []float32 // nil: none stored
	asOfMS    int64     // the embedding's event time (the training run's), Unix ms
	recent    []int32   // catalogue indexes, newest first
	region    catalog.Region
	degraded  string
}

// readViewer reads the viewer's profile and recent plays in one BatchGet, into the call's
// reusable buffers.
func (s *Service) readViewer(ctx context.Context, user string, c *call) viewerFeatures {
	var vf viewerFeatures
	if s.features == nil {
		vf.degraded = degradedFeatures
		return vf
	}
	ids := [1]string{user}
	ents, err := s.features.BatchGet(ctx, featurestore.EntityUser, ids[:], viewerViews)
	if err != nil || len(ents) != 1 {
		vf.degraded = degradedFeatures
		return vf
	}
	e := &ents[0]
	if e.Status.Degraded() {
		vf.degraded = degradedFeatures
	}
	profile, rec := e.Views[0], e.Views[1]
	if profile.Has("embedding") {
		c.emb = profile.AppendVector(c.emb[:0], "embedding")
		if len(c.emb) == c.ix.Dim() && nonZero(c.emb) {
			vf.embedding, vf.asOfMS = c.emb, profile.EventTime().UnixMilli()
		}
	}
	if c := profile.Str("country"); c != "" {
		vf.region, _ = catalog.ParseRegion(c)
	}
	c.recent = c.recent[:0]
	if rec.Present() {
		cat := c.ix.Catalog()
		for _, id := range rec.Strings("items") {
			if i, ok := cat.Index(id); ok {
				c.recent = append(c.recent, i)
			}
		}
	}
	vf.recent = c.recent
	return vf
}

// readPopularity refreshes the candidates' live popularity from the featurestore. It reports
// whether the read was degraded (the candidates keep the trending snapshot's values).
func (s *Service) readPopularity(ctx context.Context, c *call, cands []rank.Candidate, now time.Time) bool {
	c.ids = c.ids[:0]
	cat := c.ix.Catalog()
	for k := range cands {
		c.ids = append(c.ids, cat.ID(cands[k].Item))
	}
	ents, err := s.features.BatchGet(ctx, featurestore.EntityItem, c.ids, itemViews)
	if err != nil || len(ents) != len(cands) {
		return true
	}
	degraded := false
	nowMS := now.UnixMilli()
	for k := range ents {
		e := &ents[k]
		if e.Status.Degraded() {
			degraded = true
		}
		if v := e.Views[0]; v.Present() {
			cands[k].Trend = float32(decay(v.Float("score"), v.Int("as_of_ms"), nowMS))
		}
	}
	return degraded
}

// decay returns a popularity score that was score at asOfMS, decayed to nowMS with the
// popularity view's half-life.
func decay(score float64, asOfMS, nowMS int64) float64 {
	if dt := nowMS - asOfMS; dt > 0 {
		return score * math.Exp2(-float64(dt)/float64(featurestore.PopularityHalfLife.Milliseconds()))
	}
	return score
}

func nonZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}
