package recs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/valyala/fasthttp"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/internal/server"
)

// maxActionBytes bounds an action's body.
const maxActionBytes = 4 << 10

// actionBody is what a player posts to /v1/recs/actions when a viewer clicks or plays an item
// of a list: the list's id, model and arm as the list's response gave them, the item and its
// 1-based position.
type actionBody struct {
	Type     string `json:"type"` // "click" or "play"
	List     string `json:"list"`
	User     string `json:"user"`
	Item     string `json:"item"`
	Position int    `json:"position"`
	Model    string `json:"model"`
	Arm      string `json:"arm"`
}

// parseAction decodes and checks an action body: a JSON object with exactly the fields above
// (unknown fields are an error), valid as an analytics RecsAction.
func parseAction(body []byte, experiment string) (*events.RecsAction, error) {
	if len(body) > maxActionBytes {
		return nil, fmt.Errorf("body larger than %d bytes", maxActionBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var a actionBody
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("body: trailing data after the object")
	}
	ev := &events.RecsAction{
		Header: events.NewHeader(eventService, ""),
		Kind:   events.ActionKind(a.Type), ListID: a.List, UserID: a.User, ItemID: a.Item,
		Position: a.Position, Model: a.Model, Experiment: experiment, Arm: a.Arm,
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return ev, nil
}

// HandleAction takes POST /v1/recs/actions: it emits the RecsAction event, teaches the
// exploration bandit (a click) and remembers the play for the viewer's next list on this
// instance (a play), then answers 204. An item the catalogue does not know is still
// recorded (it may have left the catalogue since the list was served).
func (s *Service) HandleAction(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
	body, err := server.Body(ctx, maxActionBytes, nil)
	if err != nil {
		code := fasthttp.StatusBadRequest
		if errors.Is(err, server.ErrBodyTooLarge) {
			code = fasthttp.StatusRequestEntityTooLarge
		}
		writeError(ctx, code, err.Error())
		return
	}
	ev, err := parseAction(body, s.cfg.Experiment)
	if err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, err.Error())
		return
	}
	if ev.RequestID = string(ctx.Request.Header.Peek("X-Request-Id")); checkToken([]byte(ev.RequestID)) != nil {
		ev.RequestID = ""
	}
	s.emitter.Emit(ev)
	if i, ok := s.cat.Index(ev.ItemID); ok {
		switch ev.Kind {
		case events.ActionClick:
			s.bandit.Clicked(i)
		case events.ActionPlay:
			s.history.add(ev.UserID, i, ev.Time.UnixMilli())
		}
	}
	if am := s.metrics.arms[ev.Arm]; am != nil {
		if ev.Kind == events.ActionClick {
			am.clicks.Inc()
		} else {
			am.plays.Inc()
		}
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

// handlePreflight answers browsers' CORS preflight for posting actions from a player on
// another origin.
func handlePreflight(ctx *fasthttp.RequestCtx) {
	h := &ctx.Response.Header
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, X-Request-Id")
	h.Set("Access-Control-Max-Age", "86400")
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}
