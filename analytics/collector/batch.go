package collector

import (
	"errors"
	"fmt"

	"encoding/json"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// The request body (after gzip, when Content-Encoding says so) is one JSON object:
//
//	{"events": [
//	  {"family": "playback", "event": {"v": 1, "type": "qoe", "id": "…", "time": "…", …}},
//	  {"family": "ads",      "event": {"v": 1, "type": "impression", …}}
//	]}
//
// Each event is the family's wire encoding (docs/events.md), exactly what analytics/events
// writes. The body is refused as a whole only when it is not such an object; each item is
// judged on its own, and a bad one is rejected with its index and reason while the others are
// accepted.

// errBatchTooLarge means a batch has more events than the collector takes in one request.
var errBatchTooLarge = errors.New("too many events")

// item is one element of "events", not yet judged.
type item struct {
	family events.Family
	event  []byte // the event's JSON
	err    string // why the element is not a {"family": …, "event": {…}} object
}

// parseBatch splits a body into its items. It fails when the body is not a JSON object with a
// non-empty "events" array, or when the array holds more than maxEvents elements.
//
// It uses encoding/json, not goccy/go-json: fuzzing this parser under -race found goccy
// v0.10.5 doing pointer arithmetic past the end of its input on a 6-byte body ({"\00\), and a
// parser of outside input must not read out of bounds. A full batch costs a millisecond or two
// either way.
func parseBatch(body []byte, maxEvents int) ([]item, error) {
	var batch struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &batch); err != nil {
		return nil, fmt.Errorf(`body is not {"events": [...]}: %v`, err)
	}
	switch {
	case batch.Events == nil:
		return nil, errors.New(`body has no "events" array`)
	case len(batch.Events) == 0:
		return nil, errors.New(`"events" is empty`)
	case len(batch.Events) > maxEvents:
		return nil, fmt.Errorf("%w: %d in one request, limit %d; split the batch", errBatchTooLarge, len(batch.Events), maxEvents)
	}
	items := make([]item, len(batch.Events))
	for i, raw := range batch.Events {
		var el struct {
			Family string          `json:"family"`
			Event  json.RawMessage `json:"event"`
		}
		switch {
		case json.Unmarshal(raw, &el) != nil:
			items[i].err = `not an object {"family": string, "event": object}`
		case el.Family == "":
			items[i].err = `"family" missing`
		case len(el.Event) == 0 || el.Event[0] != '{':
			items[i].err = `"event" missing or not an object`
		default:
			items[i] = item{family: events.Family(el.Family), event: el.Event}
		}
	}
	return items, nil
}
