package recs

import (
	"context"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// call is one request's reusable memory, pooled: the ranking inputs, buffers for the
// featurestore's answers and the response.
type call struct {
	ix     *rank.Index
	rk     *rank.Ranking
	req    rank.Request
	hist   []int32
	emb    []float32
	recent []int32
	ids    []string
	out    []byte
}

// HandleRecs answers GET /v1/recs?user=U&n=20&surface=home|next&content=ID with the
// viewer's list (see docs/recs.md):
//
//	{"items": [{"id", "score", "reason", "position"}], "model", "arm", "request_id", ...}
//
// Bad input gets 400 with {"error": reason}. The list is never empty while the catalogue has
// a title the viewer may see; when the featurestore is slow or down it is built from what is
// at hand (its near-cache, this instance's memory of the viewer's plays, trending) and
// marked "degraded".
func (s *Service) HandleRecs(ctx *fasthttp.RequestCtx) {
	began := time.Now()
	p, err := parseParams(ctx.QueryArgs())
	if err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	arm := s.exp.assign(p.user)
	now := s.now()
	listID := events.NewID()
	reqID := listID
	if h := ctx.Request.Header.Peek("X-Request-Id"); len(h) > 0 && checkToken(h) == nil {
		reqID = string(h)
	}

	c := s.calls.Get().(*call)
	c.ix = s.index.Load()
	c.rk = c.ix.Acquire()
	defer func() {
		c.rk.Release()
		c.ix, c.rk, c.req.Trend = nil, nil, nil
		s.calls.Put(c)
	}()
	cat := c.ix.Catalog()
	c.req = rank.Request{
		N: p.n, Surface: p.surface, Content: -1, Now: now, MaxRating: s.cfg.DefaultMaxRating,
		Seed: mix64(s.cfg.Seed ^ bucket(p.user, listID)), Trend: s.trending.Load(), Policy: arm.policy,
	}
	c.req.Policy.Promotions = s.promos
	if p.hasRating {
		c.req.MaxRating = p.maxRating
	}
	if p.content != "" {
		if i, ok := cat.Index(p.content); ok {
			c.req.Content = i
		}
	}

	// The viewer: profile and recent plays, under the request's feature deadline.
	deadline := began.Add(s.cfg.FeatureTimeout)
	fctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	vf := s.readViewer(fctx, p.user, c)
	degraded := vf.degraded
	c.req.Region = vf.region
	if p.hasRegion {
		c.req.Region = p.region
	}
	// Plays through this instance first (newest); those after the stored embedding was
	// trained update it (rank.Request.Fresh).
	c.hist, c.req.Fresh = s.history.appendTo(c.hist[:0], p.user, vf.asOfMS)
	for _, i := range vf.recent {
		if !contains(c.hist, i) && len(c.hist) < 2*featurestore.RecentMax {
			c.hist = append(c.hist, i)
		}
	}
	c.req.History, c.req.Viewer = c.hist, vf.embedding

	c.rk.Prepare(&c.req)
	cands := c.rk.Candidates()
	if s.cfg.ItemFeatures && s.features != nil && arm.policy.Personalized && len(cands) > 0 {
		switch {
		case !time.Now().Before(deadline):
			s.metrics.itemReads[itemReadSkipped].Inc()
		case s.readPopularity(fctx, c, cands, now):
			s.metrics.itemReads[itemReadDegraded].Inc()
		default:
			s.metrics.itemReads[itemReadOK].Inc()
		}
	}
	c.rk.Score()
	list := c.rk.Arrange(s.bandit)

	modelName := c.ix.Version()
	if !arm.policy.Personalized {
		modelName = modelPopularity
	}
	c.out = s.appendResponse(c.out[:0], list, cat, modelName, arm.Name, reqID, listID, degraded)
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(c.out)

	s.observe(list, cat, arm, p, modelName, reqID, listID, degraded, time.Since(began))
}

// modelPopularity is the model name of lists the popularity arm serves.
const modelPopularity = "popularity"

func contains(xs []int32, x int32) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
