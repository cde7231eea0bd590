package stream

import (
	"math"
	"slices"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
)

// row identifies one feature value: a view of an entity.
type row struct{ entity, id, view string }

// op is one event's change to one row, with the record it came from.
type op struct {
	source string    // "topic/partition"
	offset int64     // the record's offset
	ts     int64     // the record's timestamp, Unix ms
	at     time.Time // the event's time
	item   string    // the item played
	id     string    // the event's id (impressions: copies of one event share it)
}

// opsOf returns the row an event changes and how, or ok=false for events that change none.
func opsOf(ev events.Event) (r row, o op, ok bool) {
	switch e := ev.(type) {
	case *events.RecsAction:
		if e.Kind != events.ActionPlay || featurestore.CheckID(e.UserID) != nil {
			return row{}, op{}, false
		}
		return row{featurestore.EntityUser, e.UserID, featurestore.ViewRecent}, op{at: e.Time, item: e.ItemID}, true
	case *events.QoE:
		if e.StartupMS <= 0 || featurestore.CheckID(e.ContentID) != nil { // not a session's first report
			return row{}, op{}, false
		}
		return row{featurestore.EntityItem, e.ContentID, featurestore.ViewPopularity}, op{at: e.Time, item: e.ContentID}, true
	case *events.AdTracking:
		if e.Kind != events.TrackImpression || e.Viewer == "" || e.Campaign == "" {
			return row{}, op{}, false
		}
		id := featurestore.ViewerCampaignID(e.Viewer, e.Campaign)
		if featurestore.CheckID(id) != nil {
			return row{}, op{}, false
		}
		return row{featurestore.EntityViewerCampaign, id, featurestore.ViewImpressions}, op{at: e.Time, id: e.ID}, true
	}
	return row{}, op{}, false
}

// applyRecent folds playback starts into the recent view's features.
func applyRecent(cur featurestore.Values, ops []op) featurestore.Fields {
	items := cur.Strings("items")
	count, last := cur.Int("watch_count"), cur.Int("last_watch_ms")
	for _, o := range ops {
		ms := o.at.UnixMilli()
		i := slices.Index(items, o.item)
		switch {
		case ms >= last: // the newest start: to the front
			if i >= 0 {
				items = slices.Delete(items, i, i+1)
			}
			items = slices.Insert(items, 0, o.item)
			last = ms
		case i < 0: // a late start of an item not listed: its place is behind the newer ones
			items = append(items, o.item)
		}
		if len(items) > featurestore.RecentMax {
			items = items[:featurestore.RecentMax]
		}
		count++
	}
	return featurestore.Fields{"items": items, "watch_count": count, "last_watch_ms": last}
}

// applyPopularity adds plays to the decayed score, kept as of the latest event.
func applyPopularity(cur featurestore.Values, ops []op) featurestore.Fields {
	score, asOf, plays := cur.Float("score"), cur.Int("as_of_ms"), cur.Int("plays")
	half := float64(featurestore.PopularityHalfLife.Milliseconds())
	for _, o := range ops {
		ms := o.at.UnixMilli()
		if ms >= asOf {
			score = score*math.Exp2(-float64(ms-asOf)/half) + 1
			asOf = ms
		} else { // a late play: worth less as of asOf
			score += math.Exp2(-float64(asOf-ms) / half)
		}
		plays++
	}
	return featurestore.Fields{"score": score, "as_of_ms": asOf, "plays": plays}
}

// applyImpressions counts impressions into the per-minute and per-hour buckets. ops carry
// event ids not counted yet.
func applyImpressions(cur featurestore.Values, ops []op) featurestore.Fields {
	minutes, lastMin := cur.Vector("minutes"), cur.Int("last_minute")
	hourly, lastHour := cur.Vector("hourly"), cur.Int("last_hour")
	total, lastMs := cur.Int("total"), cur.Int("last_impression_ms")
	ids := cur.Strings("event_ids")
	for _, o := range ops {
		sec := o.at.Unix()
		lastMin = count(minutes, lastMin, sec/60)
		lastHour = count(hourly, lastHour, sec/3600)
		total++
		lastMs = max(lastMs, o.at.UnixMilli())
		ids = slices.Insert(ids, 0, o.id)
	}
	if len(ids) > featurestore.ImpressionIDs {
		ids = ids[:featurestore.ImpressionIDs]
	}
	return featurestore.Fields{"minutes": minutes, "last_minute": lastMin, "hourly": hourly, "last_hour": lastHour,
		"total": total, "last_impression_ms": lastMs, "event_ids": ids}
}

// count adds one to bucket b of buckets, whose last element is bucket last, and returns the
// new last bucket: a later bucket shifts the vector (older buckets fall off the front), an
// earlier one within the vector is counted in place, an older one is not kept.
func count(buckets []float32, last, b int64) int64 {
	n := int64(len(buckets))
	if b > last {
		shift := min(b-last, n)
		copy(buckets, buckets[shift:])
		clear(buckets[n-shift:])
		last = b
	}
	if i := n - 1 - (last - b); i >= 0 {
		buckets[i]++
	}
	return last
}

// fold applies the ops the watermark does not cover yet; ok is false when all are replays.
func fold(r row, cur featurestore.Values, ops []op) (u featurestore.Update, fresh int, ok bool) {
	w := cur.Watermark()
	if w == nil {
		w = featurestore.Watermark{}
	}
	todo := make([]op, 0, len(ops))
	for _, o := range ops {
		if !w.Applied(o.source, o.offset, o.ts) {
			todo = append(todo, o)
			w.Advance(o.source, o.offset, o.ts)
		}
	}
	if r.view == featurestore.ViewImpressions { // copies of one event at other offsets
		seen := cur.Strings("event_ids")
		todo = slices.DeleteFunc(todo, func(o op) bool {
			if slices.Contains(seen, o.id) {
				return true
			}
			seen = append(seen, o.id)
			return false
		})
	}
	if len(todo) == 0 {
		return featurestore.Update{}, 0, false
	}
	var f featurestore.Fields
	switch r.view {
	case featurestore.ViewImpressions:
		f = applyImpressions(cur, todo)
	case featurestore.ViewRecent:
		f = applyRecent(cur, todo)
	case featurestore.ViewPopularity:
		f = applyPopularity(cur, todo)
	}
	latest := cur.EventTime()
	for _, o := range todo {
		if o.at.After(latest) {
			latest = o.at
		}
	}
	return featurestore.Update{Fields: f, Watermark: w, EventTime: latest}, len(todo), true
}
