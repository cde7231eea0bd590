package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cuepoint/cuepoint/analytics/events"
	"github.com/cuepoint/cuepoint/featurestore"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/metrics"
)

// Config configures an Updater.
type Config struct {
	Brokers []string
	// Group is the Kafka consumer group (default "cuepoint-featurestore"); updaters sharing it
	// share the partitions.
	Group string
	// Parallelism bounds the rows updated concurrently (default 16).
	Parallelism int
	// MaxPoll bounds the records handled per poll (default 2000).
	MaxPoll int
}

// Topics are the topics the updater reads.
var Topics = []string{events.FamilyRecs.Topic(), events.FamilyPlayback.Topic(), events.FamilyAds.Topic()}

// Updater consumes the analytics topics and updates the stream views.
type Updater struct {
	store *featurestore.Store
	cfg   Config
	log   *slog.Logger

	applied, replayed, ignored, undecodable *vm.Counter
	batch                                   *vm.PrometheusHistogram

	// commit is false in tests that simulate a crash between storing and committing.
	commit bool
}

// New returns an updater writing to store.
func New(store *featurestore.Store, cfg Config, log *slog.Logger) (*Updater, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("stream: no Kafka brokers")
	}
	if cfg.Group == "" {
		cfg.Group = "cuepoint-featurestore"
	}
	if cfg.Parallelism <= 0 {
		cfg.Parallelism = 16
	}
	if cfg.MaxPoll <= 0 {
		cfg.MaxPoll = 2000
	}
	if log == nil {
		log = logging.Discard
	}
	c := func(result string) *vm.Counter {
		return metrics.Counter(`cuepoint_featurestore_stream_records_total{group="` + cfg.Group + `",result="` + result + `"}`)
	}
	return &Updater{
		store: store, cfg: cfg, log: log.With("component", "featurestore-stream"), commit: true,
		applied: c("applied"), replayed: c("replayed"), ignored: c("ignored"), undecodable: c("undecodable"),
		batch: metrics.Latency(`cuepoint_featurestore_stream_batch_seconds{group="` + cfg.Group + `"}`),
	}, nil
}

// Run consumes until ctx is cancelled. A Kafka or Cassandra that is down is waited for; Run
// returns an error only when it cannot start.
func (u *Updater) Run(ctx context.Context) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(u.cfg.Brokers...),
		kgo.ClientID("cuepoint-featurestore"),
		kgo.ConsumerGroup(u.cfg.Group),
		kgo.ConsumeTopics(Topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
	)
	if err != nil {
		return fmt.Errorf("stream: kafka client: %w", err)
	}
	defer cl.Close()
	u.log.Info("consuming", "topics", Topics, "group", u.cfg.Group)
	for {
		fetches := cl.PollRecords(ctx, u.cfg.MaxPoll)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			cl.AllowRebalance()
			return nil
		}
		fetches.EachError(func(t string, p int32, err error) {
			u.log.Warn("fetch failed", "topic", t, "partition", p, "err", err)
		})
		recs := fetches.Records()
		if len(recs) > 0 {
			if !u.storeUntilDone(ctx, recs) {
				cl.AllowRebalance()
				return nil // not committed: read again, and skipped where applied, next time
			}
			if u.commit {
				if err := cl.CommitRecords(ctx, recs...); err != nil && ctx.Err() == nil {
					u.log.Warn("commit failed; the records will be read again and skipped", "err", err)
				}
			}
		}
		cl.AllowRebalance()
	}
}

// storeUntilDone applies the records, retrying with backoff while Cassandra fails; false when
// ctx ended first.
func (u *Updater) storeUntilDone(ctx context.Context, recs []*kgo.Record) bool {
	wait := 100 * time.Millisecond
	for {
		t0 := time.Now()
		err := u.Apply(ctx, recs)
		if err == nil {
			u.batch.Update(time.Since(t0).Seconds())
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		u.log.Warn("storing features failed, retrying", "records", len(recs), "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// Apply decodes the records and updates every row they change, Parallelism rows at a time.
// Records already applied (by watermark) are skipped, so applying a batch again is harmless.
func (u *Updater) Apply(ctx context.Context, recs []*kgo.Record) error {
	byRow := map[row][]op{}
	var order []row
	for _, rec := range recs {
		fam, ok := familyOf(rec.Topic)
		if !ok {
			u.ignored.Inc()
			continue
		}
		ev, err := events.Decode(fam, rec.Value)
		if err != nil {
			u.undecodable.Inc()
			continue
		}
		r, o, ok := opsOf(ev)
		if !ok {
			u.ignored.Inc()
			continue
		}
		o.source = rec.Topic + "/" + strconv.Itoa(int(rec.Partition))
		o.offset, o.ts = rec.Offset, rec.Timestamp.UnixMilli()
		if r.view == featurestore.ViewImpressions && o.at.After(rec.Timestamp.Add(featurestore.MaxClockSkew)) {
			// Stamped well after it reached Kafka (a wrong clock): counted at the record's time,
			// so it cannot push the buckets past the present.
			o.at = rec.Timestamp
		}
		if _, seen := byRow[r]; !seen {
			order = append(order, r)
		}
		byRow[r] = append(byRow[r], o)
	}
	sem := make(chan struct{}, u.cfg.Parallelism)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, r := range order {
		ops := byRow[r]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			var fresh int
			err := u.store.Modify(ctx, r.entity, r.id, r.view, func(cur featurestore.Values) (featurestore.Update, bool, error) {
				upd, n, ok := fold(r, cur, ops)
				fresh = n
				return upd, ok, nil
			})
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s/%s/%s: %w", r.entity, r.id, r.view, err))
				mu.Unlock()
				return
			}
			u.applied.Add(fresh)
			u.replayed.Add(len(ops) - fresh)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func familyOf(topic string) (events.Family, bool) {
	for _, f := range events.Families {
		if f.Topic() == topic {
			return f, true
		}
	}
	return "", false
}
