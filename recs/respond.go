package recs

import (
	"encoding/json"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/recs/catalog"
	"github.com/cuepoint/cuepoint/recs/rank"
)

// appendResponse writes the list as JSON by hand: no reflection, no allocation. Every string
// in it is a catalogue id, a constant, a generated id or a header value that passed
// checkToken, none of which needs escaping in JSON.
//
//	{"items":[{"id":"item-7","score":0.1834,"reason":"similar:item-3","position":1},…],
//	 "model":"…","arm":"…","experiment":"…","request_id":"…","list_id":"…"[,"degraded":"…"]}
func (s *Service) appendResponse(b []byte, list []rank.Result, cat *catalog.Catalog, model, arm, reqID, listID, degraded string) []byte {
	b = append(b, `{"items":[`...)
	for k, r := range list {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = append(b, cat.ID(r.Item)...)
		b = append(b, `","score":`...)
		b = strconv.AppendFloat(b, float64(r.Score), 'f', 4, 32)
		b = append(b, `,"reason":"`...)
		b = append(b, r.Reason.String()...)
		if r.Reason == rank.ReasonSimilar && r.Anchor >= 0 {
			b = append(b, ':')
			b = append(b, cat.ID(r.Anchor)...)
		}
		b = append(b, `","position":`...)
		b = strconv.AppendInt(b, int64(k+1), 10)
		b = append(b, '}')
	}
	b = append(b, `],"model":"`...)
	b = append(b, model...)
	b = append(b, `","arm":"`...)
	b = append(b, arm...)
	b = append(b, `","experiment":"`...)
	b = append(b, s.cfg.Experiment...)
	b = append(b, `","request_id":"`...)
	b = append(b, reqID...)
	b = append(b, `","list_id":"`...)
	b = append(b, listID...)
	b = append(b, '"')
	if degraded != "" {
		b = append(b, `,"degraded":"`...)
		b = append(b, degraded...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// writeError answers {"error": reason} with status code.
func writeError(ctx *fasthttp.RequestCtx, code int, reason string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{reason})
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
	ctx.SetBody(body)
}
