package bidder

import (
	"context"
	"log/slog"
	"time"

	"github.com/cuepoint/cuepoint/analytics/events"
)

// The bidder depends on these narrow interfaces, not on the packages that implement them, so
// its core is built and tested on its own; cmd wires the real featurestore and producer.

// Emitter sends analytics events. Emit must never block (analytics/producer drops and counts
// when its buffer is full).
type Emitter interface {
	Emit(events.Event)
}

// Features is what the bidder reads from the featurestore, under the request's deadline; an
// error or a miss bids without features (and capped campaigns sit out).
type Features interface {
	// Viewer fills dst with the viewer's features.
	Viewer(ctx context.Context, viewerID string, dst *ViewerFeatures) error
	// Frequency fills each query's Count with the viewer's impressions of the campaign in the
	// last WindowHours UTC hours (the current hour included) as of now.
	Frequency(ctx context.Context, viewerID string, qs []FreqQuery, now time.Time) error
}

// ViewerFeatures are the featurestore's viewer views as the bidder uses them.
type ViewerFeatures struct {
	Found      bool
	Segments   []string // audience segment ids, targeted like user.data segments
	CTR        float64  // the viewer's historical click-through rate (0 when unknown)
	Completion float64  // the viewer's historical video completion rate (0 when unknown)
}

// FreqQuery asks for one campaign's impressions to a viewer within a window.
type FreqQuery struct {
	CampaignID  string
	WindowHours int
	Count       int64 // filled in by Frequency
}

// FrequencyCounters records impressions per viewer per campaign (win, bill or impression
// notice, once per bid), read back through Features.Frequency.
type FrequencyCounters interface {
	Increment(ctx context.Context, viewerID, campaignID string, at time.Time) error
}

// SpendLedger is the durable, shared record of each campaign's daily spend. A bidder instance
// leases budget from it in chunks before spending (Lease never grants more than what is left
// of budget across all instances) and reports settled spend. Day is "2006-01-02" in UTC.
type SpendLedger interface {
	Lease(ctx context.Context, campaignID, day string, want, budget int64) (granted int64, err error)
	Leased(ctx context.Context, campaignID, day string) (int64, error)
}

// CampaignStore is the durable store of campaigns.
type CampaignStore interface {
	List(ctx context.Context) ([]*Campaign, error)
	Get(ctx context.Context, id string) (*Campaign, error) // ErrNotFound when absent
	Put(ctx context.Context, c *Campaign) error
	Delete(ctx context.Context, id string) error
}

// generationStore is a CampaignStore that can say cheaply whether anything changed: Generation
// returns a value that changes on every Put and Delete. Reload then reads, decodes, validates
// and compares every campaign only when it changed: for 10k campaigns that full pass costs
// ~95 ms of one core, 28 MB and 370k allocations every --campaign-refresh, in the middle of
// serving (BenchmarkReload10k). A store without it (Cassandra) is read in full every time.
type generationStore interface {
	Generation() uint64
}

// Deps are the bidder's collaborators. Nil fields get an in-process implementation: campaigns
// and spend in memory, frequency counters in memory, no viewer features, events discarded.
type Deps struct {
	Log      *slog.Logger
	Store    CampaignStore
	Ledger   SpendLedger
	Features Features
	Counters FrequencyCounters
	Emitter  Emitter
	// Dedupe is the record of notices counted shared by every instance; nil deduplicates
	// notices per instance only.
	Dedupe NoticeDedupe
	// Now is the clock (tests move it); nil is time.Now.
	Now func() time.Time
}

type discardEmitter struct{}

func (discardEmitter) Emit(events.Event) {}
