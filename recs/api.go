package recs

import (
	"encoding/json"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/internal/server"
	"github.com/cuepoint/cuepoint/recs/model"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// handleCatalog serves the catalogue (GET /v1/catalog), for players to draw rows with titles
// and poster colours.
func (s *Service) handleCatalog(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
	ctx.Response.Header.Set("Cache-Control", "max-age=60")
	ctx.SetBody(s.catalogJSON)
}

// handleTitle serves one title (GET /v1/catalog/{id}).
func (s *Service) handleTitle(ctx *fasthttp.RequestCtx) {
	i, ok := s.cat.Index(server.Param(ctx, "id"))
	if !ok {
		writeError(ctx, fasthttp.StatusNotFound, "no title "+truncate(server.Param(ctx, "id"), 64))
		return
	}
	body, _ := json.Marshal(s.cat.Item(i))
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
	ctx.SetBody(body)
}

// modelInfo is GET /v1/recs/model: what is serving.
type modelInfo struct {
	Version  string             `json:"version"`
	LoadedAt time.Time          `json:"loaded_at"`
	Meta     *model.Meta        `json:"meta,omitempty"`
	Weights  map[string]float32 `json:"weights"`
	Arms     []Arm              `json:"arms"`
	Trending trendingInfo       `json:"trending"`
}

type trendingInfo struct {
	AsOf  time.Time `json:"as_of"`
	Known int       `json:"titles_with_live_popularity"`
}

func (s *Service) handleModel(ctx *fasthttp.RequestCtx) {
	ix := s.index.Load()
	info := modelInfo{Version: ix.Version(), LoadedAt: time.UnixMilli(s.loadedAt.Load()).UTC(),
		Weights: map[string]float32{}, Arms: s.cfg.Arms}
	if m := ix.Model(); m != nil {
		info.Meta = &m.Meta
	}
	w := ix.Weights()
	for f, name := range rank.FeatureNames {
		info.Weights[name] = w[f]
	}
	if t := s.trending.Load(); t != nil {
		info.Trending = trendingInfo{AsOf: t.AsOf.UTC(), Known: t.Known}
	}
	body, _ := json.MarshalIndent(info, "", "  ")
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}
