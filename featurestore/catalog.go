package featurestore

import (
	"math"
	"time"
)

// Entity type names of the Default registry.
const (
	EntityUser           = "user"            // a viewer
	EntityItem           = "item"            // a title in the catalogue (VOD or live channel)
	EntityDevice         = "device"          // a playback device
	EntityCampaign       = "campaign"        // an ad campaign
	EntityViewerCampaign = "viewer_campaign" // a (viewer, campaign) pair, id "<viewer>|<campaign>"
)

// View names of the Default registry.
const (
	ViewProfile    = "profile"    // user, device: slow-moving attributes, batch
	ViewRecent     = "recent"     // user: recent watches, stream
	ViewMeta       = "meta"       // item: catalogue attributes and embedding, batch
	ViewPopularity = "popularity" // item: decayed play count, stream
	ViewStats      = "stats"      // campaign: delivery statistics, batch
	ViewFrequency  = "frequency"  // viewer_campaign: impressions per hour, counted by the bidder
	// ViewImpressions is viewer_campaign's impressions per minute and per hour, from the ads
	// topic (stream); count a window with Impressions.
	ViewImpressions = "impressions"
)

// EmbeddingDim is the dimension of user and item embeddings written by the recs trainer.
const EmbeddingDim = 32

// Stream-view parameters shared with the stream updater and the read helpers.
const (
	// RecentMax is how many recently watched items the recent view keeps, newest first.
	RecentMax = 20
	// PopularityHalfLife is the half-life of an item's popularity score.
	PopularityHalfLife = 6 * time.Hour
	// FrequencyHours is the number of hourly impression buckets of the frequency view: one
	// week, enough for the bidder's 1 h, 24 h and 7 d frequency caps.
	FrequencyHours = 7 * 24
	// ImpressionMinutes is the number of per-minute buckets of the impressions view: windows up
	// to an hour are counted to the minute.
	ImpressionMinutes = 60
	// ImpressionIDs is how many of the latest impression event ids the impressions view keeps
	// to recognise copies of one event (the adserver instances that count one beacon emit it
	// with the same id).
	ImpressionIDs = 20
)

const day = 24 * time.Hour

// Default is the feature catalogue Cuepoint runs with. docs/features.md documents it; change
// both together. Tags are the wire identity of features: never change or reuse one.
var Default = MustRegistry(
	EntityType{
		Name: EntityUser,
		Doc:  "A viewer, identified by the player's viewer id.",
		Views: []*View{
			{
				Name: ViewProfile, Source: Batch, TTL: 90 * day, Freshness: time.Minute,
				Doc: "Long-term tastes, written daily by the recs trainer.",
				Features: []Feature{
					{Name: "embedding", Tag: 1, Kind: Vector, Dim: EmbeddingDim, Doc: "taste embedding (recs two-tower model)"},
					{Name: "country", Tag: 2, Kind: String, MaxLen: 2, Doc: "ISO 3166-1 alpha-2 country code"},
					{Name: "tenure_days", Tag: 3, Kind: Int, Doc: "days since sign-up"},
					{Name: "avg_session_min", Tag: 4, Kind: Float, Doc: "mean session length over 30 days, minutes"},
					{Name: "ad_tolerance", Tag: 5, Kind: Float, Default: 0.5, Doc: "0…1, share of ads watched to completion"},
				},
			},
			{
				Name: ViewRecent, Source: Stream, TTL: 30 * day, Freshness: 2 * time.Second,
				Doc: "What the viewer watched lately, kept current from playback events.",
				Features: []Feature{
					{Name: "items", Tag: 1, Kind: Strings, MaxLen: RecentMax, Doc: "recently started item ids, newest first, no repeats"},
					{Name: "watch_count", Tag: 2, Kind: Int, Doc: "playback starts counted since the view was created"},
					{Name: "last_watch_ms", Tag: 3, Kind: Int, Doc: "event time of the latest playback start, Unix ms"},
				},
			},
		},
	},
	EntityType{
		Name: EntityItem,
		Doc:  "A title: a VOD asset or a live channel.",
		Views: []*View{
			{
				Name: ViewMeta, Source: Batch, TTL: 0, Freshness: 5 * time.Minute,
				Doc: "Catalogue attributes and the item embedding, written by the recs trainer.",
				Features: []Feature{
					{Name: "embedding", Tag: 1, Kind: Vector, Dim: EmbeddingDim, Doc: "item embedding (recs two-tower model)"},
					{Name: "genre", Tag: 2, Kind: String, MaxLen: 32},
					{Name: "duration_s", Tag: 3, Kind: Int, Doc: "0 for live channels"},
					{Name: "quality", Tag: 4, Kind: Float, Default: 0.5, Doc: "0…1 editorial quality score"},
				},
			},
			{
				Name: ViewPopularity, Source: Stream, TTL: 30 * day, Freshness: 5 * time.Second,
				Doc: "Exponentially decayed play count (half-life 6 h); decay to now with Decay.",
				Features: []Feature{
					{Name: "score", Tag: 1, Kind: Float, Doc: "decayed plays as of as_of_ms"},
					{Name: "as_of_ms", Tag: 2, Kind: Int, Doc: "time the score refers to, Unix ms"},
					{Name: "plays", Tag: 3, Kind: Int, Doc: "playback starts, undecayed"},
				},
			},
		},
	},
	EntityType{
		Name: EntityDevice,
		Doc:  "A playback device.",
		Views: []*View{
			{
				Name: ViewProfile, Source: Batch, TTL: 30 * day, Freshness: time.Minute,
				Features: []Feature{
					{Name: "os", Tag: 1, Kind: String, MaxLen: 32},
					{Name: "screen", Tag: 2, Kind: String, MaxLen: 16, Default: "tv", Doc: "tv, desktop, tablet or phone"},
					{Name: "bandwidth_kbps", Tag: 3, Kind: Int, Default: int64(5000), Doc: "median measured throughput"},
				},
			},
		},
	},
	EntityType{
		Name: EntityCampaign,
		Doc:  "An ad campaign of the bidder.",
		Views: []*View{
			{
				Name: ViewStats, Source: Batch, TTL: 7 * day, Freshness: time.Minute,
				Doc: "Delivery statistics, written hourly from ClickHouse.",
				Features: []Feature{
					{Name: "ctr", Tag: 1, Kind: Float, Default: 0.002},
					{Name: "vcr", Tag: 2, Kind: Float, Default: 0.7, Doc: "video completion rate"},
					{Name: "spend_micros", Tag: 3, Kind: Int, Doc: "spend today, micros of the currency"},
					{Name: "embedding", Tag: 4, Kind: Vector, Dim: EmbeddingDim, Doc: "creative embedding for relevance"},
				},
			},
		},
	},
	EntityType{
		Name: EntityViewerCampaign,
		Doc:  "A (viewer, campaign) pair for frequency capping; the id is \"<viewer>|<campaign>\".",
		Views: []*View{
			{
				Name: ViewFrequency, Source: Stream, TTL: 8 * day, Freshness: time.Second,
				Doc: "Impressions per UTC hour for the last week, counted by the bidder on win notices.",
				Features: []Feature{
					{Name: "hourly", Tag: 1, Kind: Vector, Dim: FrequencyHours, Doc: "impressions per hour; the last element is hour last_hour"},
					{Name: "last_hour", Tag: 2, Kind: Int, Doc: "the hour of the last element, hours since the Unix epoch"},
					{Name: "total", Tag: 3, Kind: Int, Doc: "impressions since the view was created"},
				},
			},
			{
				Name: ViewImpressions, Source: Stream, TTL: 8 * day, Freshness: time.Second,
				Doc: "Impressions from the ads topic, exactly once per event, per UTC minute for the last hour and per UTC hour for the last week; count a window with Impressions.",
				Features: []Feature{
					{Name: "minutes", Tag: 1, Kind: Vector, Dim: ImpressionMinutes, Doc: "impressions per minute; the last element is minute last_minute"},
					{Name: "last_minute", Tag: 2, Kind: Int, Doc: "the minute of the last element of minutes, minutes since the Unix epoch"},
					{Name: "hourly", Tag: 3, Kind: Vector, Dim: FrequencyHours, Doc: "impressions per hour; the last element is hour last_hour"},
					{Name: "last_hour", Tag: 4, Kind: Int, Doc: "the hour of the last element of hourly, hours since the Unix epoch"},
					{Name: "total", Tag: 5, Kind: Int, Doc: "impressions since the view was created"},
					{Name: "last_impression_ms", Tag: 6, Kind: Int, Doc: "event time of the latest impression, Unix ms"},
					{Name: "event_ids", Tag: 7, Kind: Strings, MaxLen: ImpressionIDs, Doc: "ids of the latest impression events counted, newest first (deduplication)"},
				},
			},
		},
	},
)

// Impressions counts the impressions of a viewer_campaign impressions view in the window
// ending at now: to the minute for windows up to an hour (the current minute and the
// ceil(window/1m)-1 before it), to the hour beyond (the current hour and the ceil(window/1h)-1
// before it), at most a week. Impressions at or after now count (clock skew between
// instances).
func Impressions(v Values, now time.Time, window time.Duration) int64 {
	if window <= 0 {
		return 0
	}
	if window <= time.Hour {
		n := int64((window + time.Minute - 1) / time.Minute)
		return bucketsSince(v, "minutes", "last_minute", now.Unix()/60-n+1)
	}
	n := int64(min((window+time.Hour-1)/time.Hour, FrequencyHours))
	return bucketsSince(v, "hourly", "last_hour", now.Unix()/3600-n+1)
}

// bucketsSince sums the buckets of vector name (the last one being bucket last) from bucket
// first on.
func bucketsSince(v Values, name, last string, first int64) int64 {
	var buf [FrequencyHours]float32
	b := v.AppendVector(buf[:0], name)
	end := v.Int(last)
	var n float64
	for i := range b {
		if end-int64(len(b)-1-i) >= first {
			n += float64(b[i])
		}
	}
	return int64(n)
}

// ViewerCampaignID is the entity id of the (viewer, campaign) pair.
func ViewerCampaignID(viewer, campaign string) string { return viewer + "|" + campaign }

// Decay returns a popularity score that was score at asOf, decayed to now with
// PopularityHalfLife (the popularity view stores the score as of its last event).
func Decay(score float64, asOf, now time.Time) float64 {
	dt := now.Sub(asOf)
	if dt <= 0 {
		return score
	}
	return score * math.Exp2(-float64(dt)/float64(PopularityHalfLife))
}

// Popularity is an item's popularity view decayed to now.
func Popularity(v Values, now time.Time) float64 {
	return Decay(v.Float("score"), time.UnixMilli(v.Int("as_of_ms")), now)
}
